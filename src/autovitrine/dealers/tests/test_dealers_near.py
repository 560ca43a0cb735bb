"""``dealers_near``: the nearest active dealers offering the services asked, in two queries."""

from __future__ import annotations

import pytest

from autovitrine.dealers.selectors import dealers_near
from autovitrine.testing import factories as f

LYON = (45.749, 4.848)


def test_nearest_first_within_the_limit_with_distances(django_assert_num_queries, db):
    # Given dealers 30, 10 and 20 km north of Lyon
    for km in (30, 10, 20):
        f.DealerFactory(code=f"nord-{km}", latitude=LYON[0] + km / 111.2, longitude=LYON[1])

    # When
    with django_assert_num_queries(2):
        nearby = dealers_near(latitude=LYON[0], longitude=LYON[1], limit=2)

    # Then
    assert [(hit.dealer.code, round(hit.distance_km)) for hit in nearby] == [
        ("nord-10", 10),
        ("nord-20", 20),
    ]


def test_closed_down_dealers_and_missing_services_are_left_out(db):
    # Given
    f.DealerFactory(code="complete")
    f.DealerFactory(code="neuf-seulement", sells_used=False, has_workshop=False)
    f.DealerFactory(code="fermee", is_active=False)

    # When
    everyone = dealers_near(latitude=LYON[0], longitude=LYON[1], limit=10)
    used_and_workshop = dealers_near(
        latitude=LYON[0], longitude=LYON[1], limit=10, services={"used", "workshop"}
    )

    # Then
    assert sorted(hit.dealer.code for hit in everyone) == ["complete", "neuf-seulement"]
    assert [hit.dealer.code for hit in used_and_workshop] == ["complete"]


def test_an_empty_network_gives_no_dealer_in_one_query(django_assert_num_queries, db):
    # When
    with django_assert_num_queries(1):
        nearby = dealers_near(latitude=LYON[0], longitude=LYON[1], limit=10)

    # Then
    assert nearby == []


def test_an_unknown_service_is_a_callers_mistake(db):
    # When / Then
    with pytest.raises(ValueError, match="lavage"):
        dealers_near(latitude=LYON[0], longitude=LYON[1], limit=10, services={"lavage"})

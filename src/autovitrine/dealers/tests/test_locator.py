"""The public dealer locator: near a city, a postcode or the browser's position; bad input; queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from autovitrine.testing import factories as f
from autovitrine.web.tests.page_text import between, visible_text

LOCATOR_URL = reverse("dealers:locator")


def listed_codes(response) -> list[str]:
    return [card.dealer.code for card in response.context["cards"]]


@pytest.fixture
def lyon_and_marseille(dealer, other_dealer):
    return dealer, other_dealer


def test_near_a_city_the_nearest_dealer_comes_first_with_its_distance(client, lyon_and_marseille):
    # Given
    lyon, marseille = lyon_and_marseille

    # When
    response = client.get(LOCATOR_URL, {"place": "Lyon"})

    # Then
    assert response.status_code == 200
    assert listed_codes(response) == [lyon.code, marseille.code]
    html = response.content.decode()
    assert "Les 2 concessions les plus proches de Lyon (69001)" in visible_text(html)
    card = visible_text(between(html, f'href="/concessions/{lyon.code}/"', "</li>\n"))
    assert card == (
        f"{lyon.name} à 2,3 km · Concession 12 avenue Jean Jaurès 69007 Lyon "
        "Neuf Occasion Atelier 04 72 00 00 00 Horaires, stock et contact — " + lyon.name
    )
    assert 'href="tel:0472000000"' in html
    assert "Aurore Marseille à 282 km · Concession" in visible_text(html)


def test_a_postcode_is_a_place_too(client, lyon_and_marseille):
    # Given
    lyon, marseille = lyon_and_marseille

    # When
    response = client.get(LOCATOR_URL, {"place": "13008"})

    # Then
    assert listed_codes(response) == [marseille.code, lyon.code]
    text = visible_text(response)
    # Measured from the postcode's own arrondissement, not from Marseille's first postcode.
    assert "Les 2 concessions les plus proches de Marseille 8e Arrondissement (13008)" in text
    assert "Aurore Marseille à 1,2 km" in text
    assert "à 279 km" in text


def test_the_browsers_position_finds_the_nearest_and_is_kept_in_the_form(
    client, lyon_and_marseille
):
    # Given a phone in Marseille
    lyon, marseille = lyon_and_marseille

    # When
    response = client.get(LOCATOR_URL, {"lat": "43.30000", "lng": "5.40000"})

    # Then
    assert listed_codes(response) == [marseille.code, lyon.code]
    html = response.content.decode()
    assert "Les 2 concessions les plus proches de votre position" in visible_text(html)
    assert "Aurore Marseille à 4,7 km" in visible_text(html)
    assert '<input type="hidden" name="lat" value="43.3">' in html
    assert '<input type="hidden" name="lng" value="5.4">' in html


def test_a_typed_place_wins_over_a_position_kept_from_the_last_search(client, lyon_and_marseille):
    # Given
    lyon, marseille = lyon_and_marseille

    # When
    response = client.get(LOCATOR_URL, {"place": "Lyon", "lat": "43.3", "lng": "5.4"})

    # Then
    assert listed_codes(response) == [lyon.code, marseille.code]
    assert '<input type="hidden" name="lat" disabled>' in response.content.decode()


def test_only_the_nearest_ten_active_dealers_offering_the_services_asked_are_listed(client, db):
    # Given eleven workshops spread north of Lyon, one without a workshop, one closed down
    workshops = [
        f.DealerFactory(code=f"atelier-{km:02d}", latitude=45.75 + km / 111, longitude=4.85)
        for km in range(11)
    ]
    f.DealerFactory(code="sans-atelier", latitude=45.75, longitude=4.85, has_workshop=False)
    f.DealerFactory(code="fermee", latitude=45.75, longitude=4.85, is_active=False)

    # When
    response = client.get(LOCATOR_URL, {"place": "69007", "services": ["workshop", "new"]})

    # Then
    assert listed_codes(response) == [dealer.code for dealer in workshops[:10]]


def test_no_dealer_offering_every_service_says_how_to_widen_the_search(client, dealer):
    # Given
    dealer.has_workshop = False
    dealer.save()

    # When
    response = client.get(LOCATOR_URL, {"place": "Lyon", "services": "workshop"})

    # Then
    assert response.context["cards"] == []
    assert (
        "Aucune concession trouvée Aucune concession ne propose tous ces services : "
        "retirez un service pour élargir la recherche."
    ) in visible_text(response)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"place": "Zzzqxw"},
            "Nous ne trouvons pas « Zzzqxw » : indiquez une ville ou un code postal français.",
        ),
        ({"place": "x" * 101}, "Le lieu est trop long (100 caractères au plus)."),
        (
            {"lat": "95", "lng": "4.8"},
            "Votre position n'a pas pu être lue : indiquez une ville ou un code postal.",
        ),
        (
            {"lat": "45.7", "lng": "-200"},
            "Votre position n'a pas pu être lue : indiquez une ville ou un code postal.",
        ),
        (
            {"lat": "nan", "lng": "inf"},
            "Votre position n'a pas pu être lue : indiquez une ville ou un code postal.",
        ),
        (
            {"lat": "45.7"},
            "Votre position n'a pas pu être lue : indiquez une ville ou un code postal.",
        ),
        ({"place": "Lyon", "services": "lavage"}, "Choisissez des services dans la liste."),
    ],
)
def test_bad_input_gets_one_clear_french_message_and_no_results(client, dealer, params, message):
    # When
    response = client.get(LOCATOR_URL, params)

    # Then
    assert response.status_code == 200
    assert response.context["cards"] is None
    summary = visible_text(between(response.content.decode(), 'id="locator-errors"', "</div>"))
    assert summary == f"Votre recherche n'a pas pu être lancée : {message}"


def test_an_unknown_place_is_marked_on_its_field(client, db):
    # When
    html = client.get(LOCATOR_URL, {"place": "Zzzqxw"}).content.decode()

    # Then
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_place_error"' in html
    assert '<a href="#id_place">Nous ne trouvons pas « Zzzqxw »' in html


def test_without_a_place_the_page_asks_for_one(client, dealer):
    # When
    first_visit = client.get(LOCATOR_URL)
    services_only = client.get(LOCATOR_URL, {"services": "used"})

    # Then
    assert first_visit.context["cards"] is None
    assert "locator-notice" not in first_visit.content.decode()
    assert services_only.context["cards"] is None
    assert (
        "Indiquez une ville ou un code postal, ou utilisez votre position, pour voir les "
        "concessions les plus proches."
    ) in visible_text(services_only)


def test_the_locator_runs_the_same_queries_for_2_or_20_dealers(client, db):
    # Given
    f.DealerFactory.create_batch(2)
    with CaptureQueriesContext(connection) as small:
        client.get(LOCATOR_URL, {"place": "Lyon"})
    f.DealerFactory.create_batch(18)

    # When
    with CaptureQueriesContext(connection) as large:
        response = client.get(LOCATOR_URL, {"place": "Lyon"})

    # Then
    assert len(response.context["cards"]) == 10
    assert len(large) == len(small) == 2


def test_a_dealer_saved_is_measured_by_the_next_stock_search_without_waiting_for_the_cache(
    client, dealer
):
    from autovitrine.dealers.selectors import active_dealer_positions

    # Given: the positions read once
    before = active_dealer_positions().by_id[dealer.pk]

    # When: the dealer moves, then closes
    dealer.latitude, dealer.longitude = 43.3, 5.4
    dealer.save()
    moved = active_dealer_positions().by_id[dealer.pk]
    dealer.is_active = False
    dealer.save()

    # Then
    assert before[1:] != (43.3, 5.4)
    assert moved == (dealer.code, 43.3, 5.4)
    assert dealer.pk not in active_dealer_positions().by_id

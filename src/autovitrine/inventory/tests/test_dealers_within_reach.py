"""The dealers a search near a place measures: those within its limit, nearest first, at the
distance the rest of the site shows (``core.places.haversine_km``)."""

from __future__ import annotations

import random

from autovitrine.core.places import haversine_km
from autovitrine.dealers.selectors import DealerPositions
from autovitrine.inventory.selectors import (
    StockQuery,
    _dealers_within_reach,
    reaches_cache_clear,
)

RNG = random.Random(2026)
# A thousand dealers and three hundred origins over metropolitan France and Corsica.
POSITIONS = DealerPositions(
    version=1,
    by_id={n: (f"d{n}", RNG.uniform(41.3, 51.1), RNG.uniform(-5.1, 9.6)) for n in range(1_000)},
)
ORIGINS = [
    (RNG.uniform(41.3, 51.1), RNG.uniform(-5.1, 9.6), RNG.choice([None, 10, 25, 50, 100, 500]))
    for _ in range(300)
]


def test_the_dealers_within_reach_are_the_haversines_in_its_order():
    for latitude, longitude, max_distance_km in ORIGINS:
        # Given: the same dealers measured one by one with the site's haversine
        by_haversine = sorted(
            (haversine_km(latitude, longitude, lat, lng), dealer_id)
            for dealer_id, (_, lat, lng) in POSITIONS.by_id.items()
        )
        expected = {
            dealer_id: km
            for km, dealer_id in by_haversine
            if max_distance_km is None or km <= max_distance_km
        }
        reaches_cache_clear()

        # When
        found = _dealers_within_reach(
            StockQuery(latitude=latitude, longitude=longitude, max_distance_km=max_distance_km),
            POSITIONS,
        )

        # Then: the same dealers, nearest first, each at the same distance to the micrometre
        origin = (latitude, longitude, max_distance_km)
        assert list(found) == list(expected), origin
        assert all(abs(found[d] - km) < 1e-9 for d, km in expected.items()), origin


def test_a_dealer_exactly_at_the_limit_is_within_reach():
    # Given: a dealer whose distance is the limit itself, in km as the site measures it
    origin = (45.76, 4.83)
    km = haversine_km(*origin, 45.76 + 0.4496, 4.83)
    positions = DealerPositions(version=2, by_id={7: ("d7", 45.76 + 0.4496, 4.83)})
    reaches_cache_clear()

    # When
    found = _dealers_within_reach(
        StockQuery(latitude=origin[0], longitude=origin[1], max_distance_km=km), positions
    )

    # Then
    assert list(found) == [7]

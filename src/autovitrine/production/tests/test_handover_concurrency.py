"""50 buyers booking the last handover places at once, on PostgreSQL: exactly the capacity."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from autovitrine.production import services
from autovitrine.production.models import HandoverBooking
from autovitrine.testing import factories as f
from autovitrine.testing.concurrency import race

from .conftest import factory_order
from .test_handover import arriving, future_monday

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BUYERS = 50
PLACES = 3
POOL = threading.BoundedSemaphore(20)  # PostgreSQL here is shared: at most 20 connections


def test_50_buyers_booking_the_last_places_of_a_half_day_book_exactly_the_capacity(plant, dealer):
    # Given 50 buyers whose cars arrive on a Monday, and 3 places on Tuesday morning
    services.handover_capacity_set(dealer_id=dealer.pk, rows=[(1, "am", PLACES, PLACES)])
    monday = future_monday()
    tuesday = f"{monday + dt.timedelta(days=1)}-am"
    orders = []
    for i in range(BUYERS):
        buyer = f.UserFactory(email=f"acheteur{i}@example.fr")
        order = factory_order(buyer, dealer)
        arriving(order, plant, eta_to=monday)
        orders.append(order)

    def book(i: int):
        with POOL:
            try:
                return services.handover_book(
                    number=orders[i].number, customer_id=orders[i].customer_id, slot=tuesday
                )
            except services.SlotFull:
                return None
            finally:
                connection.close()

    # When they all book at the same instant (race() proves they overlapped)
    results, errors = race(BUYERS, book)

    # Then exactly the capacity is booked, each seat once
    assert errors == []
    assert len([r for r in results if r is not None]) == PLACES
    seats = HandoverBooking.objects.filter(status="booked").values_list("seat", flat=True)
    assert sorted(seats) == [1, 2, 3]

"""No double booking under real concurrent clients: the database decides (PostgreSQL exclusion
constraint; SQLite's serialised write transactions)."""

import threading

import pytest
from django.db import connection

from autovitrine.testing.concurrency import race
from autovitrine.testing.workshop import equip_workshop
from autovitrine.workshop.models import Booking, CapacityClaim
from autovitrine.workshop.services import SlotTaken, booking_hold

from .conftest import next_weekday

pytestmark = pytest.mark.django_db(transaction=True)

# PostgreSQL here allows 100 connections shared by everyone: 200 clients race, at most 20
# holding a connection at once (a pool, as a web server would have). SQLite: 20 clients.
CLIENTS = 200 if connection.vendor == "postgresql" else 20
POOL = threading.BoundedSemaphore(20)


def test_200_clients_booking_the_last_slot_of_a_technician_make_exactly_one_booking(
    car, customer, dealer, ops
):
    # Given one technician with one free hour, and plenty of bays
    equip_workshop(dealer, technicians=1, lifts=4)
    start = next_weekday(10)

    def book(i: int):
        with POOL:
            try:
                return booking_hold(
                    customer_id=customer.pk,
                    dealer_id=dealer.pk,
                    car=car,
                    operation_ids=[ops["plaquettes-av"].pk],
                    # half the clients ask 10:00, the other half 10:30: overlapping jobs
                    starts_at=start if i % 2 else start.replace(minute=30),
                )
            except SlotTaken:
                return None
            finally:
                connection.close()

    # When
    results, errors = race(CLIENTS, book)

    # Then
    assert errors == []
    assert len([r for r in results if r is not None]) == 1
    assert Booking.objects.filter(status="held").count() == 1
    tech_claims = CapacityClaim.objects.filter(resource__startswith="tech:")
    assert tech_claims.count() == 1

import datetime as dt

import pytest
from django.utils import timezone

from autovitrine.testing import factories as f
from autovitrine.testing.workshop import basic_parts, equip_workshop, schedule, service_catalogue
from autovitrine.workshop.selectors import PARIS
from autovitrine.workshop.services import booking_confirm, booking_hold, garage_add_car


@pytest.fixture
def version(db):
    return f.VersionFactory()


@pytest.fixture
def ops(db, version):
    catalogue = service_catalogue()
    basic_parts(version.car_model_id)
    schedule(version.car_model_id, km=30000, months=24)
    return catalogue


@pytest.fixture
def workshop(dealer, ops):
    return equip_workshop(dealer)


@pytest.fixture
def car(customer, version):
    return garage_add_car(
        owner_id=customer.pk, plate="ab-123-cd", version_id=version.pk, year=2021, mileage_km=58000
    )


@pytest.fixture
def booking(car, customer, dealer, workshop, ops):
    """The customer's confirmed 60,000 km service, dropped off a few working days ahead."""
    held = booking_hold(
        customer_id=customer.pk,
        dealer_id=dealer.pk,
        car=car,
        operation_ids=[ops["revision-60000"].pk],
        starts_at=next_weekday(9),
    )
    return booking_confirm(booking=held)


def next_weekday(hour: int = 9, minute: int = 0, days_ahead: int = 3) -> dt.datetime:
    """A Paris time on a working day (Mon–Fri, not a public holiday) a few days ahead."""
    from autovitrine.workshop.selectors import is_public_holiday

    day = timezone.localdate() + dt.timedelta(days=days_ahead)  # the Paris day, not UTC's
    while day.weekday() >= 5 or is_public_holiday(day):
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS)

"""The owner's garage: plates and VINs validated, next service from the schedule."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from autovitrine.workshop.selectors import next_service_due, validate_plate
from autovitrine.workshop.services import garage_add_car


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("ab-123-cd", "AB-123-CD"), ("AB 123 CD", "AB-123-CD"), ("ab123cd", "AB-123-CD")],
)
def test_a_siv_plate_is_normalised(raw, expected):
    assert validate_plate(raw) == expected


@pytest.mark.parametrize(
    "raw", ["AB-12-CD", "AI-123-CD", "AB-123-CO", "AB-000-CD", "SS-123-AB", "1234 AB 69"]
)
def test_a_bad_plate_is_refused_in_french(raw):
    with pytest.raises(ValidationError) as error:
        validate_plate(raw)
    assert "immatriculation" in str(error.value).lower()


def test_a_car_by_vin_is_checked_by_core(customer):
    with pytest.raises(ValidationError):
        garage_add_car(owner_id=customer.pk, vin="VF1ABC", year=2020)
    car = garage_add_car(owner_id=customer.pk, vin="vf1 rfa00067123456", year=2020)
    assert car.vin == "VF1RFA00067123456" and car.source == "vin"


def test_the_same_plate_twice_is_refused(car, customer):
    with pytest.raises(ValidationError):
        garage_add_car(owner_id=customer.pk, plate="AB-123-CD", year=2021)


def test_next_service_whichever_comes_first(car, ops):
    # 30,000 km or 24 months: last service at 30,000 km on 1 March 2024.
    car.last_service_km = 30000
    car.last_service_on = dt.date(2024, 3, 1)
    car.mileage_km = 50000
    due = next_service_due(car, today=dt.date(2025, 1, 1))
    assert (due.km, due.on, due.overdue) == (60000, dt.date(2026, 3, 1), False)
    car.mileage_km = 60500
    assert next_service_due(car, today=dt.date(2025, 1, 1)).overdue
    car.mileage_km = 40000
    assert next_service_due(car, today=dt.date(2026, 3, 1)).overdue


def test_a_car_without_schedule_has_no_due(customer):
    car = garage_add_car(owner_id=customer.pk, plate="GH-456-JK", year=2019)
    assert next_service_due(car) is None

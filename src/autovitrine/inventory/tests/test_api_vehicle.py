"""The vehicle API: one car with its price, label, options, photos and dealer; sold cars too."""

from __future__ import annotations

import datetime as dt

import pytest

from autovitrine.catalog.models import MalusBracket, MalusScale
from autovitrine.inventory.models import StockVehicle, VehiclePhoto
from autovitrine.testing import factories as f


@pytest.fixture
def malus_in_force(db):
    """A one-bracket scale in force today, in place of the real ones the migrations load."""
    MalusScale.objects.all().delete()
    scale = MalusScale.objects.create(
        year=2025,
        valid_from=dt.date(2025, 1, 1),
        source="Barème d'essai",
        threshold_g_km=120,
        cap_cents=7_000_000,
    )
    MalusBracket.objects.create(scale=scale, co2_g_km=130, amount_cents=254_000)
    return scale


def test_a_new_car_gives_everything_its_page_shows(client, dealer, malus_in_force):
    # Given
    version = f.VersionFactory(car_model__code="terra", code="terra-techno")
    car = f.StockVehicleFactory(
        dealer=dealer,
        version=version,
        colour_label="Bleu Iron",
        gearbox="manual",
        power_hp=130,
        co2_g_km=131,
        description="Première main.",
    )
    option = f.OptionFactory(car_model=version.car_model, code="toit", price_ht=75_000)
    car.options.add(option)
    photo = VehiclePhoto.objects.create(vehicle=car, image=f.png_upload(), position=0)

    # When
    response = client.get(f"/api/stock/vehicles/{car.pk}")

    # Then
    assert response.status_code == 200
    body = response.json()
    dealer_part = body.pop("dealer")
    body.pop("registration_taxes")  # orders/tests/test_api_vehicle_taxes.py
    assert body == {
        "id": car.pk,
        "status": "available",
        "title": f"Aurore {version.car_model.name}",
        "make": "Aurore",
        "model_label": version.car_model.name,
        "model_code": "terra",
        "version_label": "Life 1.2 TCe 130",
        "version_code": "terra-techno",
        "colour_label": "Bleu Iron",
        "condition": "new",
        "energy": "petrol",
        "gearbox": "manual",
        "power_hp": 130,
        "year": 2026,
        "first_registration": None,
        "mileage_km": 10,
        "price": {
            "ht_cents": 2_075_000,
            "vat_cents": 415_000,
            "ttc_cents": 2_490_000,
            "vat_rate_basis_points": 2000,
        },
        "description": "Première main.",
        "photo_urls": [photo.image.url],
        "options": [
            {
                "code": "toit",
                "name": "Toit ouvrant",
                "price": {
                    "ht_cents": 75_000,
                    "vat_cents": 15_000,
                    "ttc_cents": 90_000,
                    "vat_rate_basis_points": 2000,
                },
            }
        ],
        # The car's own CO2 (with its options), not its version's 128 g/km.
        "label": {
            "co2_g_km": 131,
            "energy_class": "C",
            "consumption": "5,6 l/100 km",
            "electric_range_km": None,
            "crit_air": 1,
            "recycled_share_pct": 18,
            "malus_cents": 7_000_000,
            "malus_scale_year": 2025,
            "malus_scale_source": "Barème d'essai",
        },
        "page_url": f"/stock/vehicule/{car.pk}/",
    }
    assert dealer_part["code"] == dealer.code
    assert (dealer_part["street"], dealer_part["phone"]) == (
        "12 avenue Jean Jaurès",
        "04 72 00 00 00",
    )
    assert dealer_part["opening_periods"][0] == {
        "weekday": 0,
        "day": "lundi",
        "opens_at": "09:00",
        "closes_at": "12:30",
    }
    assert dealer_part["page_url"] == f"/concessions/{dealer.code}/"


def test_a_used_car_owes_no_malus(client, dealer, malus_in_force):
    # Given
    car = f.StockVehicleFactory(dealer=dealer, condition="used", co2_g_km=130, mileage_km=40_000)

    # When
    label = client.get(f"/api/stock/vehicles/{car.pk}").json()["label"]

    # Then
    assert (label["co2_g_km"], label["malus_cents"], label["malus_scale_year"]) == (130, 0, None)


def test_a_car_of_another_make_without_catalog_link_has_no_label(client, dealer):
    # Given
    car = f.StockVehicleFactory(
        dealer=dealer, version=None, car_model=None, make="Peugeot", co2_g_km=None
    )

    # When
    body = client.get(f"/api/stock/vehicles/{car.pk}").json()

    # Then
    assert (body["title"], body["model_code"], body["label"]) == ("Peugeot Clio", None, None)


def test_a_sold_car_stays_readable_and_says_so(client, dealer):
    # Given
    car = f.StockVehicleFactory(dealer=dealer, status=StockVehicle.Status.SOLD)

    # When
    response = client.get(f"/api/stock/vehicles/{car.pk}")

    # Then
    assert (response.status_code, response.json()["status"]) == (200, "sold")


@pytest.mark.parametrize(
    ("vehicle_id", "status", "code"),
    [
        ("999999", 404, "not_found"),
        # Past the ids the database gives (the schema's bounds): refused as input.
        (str(10**30), 422, "invalid_input"),
        ("-1", 422, "invalid_input"),
        ("abc", 422, "invalid_input"),
    ],
)
def test_an_unknown_vehicle_is_a_json_error(client, db, vehicle_id, status, code):
    # When
    response = client.get(f"/api/stock/vehicles/{vehicle_id}")

    # Then
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_a_car_of_an_inactive_dealer_is_not_found(client, db):
    # Given
    car = f.StockVehicleFactory(dealer__is_active=False)

    # When
    response = client.get(f"/api/stock/vehicles/{car.pk}")

    # Then
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"

"""The vehicle API gives the taxes due at registration that the vehicle page shows (issue 13):
CO2 malus (CIBS L421-58 and following, scale of L421-62), weight malus (L421-71 and following,
amount of L421-75, electric cars exempt by L421-78), carte grise estimate (L421-30: regional
tariff per fiscal horsepower of the holder's region). They come from the order's own rule
(``pricing.stock_quote`` through ``selectors.sale_taxes``), never a second computation."""

from __future__ import annotations

import pytest
from django.utils import timezone

from autovitrine.catalog.models import Energy
from autovitrine.inventory.models import StockVehicle
from autovitrine.pricing.law.weight_malus import l421_75_amount_cents, weight_scale_on
from autovitrine.pricing.quotes import stock_quote
from autovitrine.pricing.registration import DELIVERY_FEE_CENTS, FIXED_TAX_CENTS, region_rate
from autovitrine.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def heavy_new_car(dealer):
    """A new petrol car of 1 950 kg at 150 g/km: over both malus thresholds."""
    version = f.VersionFactory(co2_g_km=150, weight_kg=1_950)
    return f.StockVehicleFactory(
        dealer=dealer,
        version=version,
        condition=StockVehicle.Condition.NEW,
        energy=Energy.PETROL,
        power_hp=160,
        co2_g_km=150,
        year=timezone.localdate().year,
        price_ttc=3_990_000,
    )


def taxes_of(client, car, **params) -> dict:
    response = client.get(f"/api/stock/vehicles/{car.pk}", params)
    assert response.status_code == 200, response.content
    return response.json()["registration_taxes"]


def test_a_new_car_has_the_lines_its_order_would_have(client, heavy_new_car):
    taxes = taxes_of(client, heavy_new_car)

    quote = stock_quote(
        vehicle=heavy_new_car,
        postcode=heavy_new_car.dealer.postcode,
        today=timezone.localdate(),
    )
    expected = [
        {"code": line.code, "label": str(line.label), "amount_cents": line.ttc}
        for line in quote.lines
        if line.code != "vehicle"
    ]
    assert taxes["lines"] == expected
    assert [line["code"] for line in taxes["lines"]] == ["malus", "weight_malus", "registration"]
    assert taxes["region_of"] == "dealer"
    assert taxes["collected_by_seller"] is True
    assert taxes["exemptions_note"]  # buyer-dependent exemptions, stated not computed


def test_the_weight_malus_is_the_l421_75_sum_of_fractions(client, heavy_new_car):
    """L421-75: « le tarif marginal » of each fraction of the mass in running order; in 2026,
    1 950 kg = 2 000 + 1 500 + 2 000 + 1 275 = 6 775 € (latribuneauto.com, 3 February 2026);
    far under the cap shared with the CO2 malus at 150 g/km."""
    taxes = taxes_of(client, heavy_new_car)

    weight = next(line for line in taxes["lines"] if line["code"] == "weight_malus")
    amount = l421_75_amount_cents(1_950, weight_scale_on(timezone.localdate()))
    if timezone.localdate().year == 2026:
        assert amount == 677_500
    assert weight["amount_cents"] == amount
    assert "1950 kg" in weight["label"]


def test_an_electric_car_is_exempt_from_the_weight_malus(client, dealer):
    """L421-78: a car whose energy is only electricity is exempt (a line at 0, « exonéré »)."""
    car = f.StockVehicleFactory(
        dealer=dealer,
        version=f.VersionFactory(co2_g_km=0, weight_kg=2_100, energy=Energy.ELECTRIC),
        condition=StockVehicle.Condition.NEW,
        energy=Energy.ELECTRIC,
        power_hp=204,
        co2_g_km=0,
        year=timezone.localdate().year,
    )

    lines = {line["code"]: line for line in taxes_of(client, car)["lines"]}

    assert lines["weight_malus"]["amount_cents"] == 0
    assert "exonéré" in lines["weight_malus"]["label"]
    assert lines["malus"]["amount_cents"] == 0


def test_the_carte_grise_is_estimated_in_the_region_of_the_postcode_asked(client, heavy_new_car):
    """L421-30 2°: the regional tax is the rate of the region of the holder's domicile, per CV."""
    taxes = taxes_of(client, heavy_new_car, postcode="75011")

    line = next(line for line in taxes["lines"] if line["code"] == "registration")
    rate = region_rate("75011", timezone.localdate())
    assert rate is not None and rate.name == "Île-de-France"
    assert "Île-de-France" in line["label"]
    cv = int(line["label"].split("(")[1].split(" CV")[0])
    assert line["amount_cents"] == cv * rate.cents_per_cv + FIXED_TAX_CENTS + DELIVERY_FEE_CENTS
    assert taxes["region_of"] == "buyer"


def test_a_signed_in_buyer_gets_their_own_region_as_on_the_page(client, heavy_new_car):
    client.force_login(
        f.UserFactory(email="rennes@example.fr", postcode="35000"),
        backend="django.contrib.auth.backends.ModelBackend",
    )

    taxes = taxes_of(client, heavy_new_car)

    assert "Bretagne" in taxes["lines"][-1]["label"]
    assert taxes["region_of"] == "buyer"


@pytest.mark.parametrize("postcode", ["99999", "7501", "７５０１１", "75O11"])
def test_a_postcode_of_no_french_region_is_refused(client, heavy_new_car, postcode):
    response = client.get(f"/api/stock/vehicles/{heavy_new_car.pk}", {"postcode": postcode})

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["details"][0]["field"] == "postcode"


def test_a_used_car_owes_no_malus_but_a_carte_grise(client, dealer):
    car = f.StockVehicleFactory(
        dealer=dealer, condition="used", co2_g_km=130, power_hp=90, mileage_km=40_000
    )

    taxes = taxes_of(client, car)

    assert [line["code"] for line in taxes["lines"]] == ["registration"]


def test_a_car_without_emissions_or_power_has_no_taxes(client, dealer):
    car = f.StockVehicleFactory(dealer=dealer, version=None, co2_g_km=None, power_hp=None)

    assert taxes_of(client, car) is None


def test_the_schema_declares_the_taxes_and_the_postcode(client):
    schema = client.get("/api/openapi.json").json()

    operation = schema["paths"]["/api/stock/vehicles/{vehicle_id}"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"vehicle_id", "postcode"}
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    vehicle = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert "registration_taxes" in vehicle["properties"]
    line = schema["components"]["schemas"]["RegistrationTaxLineOut"]
    assert line["properties"]["code"]["enum"] == ["malus", "weight_malus", "registration"]
    assert "422" in operation["responses"] and "404" in operation["responses"]

"""The catalog API: the range with its lowest prices, and a model with priced, labelled versions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from autovitrine.catalog.models import Energy, MalusBracket, MalusScale, Version
from autovitrine.testing import factories as f


@pytest.fixture
def malus_2025(db):
    """A small scale in force today, in place of the real ones the migrations load."""
    MalusScale.objects.all().delete()
    scale = MalusScale.objects.create(
        year=2025,
        valid_from=dt.date(2025, 1, 1),
        source="Loi de finances pour 2025, art. 1012 ter du CGI",
        threshold_g_km=113,
        cap_cents=7_000_000,
    )
    MalusBracket.objects.create(scale=scale, co2_g_km=113, amount_cents=5_000)
    MalusBracket.objects.create(scale=scale, co2_g_km=128, amount_cents=145_000)
    MalusBracket.objects.create(scale=scale, co2_g_km=192, amount_cents=6_000_000)
    return scale


@pytest.fixture
def terra(malus_2025):
    """A model with a petrol version liable to the malus and a cheaper electric one."""
    car_model = f.CarModelFactory(code="terra", name="Terra", tagline="Le SUV du quotidien")
    petrol = f.VersionFactory(car_model=car_model, code="terra-life-tce130")
    electric = f.VersionFactory(
        car_model=car_model,
        code="terra-life-e",
        trim="Life",
        powertrain="E-Tech 150 ch",
        energy=Energy.ELECTRIC,
        gearbox=Version.Gearbox.AUTOMATIC,
        power_hp=150,
        base_price_ht=2_000_000,
        co2_g_km=0,
        consumption_x10=152,
        consumption_unit=Version.ConsumptionUnit.KWH,
        electric_range_km=410,
        crit_air=0,
        recycled_share_pct=25,
    )
    f.VersionFactory(car_model=car_model, code="terra-hidden", is_published=False)
    return car_model, petrol, electric


def test_the_range_lists_published_models_with_their_lowest_price(client, terra):
    # Given: a model that is not published
    f.CarModelFactory(code="brouillon", is_published=False)

    # When
    response = client.get("/api/catalog/models")

    # Then
    assert response.status_code == 200
    assert response.json() == [
        {
            "code": "terra",
            "name": "Terra",
            "brand": "Aurore",
            "body": "hatch",
            "tagline": "Le SUV du quotidien",
            "from_price": {
                "ht_cents": 2_000_000,
                "vat_cents": 400_000,
                "ttc_cents": 2_400_000,
                "vat_rate_basis_points": 2000,
            },
            "image_url": "",
            "page_url": "/catalogue/terra/",
        }
    ]


def test_a_model_gives_each_version_its_price_and_environmental_label(client, terra):
    # When
    response = client.get("/api/catalog/models/terra")

    # Then: cheapest first, the unpublished version left out
    assert response.status_code == 200
    body = response.json()
    assert [v["code"] for v in body["versions"]] == ["terra-life-e", "terra-life-tce130"]
    assert body["energies"] == ["petrol", "electric"]
    electric, petrol = body["versions"]
    assert petrol == {
        "code": "terra-life-tce130",
        "trim": "Life",
        "powertrain": "1.2 TCe 130",
        "energy": "petrol",
        "power_hp": 130,
        "gearbox": "manual",
        "weight_kg": None,
        "price": {
            "ht_cents": 2_075_000,
            "vat_cents": 415_000,
            "ttc_cents": 2_490_000,
            "vat_rate_basis_points": 2000,
        },
        "label": {
            "co2_g_km": 128,
            "energy_class": "C",
            "consumption": "5,6 l/100 km",
            "electric_range_km": None,
            "crit_air": 1,
            "recycled_share_pct": 18,
            "malus_cents": 145_000,
            "malus_scale_year": 2025,
            "malus_scale_source": "Loi de finances pour 2025, art. 1012 ter du CGI",
        },
    }
    assert electric["label"] == {
        "co2_g_km": 0,
        "energy_class": "A",
        "consumption": "15,2 kWh/100 km",
        "electric_range_km": 410,
        "crit_air": 0,
        "recycled_share_pct": 25,
        "malus_cents": 0,
        "malus_scale_year": 2025,
        "malus_scale_source": "Loi de finances pour 2025, art. 1012 ter du CGI",
    }
    assert body["from_price"]["ttc_cents"] == 2_400_000


def test_a_model_lists_its_colours_options_and_packs_priced_ttc(client, terra):
    # Given
    car_model, _, _ = terra
    f.ColourFactory(car_model=car_model, code="bleu-iron", price_ht=50_000, finish="metallic")
    roof = f.OptionFactory(car_model=car_model, code="toit", co2_delta_g_km=2)
    pack = car_model.packs.create(code="hiver", name="Pack Hiver", price_ht=100_000)
    pack.options.add(roof)

    # When
    body = client.get("/api/catalog/models/terra").json()

    # Then
    assert body["colours"] == [
        {
            "code": "bleu-iron",
            "name": "Bleu Iron",
            "hex_value": "#1f3a93",
            "finish": "metallic",
            "price": {
                "ht_cents": 50_000,
                "vat_cents": 10_000,
                "ttc_cents": 60_000,
                "vat_rate_basis_points": 2000,
            },
        }
    ]
    assert [(o["code"], o["price"]["ttc_cents"], o["co2_delta_g_km"]) for o in body["options"]] == [
        ("toit", 90_000, 2)
    ]
    assert [(p["code"], p["price"]["ttc_cents"], p["option_codes"]) for p in body["packs"]] == [
        ("hiver", 120_000, ["toit"])
    ]


def test_without_a_malus_scale_the_label_says_so_with_no_amount(client, db):
    # Given: no scale loaded
    MalusScale.objects.all().delete()
    f.VersionFactory(car_model__code="solo", co2_g_km=200)

    # When
    label = client.get("/api/catalog/models/solo").json()["versions"][0]["label"]

    # Then
    assert (label["malus_cents"], label["malus_scale_year"], label["malus_scale_source"]) == (
        0,
        None,
        "",
    )


@pytest.mark.parametrize("code", ["inconnu", "brouillon", "%20", "a" * 300])
def test_an_unknown_or_unpublished_model_is_not_found(client, db, code):
    # Given
    f.CarModelFactory(code="brouillon", is_published=False)

    # When
    response = client.get(f"/api/catalog/models/{code}")

    # Then
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def _queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_range_costs_the_same_queries_for_one_model_or_many(client, malus_2025):
    # Given
    f.VersionFactory(car_model__code="un")
    few = _queries_for(client, "/api/catalog/models")
    for _ in range(8):
        f.VersionFactory()

    # When
    many = _queries_for(client, "/api/catalog/models")

    # Then
    assert len(client.get("/api/catalog/models").json()) == 9
    assert many == few


def test_a_model_costs_the_same_queries_for_few_or_many_versions(client, terra):
    # Given
    car_model, _, _ = terra
    few = _queries_for(client, "/api/catalog/models/terra")
    for _ in range(6):
        f.VersionFactory(car_model=car_model)
        f.OptionFactory(car_model=car_model)

    # When
    many = _queries_for(client, "/api/catalog/models/terra")

    # Then
    assert many == few

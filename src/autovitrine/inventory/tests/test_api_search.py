"""The stock search API: the page's filters as JSON, distances, sorts, pages, bad input, queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from autovitrine.catalog.models import Energy
from autovitrine.inventory.models import StockVehicle, VehiclePhoto
from autovitrine.inventory.schemas import StockSearchOut
from autovitrine.inventory.selectors import FIRST_DEALER_BATCH
from autovitrine.testing import factories as f

SEARCH = "/api/stock/search"


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def lyon_and_marseille_cars(dealer, other_dealer):
    """A pricey car in Lyon and a cheaper, older one in Marseille, same model."""
    version = f.VersionFactory(car_model__code="terra", car_model__name="Terra")
    lyon_car = f.StockVehicleFactory(
        dealer=dealer, version=version, price_ttc=2_990_000, version_label="Techno TCe 130"
    )
    marseille_car = f.StockVehicleFactory(
        dealer=other_dealer, version=version, price_ttc=2_190_000, year=2025
    )
    return lyon_car, marseille_car


def test_near_a_city_cars_come_nearest_first_with_distance_and_price(
    client, lyon_and_marseille_cars
):
    # Given
    lyon_car, marseille_car = lyon_and_marseille_cars
    photo = VehiclePhoto.objects.create(vehicle=lyon_car, image=f.png_upload(), position=0)

    # When
    response = client.get(SEARCH, {"place": "Lyon"})

    # Then
    assert response.status_code == 200
    body = response.json()
    assert ids(response) == [lyon_car.pk, marseille_car.pk]
    assert (body["total"], body["page"], body["page_size"], body["num_pages"], body["sort"]) == (
        2,
        1,
        20,
        1,
        "distance",
    )
    assert body["origin"] == {"latitude": 45.76769, "longitude": 4.83537}
    assert body["items"][0] == {
        "id": lyon_car.pk,
        "title": "Aurore Terra",
        "make": "Aurore",
        "model_label": "Terra",
        "version_label": "Techno TCe 130",
        "condition": "new",
        "energy": "petrol",
        "year": 2026,
        "mileage_km": 10,
        "price": {
            "ht_cents": 2_491_667,
            "vat_cents": 498_333,
            "ttc_cents": 2_990_000,
            "vat_rate_basis_points": 2000,
        },
        "distance_km": 2.3,
        "dealer": {
            "code": lyon_car.dealer.code,
            "name": lyon_car.dealer.name,
            "city": "Lyon",
            "postcode": "69007",
        },
        "photo_url": photo.image.url,
        "page_url": f"/stock/vehicule/{lyon_car.pk}/",
    }
    assert (body["items"][1]["distance_km"], body["items"][1]["photo_url"]) == (282.2, "")


def test_a_position_is_an_origin_and_the_price_sort_ignores_distance(
    client, lyon_and_marseille_cars
):
    # Given: a phone in Lyon
    lyon_car, marseille_car = lyon_and_marseille_cars

    # When
    response = client.get(SEARCH, {"lat": "45.75", "lng": "4.85", "sort": "price"})

    # Then
    assert ids(response) == [marseille_car.pk, lyon_car.pk]
    assert [i["distance_km"] for i in response.json()["items"]] == [280.1, 0.3]


def test_without_a_place_the_newest_come_first_without_distance(client, lyon_and_marseille_cars):
    # Given
    lyon_car, marseille_car = lyon_and_marseille_cars

    # When: a distance sort cannot apply without an origin
    response = client.get(SEARCH, {"sort": "distance"})

    # Then
    body = response.json()
    assert ids(response) == [lyon_car.pk, marseille_car.pk]
    assert (body["sort"], body["origin"]) == ("newest", None)
    assert [i["distance_km"] for i in body["items"]] == [None, None]


FILTER_CASES = {
    "model": ({"model": "terra"}, {"version__car_model__code": "terra"}, {}),
    "energy": ({"energy": "electric"}, {"energy": Energy.ELECTRIC}, {"energy": Energy.DIESEL}),
    "condition": ({"condition": "used"}, {"condition": "used"}, {"condition": "new"}),
    "max_price_cents": (
        {"max_price_cents": "2500000"},
        {"price_ttc": 2_500_000},
        {"price_ttc": 2_500_001},
    ),
    "max_mileage": ({"max_mileage": "50000"}, {"mileage_km": 50_000}, {"mileage_km": 50_001}),
    "min_year": ({"min_year": "2021"}, {"year": 2021}, {"year": 2020}),
}


@pytest.mark.parametrize("name", FILTER_CASES)
def test_each_filter_keeps_only_the_matching_car(client, dealer, name):
    # Given
    params, wanted_fields, other_fields = FILTER_CASES[name]
    wanted = f.StockVehicleFactory(dealer=dealer, **wanted_fields)
    f.StockVehicleFactory(dealer=dealer, **other_fields)

    # When
    response = client.get(SEARCH, params)

    # Then
    assert ids(response) == [wanted.pk]
    assert response.json()["total"] == 1


def test_distance_and_dealer_filters(client, lyon_and_marseille_cars):
    # Given
    lyon_car, marseille_car = lyon_and_marseille_cars

    # When
    within_100_km_of_lyon = client.get(SEARCH, {"place": "Lyon", "max_distance_km": "100"})
    at_the_marseille_dealer = client.get(SEARCH, {"dealer": marseille_car.dealer.code})

    # Then
    assert ids(within_100_km_of_lyon) == [lyon_car.pk]
    assert ids(at_the_marseille_dealer) == [marseille_car.pk]


def test_the_distance_limit_is_measured_exactly_at_its_edge(client, db):
    # Given: dealers just inside and just outside 100 km of Lyon (45.76769, 4.83537)
    inside = [
        f.StockVehicleFactory(dealer__latitude=45.76769 + 0.8985, dealer__longitude=4.83537),
        f.StockVehicleFactory(dealer__latitude=45.76769, dealer__longitude=4.83537 + 1.288),
    ]
    f.StockVehicleFactory(dealer__latitude=45.76769 + 0.9, dealer__longitude=4.83537)
    f.StockVehicleFactory(dealer__latitude=45.76769, dealer__longitude=4.83537 - 1.29)

    # When
    response = client.get(SEARCH, {"place": "Lyon", "max_distance_km": 100})

    # Then
    assert sorted(ids(response)) == [inside[0].pk, inside[1].pk]
    assert [i["distance_km"] for i in response.json()["items"]] == [99.9, 99.9]


def test_sold_reserved_and_inactive_dealers_cars_are_not_listed(client, dealer):
    # Given
    available = f.StockVehicleFactory(dealer=dealer)
    f.StockVehicleFactory(dealer=dealer, status=StockVehicle.Status.SOLD)
    f.StockVehicleFactory(dealer=dealer, status=StockVehicle.Status.RESERVED)
    f.StockVehicleFactory(dealer__is_active=False)

    # When
    response = client.get(SEARCH, {"place": "Lyon"})

    # Then
    assert ids(response) == [available.pk]


def test_pages_split_the_results_in_order(client, dealer, other_dealer):
    # Given: three cars in Lyon (cheapest first), two in Marseille
    lyon = [
        f.StockVehicleFactory(dealer=dealer, price_ttc=p) for p in (3_000_000, 1_000_000, 2_000_000)
    ]
    marseille = [
        f.StockVehicleFactory(dealer=other_dealer, price_ttc=p) for p in (500_000, 600_000)
    ]

    # When
    pages = [
        client.get(SEARCH, {"place": "Lyon", "page_size": 2, "page": page}) for page in (1, 2, 3)
    ]

    # Then: nearest dealer first, then by price within a dealer
    assert [ids(page) for page in pages] == [
        [lyon[1].pk, lyon[2].pk],
        [lyon[0].pk, marseille[0].pk],
        [marseille[1].pk],
    ]
    assert [(p.json()["total"], p.json()["num_pages"]) for p in pages] == [(5, 3)] * 3


def test_pages_beyond_the_nearest_dealers_keep_the_distance_order(client, db):
    # Given: more dealers than a page is first read from, one car each, further and further north
    count = FIRST_DEALER_BATCH + 4
    cars = [
        f.StockVehicleFactory(
            dealer__latitude=45.76769 + 0.05 * n, dealer__longitude=4.83537, dealer__hours=False
        )
        for n in range(count)
    ]

    # When: pages of 3, the later ones past the nearest dealers
    pages = [
        client.get(SEARCH, {"place": "Lyon", "page_size": 3, "page": page}).json()
        for page in range(1, 8)
    ]

    # Then
    assert [item["id"] for page in pages for item in page["items"]] == [car.pk for car in cars]
    assert pages[-1]["num_pages"] == 7


def test_a_page_past_the_last_says_how_many_pages_there_are(client, lyon_and_marseille_cars):
    # When
    response = client.get(SEARCH, {"place": "Lyon", "page": 10**9, "page_size": 1})

    # Then
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "page_out_of_range",
            "message": "Cette page n'existe pas : il y a 2 page(s).",
            "details": [{"field": "page", "message": "Page hors limites.", "num_pages": 2}],
        }
    }


BAD_INPUT = [
    ({"max_price_cents": "vingt mille"}, 422, "invalid_input", "max_price_cents"),
    ({"max_price_cents": "25 000"}, 422, "invalid_input", "max_price_cents"),
    ({"max_price_cents": "-1"}, 422, "invalid_input", "max_price_cents"),
    ({"max_price_cents": "1e99"}, 422, "invalid_input", "max_price_cents"),
    ({"max_price_cents": str(10**40)}, 422, "invalid_input", "max_price_cents"),
    ({"max_mileage": "-5"}, 422, "invalid_input", "max_mileage"),
    ({"min_year": "1800"}, 422, "invalid_input", "min_year"),
    ({"min_year": "deux-mille"}, 422, "invalid_input", "min_year"),
    ({"page": "0"}, 422, "invalid_input", "page"),
    ({"page": "-3"}, 422, "invalid_input", "page"),
    ({"page": "deux"}, 422, "invalid_input", "page"),
    ({"page_size": str(10**6)}, 422, "invalid_input", "page_size"),
    ({"page_size": "0"}, 422, "invalid_input", "page_size"),
    ({"place": "Xyzzyville-sur-Rien"}, 422, "unknown_place", "place"),
    ({"place": "x" * 101}, 422, "invalid_input", "place"),
    ({"lat": "91", "lng": "2"}, 422, "invalid_input", "lat"),
    ({"lat": "nan", "lng": "2"}, 422, "invalid_input", "lat"),
    ({"lat": "45.1"}, 422, "invalid_input", ""),
    ({"max_distance_km": "50"}, 422, "invalid_input", "max_distance_km"),
    ({"place": "Lyon", "max_distance_km": "-50"}, 422, "invalid_input", "max_distance_km"),
    ({"model": "batmobile"}, 422, "unknown_model", "model"),
    ({"dealer": "nulle-part"}, 422, "unknown_dealer", "dealer"),
    ({"energy": "steam"}, 422, "invalid_input", "energy"),
    ({"condition": "broken"}, 422, "invalid_input", "condition"),
    ({"sort": "random"}, 422, "invalid_input", "sort"),
]


@pytest.mark.parametrize(("params", "status", "code", "field"), BAD_INPUT)
def test_bad_input_is_a_json_error_with_a_stable_code(client, dealer, params, status, code, field):
    # Given
    f.StockVehicleFactory(dealer=dealer)

    # When
    response = client.get(SEARCH, params)

    # Then
    assert response.status_code == status
    assert response["Content-Type"] == "application/json; charset=utf-8"
    error = response.json()["error"]
    assert error["code"] == code
    assert error["details"][0]["field"] == field
    assert error["message"]


def test_an_unknown_model_on_a_page_past_the_end_is_reported_as_the_model(client, db):
    # When
    response = client.get(SEARCH, {"model": "batmobile", "page": 2})

    # Then
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "model"


def _search_queries(client, params: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SEARCH, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "params",
    [
        {"place": "Lyon", "page_size": 50},
        {"place": "Lyon", "sort": "price", "page_size": 50},
        {"page_size": 50},
    ],
    ids=["distance", "price-near", "newest"],
)
def test_a_search_costs_the_same_queries_for_few_or_many_cars_and_dealers(
    client, dealer, other_dealer, params
):
    # Given
    f.StockVehicleFactory(dealer=dealer)
    few = _search_queries(client, params)
    for car_dealer in [dealer, other_dealer, *f.DealerFactory.create_batch(3, hours=False)]:
        for _ in range(8):
            car = f.StockVehicleFactory(dealer=car_dealer)
            VehiclePhoto.objects.create(vehicle=car, image=f.png_upload(), position=0)

    # When
    many = _search_queries(client, params)

    # Then
    assert many == few


def test_a_broad_search_counts_up_to_the_cap_and_says_there_are_more(client, dealer, monkeypatch):
    # Given more matching cars than the count goes up to
    monkeypatch.setattr("autovitrine.inventory.selectors.COUNT_CAP", 3)
    for _ in range(5):
        f.StockVehicleFactory(dealer=dealer)

    # When a buyer searches near Lyon, as JSON and on the page
    body = client.get(SEARCH, {"place": "Lyon", "page_size": 2}).json()
    page = client.get("/stock/", {"place": "Lyon"}).content.decode()

    # Then the total stops at the cap, says so, and pages stop there too
    assert (body["total"], body["total_is_capped"], body["num_pages"]) == (3, True, 2)
    assert len(body["items"]) == 2
    assert "Plus de 3 véhicules disponibles" in page
    assert client.get(SEARCH, {"place": "Lyon", "page_size": 2, "page": 3}).status_code == 404


@pytest.mark.parametrize("params", [{"place": "Lyon"}, {"sort": "price"}])
def test_the_answer_is_exactly_the_schema_the_api_publishes(
    client, lyon_and_marseille_cars, params
):
    # Given: the answer is written without pydantic, for speed

    # When
    body = client.get(SEARCH, params).json()

    # Then: what the schema reads back is the whole answer, no key more or less
    assert body["items"]
    assert StockSearchOut.model_validate(body).model_dump(mode="json") == body

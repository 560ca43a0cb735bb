"""What the stock search keeps between searches (counts, the model list, the drawn filters) and
how it follows the stock: a car sold, added or hidden shows in the next search."""

from __future__ import annotations

import pytest
from django.db import connection
from django.forms.boundfield import BoundField
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from autovitrine.catalog.models import CarModel, Energy
from autovitrine.core import forms as core_forms
from autovitrine.inventory.forms import StockSearchForm
from autovitrine.inventory.models import StockVehicle
from autovitrine.inventory.selectors import COUNT_TTL_S
from autovitrine.inventory.services import vehicle_set_status
from autovitrine.testing import factories as f

SEARCH = "/api/stock/search"
PAGE = "/stock/"


def search(client, **params) -> dict:
    response = client.get(SEARCH, {"place": "Lyon", **params})
    assert response.status_code == 200
    return response.json()


def listed(body: dict) -> list[int]:
    return [item["id"] for item in body["items"]]


@pytest.fixture
def two_cars(dealer):
    return f.StockVehicleFactory.create_batch(2, dealer=dealer)


@pytest.mark.parametrize("sort", ["distance", "price", "newest"])
def test_a_car_sold_leaves_the_results_and_the_count_at_once(client, dealer, two_cars, sort):
    # Given a search already made (its count kept)
    sold, kept = two_cars
    assert search(client, sort=sort)["total"] == 2

    # When the dealer sells a car
    vehicle_set_status(vehicle_id=sold.pk, to_status=StockVehicle.Status.SOLD)

    # Then the same search no longer shows or counts it
    body = search(client, sort=sort)
    assert (listed(body), body["total"]) == ([kept.pk], 1)


def test_a_car_added_appears_in_the_results_and_the_count_at_once(client, dealer, two_cars):
    # Given
    assert search(client, max_distance_km=50)["total"] == 2

    # When
    added = f.StockVehicleFactory(dealer=dealer)

    # Then
    body = search(client, max_distance_km=50)
    assert body["total"] == 3
    assert added.pk in listed(body)


def test_a_dealer_closed_takes_its_cars_out_of_the_count_at_once(client, dealer, two_cars):
    # Given
    assert search(client)["total"] == 2

    # When
    dealer.is_active = False
    dealer.save()

    # Then
    assert search(client)["total"] == 0


def test_a_change_made_around_the_app_hides_the_car_at_once_and_its_count_within_the_ttl(
    client, dealer, two_cars
):
    # Given a count kept, then a car sold by SQL (no service, no signal)
    sold, kept = two_cars
    assert search(client)["total"] == 2
    StockVehicle.objects.filter(pk=sold.pk).update(status=StockVehicle.Status.SOLD)

    # When
    body = search(client)

    # Then the car is not shown (the page is read from the table); only the count may lag, for
    # a minute at most (the cache's own expiry)
    assert listed(body) == [kept.pk]
    assert body["total"] in (1, 2)
    assert COUNT_TTL_S <= 60


def test_a_model_added_around_the_app_is_searched_by_its_code_at_once(client, dealer, two_cars):
    # Given the models' ids kept by a search by model, then a model added by SQL (no signal)
    first = two_cars[0]
    assert listed(search(client, model=first.car_model.code)) == [first.pk]
    brand = first.car_model.brand
    CarModel.objects.bulk_create([CarModel(brand=brand, code="nova", name="Nova", body="suv")])
    nova_car = f.StockVehicleFactory(
        dealer=dealer, version=None, car_model=CarModel.objects.get(code="nova")
    )

    # When
    body = search(client, model="nova")

    # Then its car is found, by its code (the kept ids do not name it)
    assert (listed(body), body["total"]) == ([nova_car.pk], 1)


def test_a_count_is_shared_by_every_sort_and_page_of_a_search(client, dealer, two_cars):
    # Given
    search(client, sort="price", page_size=1)

    # When
    with CaptureQueriesContext(connection) as queries:
        body = search(client, sort="newest", page_size=1, page=2)

    # Then: no count query, the page's ids and rows only
    assert body["total"] == 2
    assert not any("COUNT(" in q["sql"] for q in queries.captured_queries)


def test_a_model_published_appears_in_the_pages_list_at_once(client, dealer, two_cars):
    # Given the page shown once (its list of models kept)
    client.get(PAGE)
    car_model = f.CarModelFactory(code="nova", name="Nova", is_published=False)
    assert "Nova" not in client.get(PAGE).content.decode()

    # When
    car_model.is_published = True
    car_model.save()

    # Then
    assert '<option value="nova">Nova</option>' in client.get(PAGE).content.decode()
    CarModel.objects.filter(pk=car_model.pk).delete()
    assert "Nova" not in client.get(PAGE).content.decode()


def test_the_filters_drawn_again_show_each_searchs_own_values_and_errors(client, dealer, two_cars):
    # Given
    diesel = client.get(PAGE, {"energy": Energy.DIESEL, "max_mileage": "50000"})
    petrol = client.get(PAGE, {"energy": Energy.PETROL, "max_mileage": "50000"})
    wrong = client.get(PAGE, {"energy": Energy.PETROL, "max_mileage": "beaucoup"})
    again = client.get(PAGE, {"energy": Energy.DIESEL, "max_mileage": "50000"})

    # Then every page shows its own choice, and the error on the field that has one
    assert '<option value="diesel" selected>' in diesel.content.decode()
    assert '<option value="diesel" selected>' not in petrol.content.decode()
    assert '<option value="petrol" selected>' in petrol.content.decode()
    assert 'aria-invalid="true"' in wrong.content.decode()
    assert 'aria-invalid="true"' not in again.content.decode()
    assert '<option value="diesel" selected>' in again.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "",
        "place=Lyon&energy=diesel&max_price=25+000&per_page=40&sort=price",
        "place=Lyon&energy=diesel&max_price=25+000&per_page=40&sort=price",  # drawn from the memo
        "place=Atlantide&model=terra&max_mileage=-5&min_year=1900&max_distance=25",
        "model=inconnu&condition=used&max_distance=30",
    ],
)
def test_a_field_drawn_from_the_memo_is_the_field_django_draws(db, query):
    # Given
    form = StockSearchForm(QueryDict(query))
    form.is_valid()

    # Then
    for name, field in form.fields.items():
        assert form[name].as_field_group() == BoundField(form, field, name).as_field_group()


def test_a_place_typed_is_kept_drawn_once_and_shown_with_each_searchs_own_value(db):
    # Given places found, typed one after the other, one with a character to escape
    places = ["Lyon", "Saint-Étienne", "L'Haÿ-les-Roses", "69002", "Lyon"]

    drawn_for = {}
    for place in places:
        # When the place field is drawn for each search
        form = StockSearchForm({"place": place})
        form.is_valid()
        drawn_for[place] = drawn = form["place"].as_field_group()

        # Then it is the field Django draws, with that search's value, escaped
        assert drawn == BoundField(form, form.fields["place"], "place").as_field_group()
    assert 'value="L&#x27;Haÿ-les-Roses"' in drawn_for["L'Haÿ-les-Roses"]
    # and the field was kept once for every place
    assert sum(1 for key in core_forms._FIELD_GROUPS if key[1] == "place") == 1

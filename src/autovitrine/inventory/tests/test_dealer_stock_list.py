"""The dealer's stock list: status filter, search by VIN or model, pages, constant queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from autovitrine.inventory.models import StockVehicle, VehiclePhoto
from autovitrine.testing import factories as f

STOCK_URL = reverse("inventory:dealer_stock")


@pytest.fixture
def staff_client(client_as):
    client, _ = client_as("dealer_staff")
    return client


def listed_vins(response) -> list[str]:
    return [row.vehicle.vin for row in response.context["rows"]]


def test_the_list_shows_price_photo_and_status(staff_client, dealer):
    # Given
    vehicle = f.StockVehicleFactory(dealer=dealer, price_ttc=2_349_050, model_label="Mégane")
    photo = VehiclePhoto.objects.create(vehicle=vehicle, image=f.png_upload(), position=0)

    # When
    html = staff_client.get(STOCK_URL).content.decode()

    # Then
    assert f'data-vehicle-id="{vehicle.pk}"' in html
    assert "Aurore Mégane" in html
    assert "23\u202f490,50\u00a0€" in html
    assert f'src="{photo.image.url}"' in html
    assert '<span class="badge badge-available">Disponible</span>' in html


def test_the_list_filters_by_status(staff_client, dealer):
    # Given
    available = f.StockVehicleFactory(dealer=dealer)
    sold = f.StockVehicleFactory(dealer=dealer, status=StockVehicle.Status.SOLD)

    # When
    response = staff_client.get(STOCK_URL, {"status": "sold"})

    # Then
    assert listed_vins(response) == [sold.vin]
    assert available.vin not in response.content.decode()


@pytest.mark.parametrize("typed", ["vf1ab", " VF1 AB", "Mégane", "mégane", "techno"])
def test_the_search_finds_a_vin_fragment_or_a_model(staff_client, dealer, typed):
    # Given
    wanted = f.StockVehicleFactory(
        dealer=dealer, vin="VF1ABCDEFGH123456", model_label="Mégane", version_label="Techno E-Tech"
    )
    f.StockVehicleFactory(dealer=dealer, vin="WVWZZZ1KZAW000001", model_label="Clio")

    # When
    response = staff_client.get(STOCK_URL, {"q": typed})

    # Then
    assert listed_vins(response) == [wanted.vin]


def test_the_search_never_reaches_another_dealers_stock(staff_client, dealer, other_dealer):
    # Given
    theirs = f.StockVehicleFactory(dealer=other_dealer, vin="VF1ZZZZZZZZ999999")

    # When
    response = staff_client.get(STOCK_URL, {"q": "VF1ZZZ"})

    # Then
    assert listed_vins(response) == []
    assert theirs.vin not in response.content.decode()
    assert "Aucun véhicule ne correspond." in response.content.decode()


def test_the_pages_keep_the_filters(staff_client, dealer):
    # Given
    f.StockVehicleFactory.create_batch(27, dealer=dealer, model_label="Clio")

    # When
    first = staff_client.get(STOCK_URL, {"status": "available", "q": "Clio"})
    second = staff_client.get(STOCK_URL, {"status": "available", "q": "Clio", "page": "2"})

    # Then
    assert len(first.context["rows"]) == 25
    assert len(second.context["rows"]) == 2
    assert 'href="?status=available&amp;q=Clio&amp;page=2"' in first.content.decode()
    assert "27 véhicules" in first.content.decode()


def add_vehicles_with_a_photo(dealer, count: int) -> None:
    for vehicle in f.StockVehicleFactory.create_batch(count, dealer=dealer):
        VehiclePhoto.objects.create(vehicle=vehicle, image=f.png_upload(), position=0)


def test_the_list_costs_the_same_queries_for_5_or_40_vehicles(staff_client, dealer):
    # Given
    add_vehicles_with_a_photo(dealer, 5)
    with CaptureQueriesContext(connection) as five:
        staff_client.get(STOCK_URL)
    add_vehicles_with_a_photo(dealer, 35)

    # When
    with CaptureQueriesContext(connection) as forty:
        response = staff_client.get(STOCK_URL)

    # Then
    assert response.content.decode().count('class="stock-row"') == 25
    assert len(forty) == len(five)

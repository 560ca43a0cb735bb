"""Head-office stock admin: VIN search, status moves through the service, a list that stays cheap."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from autovitrine.inventory.models import StockVehicle, VehicleStatusEvent
from autovitrine.testing import factories as f

CHANGELIST = reverse("admin:inventory_stockvehicle_changelist")


def listed_vins(response) -> list[str]:
    return [vehicle.vin for vehicle in response.context["cl"].result_list]


def test_a_complete_vin_finds_its_vehicle_whatever_the_spacing_and_case(client_as, dealer):
    # Given
    wanted = f.StockVehicleFactory(dealer=dealer, vin="VF1AAAAA123456789")
    f.StockVehicleFactory(dealer=dealer, vin="VF1AAAAA123456780")
    client, _ = client_as("head_office")

    # When
    response = client.get(CHANGELIST, {"q": " vf1aaaaa1234 56789 "})

    # Then
    assert listed_vins(response) == [wanted.vin]


def test_the_start_of_a_vin_lists_the_vehicles_it_begins(client_as, dealer):
    # Given
    f.StockVehicleFactory(dealer=dealer, vin="VF1AAAAA123456789")
    f.StockVehicleFactory(dealer=dealer, vin="VF1AAAAA123456780")
    f.StockVehicleFactory(dealer=dealer, vin="WVWZZZ1KZ6W000001")

    # When
    response = client_as("head_office")[0].get(CHANGELIST, {"q": "vf1aaaaa"})

    # Then
    assert sorted(listed_vins(response)) == ["VF1AAAAA123456780", "VF1AAAAA123456789"]


def test_the_list_filters_by_dealer_and_status(client_as, dealer, other_dealer):
    # Given
    kept = f.StockVehicleFactory(dealer=dealer, status=StockVehicle.Status.RESERVED)
    f.StockVehicleFactory(dealer=dealer)
    f.StockVehicleFactory(dealer=other_dealer, status=StockVehicle.Status.RESERVED)

    # When
    response = client_as("head_office")[0].get(
        CHANGELIST, {"dealer__id__exact": dealer.pk, "status__exact": "reserved"}
    )

    # Then
    assert listed_vins(response) == [kept.vin]


def run_action(client, action: str, vehicles: list[StockVehicle]):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [vehicle.pk for vehicle in vehicles]},
        follow=True,
    )


def test_the_reserve_action_moves_what_it_can_and_names_what_it_cannot(client_as, dealer):
    # Given: an available car, and a sold one (sold → reserved is not an allowed move)
    available = f.StockVehicleFactory(dealer=dealer)
    sold = f.StockVehicleFactory(dealer=dealer, status=StockVehicle.Status.SOLD)
    client, head_office = client_as("head_office")

    # When
    response = run_action(client, "mark_reserved", [available, sold])

    # Then
    available.refresh_from_db()
    sold.refresh_from_db()
    assert (available.status, sold.status) == ("reserved", "sold")
    event = VehicleStatusEvent.objects.get(vehicle=available)
    assert (event.from_status, event.to_status, event.by, event.reason) == (
        "available",
        "reserved",
        head_office,
        "Administration (siège)",
    )
    assert not VehicleStatusEvent.objects.filter(vehicle=sold).exists()
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "1 véhicule passé au statut « Réservé ».",
        f"Changement impossible depuis leur statut actuel : {sold.vin}.",
    ]


def test_editing_a_vehicle_never_changes_its_status(client_as, dealer):
    # Given
    vehicle = f.StockVehicleFactory(dealer=dealer, status=StockVehicle.Status.RESERVED)
    client, _ = client_as("head_office")
    url = reverse("admin:inventory_stockvehicle_change", args=[vehicle.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None
    }
    data |= {
        "price_ttc": 2_290_000,
        "status": "available",
        "options": [],
        "photos-TOTAL_FORMS": "0",
        "photos-INITIAL_FORMS": "0",
        "status_events-TOTAL_FORMS": "0",
        "status_events-INITIAL_FORMS": "0",
    }

    # When
    response = client.post(url, data)

    # Then
    assert response.status_code == 302
    vehicle.refresh_from_db()
    assert (vehicle.price_ttc, vehicle.status) == (2_290_000, "reserved")


def test_a_vehicle_added_in_the_admin_gets_its_first_status_event(client_as, dealer):
    # Given
    client, head_office = client_as("head_office")
    data = {
        "dealer": dealer.pk,
        "condition": "used",
        "vin": "vf1 aaaaa 123456789",
        "make": "Renault",
        "model_label": "Clio",
        "energy": "petrol",
        "year": 2021,
        "first_registration": "15/03/2021",
        "mileage_km": 42_000,
        "price_ttc": 1_349_000,
        "photos-TOTAL_FORMS": "0",
        "photos-INITIAL_FORMS": "0",
        "status_events-TOTAL_FORMS": "0",
        "status_events-INITIAL_FORMS": "0",
    }

    # When
    response = client.post(reverse("admin:inventory_stockvehicle_add"), data)

    # Then
    assert response.status_code == 302
    vehicle = StockVehicle.objects.get(vin="VF1AAAAA123456789")
    assert (vehicle.status, vehicle.dealer) == ("available", dealer)
    assert list(vehicle.status_events.values_list("from_status", "to_status", "by")) == [
        ("", "available", head_office.pk)
    ]


def test_a_bad_vin_is_refused_in_french(client_as, dealer):
    # Given
    client, _ = client_as("head_office")

    # When
    response = client.post(
        reverse("admin:inventory_stockvehicle_add"),
        {
            "dealer": dealer.pk,
            "vin": "VF1OOOOO123456789",
            "photos-TOTAL_FORMS": "0",
            "photos-INITIAL_FORMS": "0",
            "status_events-TOTAL_FORMS": "0",
            "status_events-INITIAL_FORMS": "0",
        },
    )

    # Then
    assert response.context["adminform"].form.errors["vin"] == [
        "Le VIN ne peut pas contenir les lettres I, O ou Q."
    ]
    assert not StockVehicle.objects.exists()


@pytest.mark.parametrize("rows", [3, 40])
def test_the_stock_list_costs_the_same_queries_whatever_its_length(client_as, dealer, rows):
    # Given: a reference list of 3 vehicles, then the one under test
    client, _ = client_as("head_office")
    f.StockVehicleFactory.create_batch(3, dealer=dealer)
    with CaptureQueriesContext(connection) as reference:
        client.get(CHANGELIST)
    f.StockVehicleFactory.create_batch(rows - 3, dealer=f.DealerFactory())

    # When
    with CaptureQueriesContext(connection) as measured:
        response = client.get(CHANGELIST)

    # Then
    assert len(response.context["cl"].result_list) == rows
    assert len(measured) == len(reference)

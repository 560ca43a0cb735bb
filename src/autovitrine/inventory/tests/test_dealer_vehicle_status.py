"""Changing a stock vehicle's status: allowed moves only, and a colleague's change never overridden."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from autovitrine.inventory.models import StockVehicle, VehicleStatusEvent
from autovitrine.inventory.services import vehicle_set_status
from autovitrine.testing import factories as f


def status_url(vehicle: StockVehicle) -> str:
    return reverse("inventory:dealer_vehicle_status", kwargs={"vehicle_id": vehicle.pk})


def page_text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def staff_client(client_as):
    client, _ = client_as("dealer_staff")
    return client


@pytest.fixture
def vehicle(dealer):
    return f.StockVehicleFactory(dealer=dealer)


def offered_moves(response) -> list[str]:
    found = re.search(r'<select name="to_status".*?</select>', page_text(response), re.S)
    assert found is not None, "pas de choix de statut"
    select = found.group()
    return re.findall(r'<option value="(\w+)"', select)


def test_the_form_offers_the_moves_allowed_from_the_current_status(staff_client, vehicle):
    # When
    available = offered_moves(staff_client.get(status_url(vehicle)))
    vehicle_set_status(vehicle_id=vehicle.pk, to_status="sold")
    sold = offered_moves(staff_client.get(status_url(vehicle)))

    # Then
    assert available == ["reserved", "sold"]
    assert sold == ["available"]


def test_a_car_is_reserved_then_sold_and_each_move_is_recorded(staff_client, vehicle, dealer_staff):
    # When
    reserved = staff_client.post(
        status_url(vehicle),
        {"to_status": "reserved", "expected_status": "available", "reason": "Acompte versé"},
    )
    sold = staff_client.post(
        status_url(vehicle), {"to_status": "sold", "expected_status": "reserved"}
    )

    # Then
    assert reserved.status_code == sold.status_code == 302
    vehicle.refresh_from_db()
    assert vehicle.status == StockVehicle.Status.SOLD
    assert list(
        VehicleStatusEvent.objects.filter(vehicle=vehicle)
        .exclude(from_status="")
        .values_list("from_status", "to_status", "by", "reason")
    ) == [
        ("available", "reserved", dealer_staff.pk, "Acompte versé"),
        ("reserved", "sold", dealer_staff.pk, ""),
    ]
    follow = staff_client.get(sold["Location"])
    assert "Statut mis à jour : « Vendu »." in page_text(follow)


def test_a_change_made_meanwhile_by_a_colleague_is_not_overridden(staff_client, vehicle):
    # Given the page showed "available", then a colleague reserved the car
    vehicle_set_status(vehicle_id=vehicle.pk, to_status="reserved")
    events_before = VehicleStatusEvent.objects.count()

    # When this page marks it sold (a move reserved → sold would otherwise be allowed)
    response = staff_client.post(
        status_url(vehicle), {"to_status": "sold", "expected_status": "available"}
    )

    # Then
    assert response.status_code == 409
    assert (
        "Le statut de ce véhicule a été modifié entre-temps : il est maintenant « Réservé ». "
        "Rien n'a été changé ; vérifiez avant de recommencer." in page_text(response)
    )
    vehicle.refresh_from_db()
    assert vehicle.status == StockVehicle.Status.RESERVED
    assert VehicleStatusEvent.objects.count() == events_before
    assert offered_moves(response) == ["available", "sold"]


def test_a_move_outside_the_table_is_refused_in_french(staff_client, vehicle):
    # Given
    vehicle_set_status(vehicle_id=vehicle.pk, to_status="sold")
    events_before = VehicleStatusEvent.objects.count()

    # When
    response = staff_client.post(
        status_url(vehicle), {"to_status": "reserved", "expected_status": "sold"}
    )

    # Then
    assert response.status_code == 409
    assert "Ce changement de statut n'est pas possible pour ce véhicule." in page_text(response)
    vehicle.refresh_from_db()
    assert vehicle.status == StockVehicle.Status.SOLD
    assert VehicleStatusEvent.objects.count() == events_before


def test_an_unknown_status_is_refused_in_french(staff_client, vehicle):
    # When
    response = staff_client.post(
        status_url(vehicle), {"to_status": "stolen", "expected_status": "available"}
    )

    # Then
    assert response.status_code == 200
    assert "Sélectionnez un choix valide. stolen n’en fait pas partie." in page_text(response)
    vehicle.refresh_from_db()
    assert vehicle.status == StockVehicle.Status.AVAILABLE

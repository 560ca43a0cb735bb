"""Who may open each page of the dealer's space, and who may write through it.

Every page and every form is tried by every role: anonymous → sign-in page, customer and head
office → 403 (head office works in the admin), staff of another dealer → 404 on this dealer's
objects, staff of this dealer → the page. A refused write leaves every table as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from autovitrine.conftest import ROLES
from autovitrine.inventory.models import StockVehicle, VehicleStatusEvent
from autovitrine.leads.models import Lead, LeadEvent
from autovitrine.testing import factories as f

LOGIN_URL = reverse("accounts:login")


@dataclass(frozen=True)
class Page:
    name: str
    owned_object: str | None = None  # "lead" or "vehicle" when the URL names one of the dealer's

    def url(self, objects: dict[str, Any]) -> str:
        if self.owned_object is None:
            return reverse(self.name)
        return reverse(self.name, kwargs={f"{self.owned_object}_id": objects[self.owned_object].pk})


READ_PAGES = [
    Page("dealers:dashboard"),
    Page("leads:dealer_list"),
    Page("leads:dealer_detail", "lead"),
    Page("inventory:dealer_stock"),
    Page("inventory:dealer_vehicle_add"),
    Page("inventory:dealer_vehicle_edit", "vehicle"),
    Page("inventory:dealer_vehicle_status", "vehicle"),
    Page("inventory:dealer_vehicle_sticker", "vehicle"),
]


@pytest.fixture
def objects(dealer):
    version = f.VersionFactory()
    vehicle = f.StockVehicleFactory(dealer=dealer, version=version)
    lead = f.LeadFactory(dealer=dealer, vehicle=vehicle)
    return {"vehicle": vehicle, "lead": lead, "version": version}


def expected_status(role: str, page: Page, *, success: int) -> int:
    if role == "anonymous":
        return 302
    if role in ("customer", "head_office"):
        return 403
    if role == "other_dealer_staff" and page.owned_object:
        return 404
    return success


def assert_access(response, role: str, page: Page, url: str, *, success: int) -> None:
    assert response.status_code == expected_status(role, page, success=success)
    if role == "anonymous":
        assert response["Location"] == f"{LOGIN_URL}?next={url}"


@pytest.mark.parametrize("page", READ_PAGES, ids=lambda p: p.name)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_each_page_or_is_refused(client_as, objects, role, page):
    # Given
    client, _ = client_as(role)
    url = page.url(objects)

    # When
    response = client.get(url)

    # Then
    assert_access(response, role, page, url, success=200)


def write_form(page: Page, objects: dict[str, Any]) -> dict[str, str]:
    vehicle_fields = {
        "condition": "new",
        "version": str(objects["version"].pk),
        "mileage_km": "5",
        "price": "23 490",
    }
    return {
        "leads:dealer_detail": {"to_status": "contacted", "note": "Rappelée"},
        "inventory:dealer_vehicle_add": {**vehicle_fields, "vin": f.random_vin()},
        "inventory:dealer_vehicle_edit": {**vehicle_fields, "vin": objects["vehicle"].vin},
        "inventory:dealer_vehicle_status": {
            "to_status": "reserved",
            "expected_status": "available",
        },
    }[page.name]


def database_state(objects: dict[str, Any]) -> tuple[Any, ...]:
    """Row counts plus this dealer's vehicle and lead as stored: equal before/after = no write."""
    return (
        StockVehicle.objects.count(),
        VehicleStatusEvent.objects.count(),
        Lead.objects.count(),
        LeadEvent.objects.count(),
        StockVehicle.objects.values().get(pk=objects["vehicle"].pk),
        Lead.objects.values().get(pk=objects["lead"].pk),
    )


WRITE_PAGES = [
    Page("leads:dealer_detail", "lead"),
    Page("inventory:dealer_vehicle_add"),
    Page("inventory:dealer_vehicle_edit", "vehicle"),
    Page("inventory:dealer_vehicle_status", "vehicle"),
]


@pytest.mark.parametrize("page", WRITE_PAGES, ids=lambda p: p.name)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_writes_through_each_form_or_changes_nothing(
    client_as, objects, other_dealer, role, page
):
    # Given
    client, _ = client_as(role)
    url = page.url(objects)
    before = database_state(objects)

    # When
    response = client.post(url, write_form(page, objects))

    # Then
    assert_access(response, role, page, url, success=302)
    allowed = role == "dealer_staff" or (role == "other_dealer_staff" and not page.owned_object)
    if allowed:
        assert database_state(objects) != before
    else:
        assert database_state(objects) == before
    if role == "other_dealer_staff" and page.name == "inventory:dealer_vehicle_add":
        # Staff of the other dealer add to their own stock, never to this dealer's.
        assert StockVehicle.objects.latest("id").dealer == other_dealer


@pytest.mark.parametrize("role", ["dealer_staff", "other_dealer_staff"])
def test_each_staff_lists_only_their_own_leads(client_as, dealer, other_dealer, role):
    # Given
    ours = f.LeadFactory.create_batch(2, dealer=dealer)
    theirs = f.LeadFactory.create_batch(3, dealer=other_dealer)
    client, _ = client_as(role)

    # When
    html = client.get(reverse("leads:dealer_list")).content.decode()

    # Then
    own, foreign = (ours, theirs) if role == "dealer_staff" else (theirs, ours)
    assert html.count('class="lead-row"') == len(own)
    for lead in own:
        assert f'data-lead-id="{lead.pk}"' in html
    for lead in foreign:
        assert f'data-lead-id="{lead.pk}"' not in html


@pytest.mark.parametrize("role", ["dealer_staff", "other_dealer_staff"])
def test_each_staff_lists_only_their_own_stock(client_as, dealer, other_dealer, role):
    # Given
    ours = f.StockVehicleFactory.create_batch(2, dealer=dealer)
    theirs = f.StockVehicleFactory.create_batch(3, dealer=other_dealer)
    client, _ = client_as(role)

    # When
    html = client.get(reverse("inventory:dealer_stock")).content.decode()

    # Then
    own, foreign = (ours, theirs) if role == "dealer_staff" else (theirs, ours)
    assert html.count('class="stock-row"') == len(own)
    for vehicle in own:
        assert vehicle.vin in html
    for vehicle in foreign:
        assert vehicle.vin not in html


@pytest.mark.parametrize("role", ["dealer_staff", "other_dealer_staff"])
def test_each_staff_dashboard_counts_only_their_own_rows(client_as, dealer, other_dealer, role):
    # Given
    f.LeadFactory.create_batch(2, dealer=dealer)
    f.LeadFactory.create_batch(3, dealer=other_dealer)
    client, _ = client_as(role)

    # When
    html = client.get(reverse("dealers:dashboard")).content.decode()

    # Then
    expected = 2 if role == "dealer_staff" else 3
    assert f'<span id="new-leads-count">{expected}</span>' in html

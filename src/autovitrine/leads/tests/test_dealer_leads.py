"""The dealer's lead pages: list by status and pages, one lead with its history, status and notes."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from autovitrine.leads.models import Lead, LeadEvent
from autovitrine.leads.services import LeadSource, lead_create, lead_set_status
from autovitrine.testing import factories as f

LIST_URL = reverse("leads:dealer_list")


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def detail_url(lead: Lead) -> str:
    return reverse("leads:dealer_detail", kwargs={"lead_id": lead.pk})


def listed_ids(response) -> list[int]:
    return [lead.pk for lead in response.context["page"].object_list]


@pytest.fixture
def staff_client(client_as):
    client, _ = client_as("dealer_staff")
    return client


def test_the_list_filters_by_status(staff_client, dealer):
    # Given
    new = f.LeadFactory(dealer=dealer)
    won = f.LeadFactory(dealer=dealer, status=Lead.Status.WON)

    # When
    all_leads = staff_client.get(LIST_URL)
    only_won = staff_client.get(LIST_URL, {"status": "won"})

    # Then
    assert listed_ids(all_leads) == [won.pk, new.pk]
    assert listed_ids(only_won) == [won.pk]
    assert 'aria-current="page">Gagnée <span class="badge">1</span>' in only_won.content.decode()


def test_an_unknown_status_filter_shows_every_lead(staff_client, dealer):
    # Given
    lead = f.LeadFactory(dealer=dealer)

    # When
    response = staff_client.get(LIST_URL, {"status": "bidon"})

    # Then
    assert response.status_code == 200
    assert listed_ids(response) == [lead.pk]


def test_the_list_is_paginated_newest_first_and_keeps_the_filter(staff_client, dealer):
    # Given 30 new leads, the oldest first
    leads = f.LeadFactory.create_batch(30, dealer=dealer)

    # When
    first = staff_client.get(LIST_URL, {"status": "new"})
    second = staff_client.get(LIST_URL, {"status": "new", "page": "2"})

    # Then
    assert listed_ids(first) == [lead.pk for lead in reversed(leads)][:25]
    assert listed_ids(second) == [lead.pk for lead in reversed(leads)][25:]
    assert 'href="?status=new&amp;page=2"' in first.content.decode()
    assert "Page 2 sur 2" in second.content.decode()


def test_the_list_costs_the_same_queries_for_5_or_40_leads(staff_client, dealer):
    # Given
    vehicle = f.StockVehicleFactory(dealer=dealer)
    f.LeadFactory.create_batch(5, dealer=dealer, vehicle=vehicle)
    with CaptureQueriesContext(connection) as five:
        staff_client.get(LIST_URL)
    f.LeadFactory.create_batch(35, dealer=dealer, vehicle=f.StockVehicleFactory(dealer=dealer))

    # When
    with CaptureQueriesContext(connection) as forty:
        response = staff_client.get(LIST_URL)

    # Then
    assert response.content.decode().count('class="lead-row"') == 25
    assert len(forty) == len(five)


def test_the_detail_shows_the_request_the_vehicle_and_the_history(staff_client, dealer, customer):
    # Given a test-drive request sent from a QR code, then contacted by the staff
    vehicle = f.StockVehicleFactory(dealer=dealer, model_label="Zoé")
    slot = timezone.make_aware(dt.datetime(2031, 4, 12, 10, 30))
    lead = lead_create(
        dealer_id=dealer.pk,
        kind=Lead.Kind.TEST_DRIVE,
        name="Louis Bernard",
        email="louis@example.fr",
        phone="06 12 34 56 78",
        message="Je voudrais l'essayer\nun samedi matin.",
        preferred_slot=slot,
        vehicle_id=vehicle.pk,
        customer=customer,
        origin=LeadSource(source=Lead.Source.QR, page="/stock/vehicule/1/"),
    )
    staff = dealer.staff.get().user
    lead_set_status(lead_id=lead.pk, dealer_id=dealer.pk, to_status="contacted", by=staff)

    # When
    text = page_text(staff_client.get(detail_url(lead)))

    # Then
    assert "Essai — Louis Bernard" in text
    assert "Je voudrais l'essayer<br>un samedi matin." in text
    assert "samedi 12 avril 2031, 10:30" in text
    assert "<dt>Source</dt><dd>QR code</dd>" in text
    assert "<dd>client@example.fr</dd>" in text
    assert vehicle.vin in text and "Aurore Zoé" in text
    assert "Demande reçue (Nouvelle)" in text
    assert "Nouvelle → Contactée" in text
    assert "par Camille Martin" in text


def test_the_status_form_offers_only_the_allowed_moves(staff_client, dealer):
    # Given
    lead = f.LeadFactory(dealer=dealer, status=Lead.Status.CONTACTED)

    # When
    response = staff_client.get(detail_url(lead))

    # Then
    select = re.search(r'<select name="to_status".*?</select>', page_text(response), re.S).group()
    assert re.findall(r'<option value="(\w+)"[^>]*>([^<]+)</option>', select) == [
        ("contacted", "Inchangé (Contactée)"),
        ("won", "Gagnée"),
        ("lost", "Perdue"),
    ]


def test_staff_move_a_lead_and_the_move_is_recorded(staff_client, dealer, dealer_staff):
    # Given
    lead = f.LeadFactory(dealer=dealer)
    LeadEvent.objects.create(lead=lead, to_status="new")

    # When
    response = staff_client.post(detail_url(lead), {"to_status": "won", "note": "Bon signé"})

    # Then
    assert response.status_code == 302
    assert response["Location"] == detail_url(lead)
    lead.refresh_from_db()
    assert lead.status == Lead.Status.WON
    event = lead.events.last()
    assert (event.from_status, event.to_status, event.by, event.note) == (
        "new",
        "won",
        dealer_staff,
        "Bon signé",
    )
    assert "Demande passée au statut « Gagnée »." in page_text(staff_client.get(detail_url(lead)))


def test_a_note_alone_keeps_the_status(staff_client, dealer):
    # Given
    lead = f.LeadFactory(dealer=dealer, status=Lead.Status.CONTACTED)

    # When
    staff_client.post(detail_url(lead), {"to_status": "contacted", "note": "Messagerie, rappeler"})

    # Then
    lead.refresh_from_db()
    assert lead.status == Lead.Status.CONTACTED
    assert list(lead.events.values_list("from_status", "to_status", "note")) == [
        ("contacted", "contacted", "Messagerie, rappeler")
    ]


def test_an_empty_submit_asks_for_a_status_or_a_note(staff_client, dealer):
    # Given
    lead = f.LeadFactory(dealer=dealer)

    # When
    response = staff_client.post(detail_url(lead), {"to_status": "new", "note": "  "})

    # Then
    assert "Choisissez un nouveau statut ou écrivez une note." in page_text(response)
    assert lead.events.count() == 0


def test_a_move_not_allowed_gets_a_french_message_and_changes_nothing(staff_client, dealer):
    # Given a won lead, shown as new on a colleague's stale page
    lead = f.LeadFactory(dealer=dealer, status=Lead.Status.WON)

    # When
    response = staff_client.post(detail_url(lead), {"to_status": "contacted", "note": ""})

    # Then
    assert response.status_code == 200
    assert "Ce changement de statut n'est pas possible." in page_text(response)
    lead.refresh_from_db()
    assert lead.status == Lead.Status.WON
    assert lead.events.count() == 0


def test_an_unknown_status_is_refused_in_french(staff_client, dealer):
    # Given
    lead = f.LeadFactory(dealer=dealer)

    # When
    response = staff_client.post(detail_url(lead), {"to_status": "archived"})

    # Then
    assert "Sélectionnez un choix valide." in page_text(response)
    assert lead.events.count() == 0


def test_another_dealers_lead_is_not_found_even_by_post(client_as, dealer, other_dealer):
    # Given
    theirs = f.LeadFactory(dealer=other_dealer)
    client, _ = client_as("dealer_staff")

    # When
    response = client.post(detail_url(theirs), {"to_status": "lost", "note": "pas à nous"})

    # Then
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Lead.Status.NEW
    assert theirs.events.count() == 0

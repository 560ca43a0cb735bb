"""The buyer's side of a lead: the thank-you page and e-mail repeat the request and its slot;
« Mes demandes » lists the buyer's own leads with the dealer's answers, read from LeadEvent."""

from __future__ import annotations

import datetime as dt
import html
import uuid

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from autovitrine.conftest import ROLES
from autovitrine.leads.models import Lead
from autovitrine.leads.services import lead_propose_slot, lead_reply, lead_set_status
from autovitrine.testing import factories as f

MINE_URL = reverse("leads:mine")


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def in_days(days: int, hour: int = 10) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@pytest.fixture
def car(db):
    return f.StockVehicleFactory()


def drive_request(car, slot: dt.datetime) -> dict[str, str]:
    return {
        "kind": "test_drive",
        "preferred_slot": timezone.localtime(slot).strftime("%Y-%m-%dT%H:%M"),
        "name": "Léa Fontaine",
        "email": "lea@example.fr",
        "phone": "06 12 34 56 78",
        "message": "Avec un siège enfant, si possible.",
        "consent": "on",
        "vehicle": str(car.pk),
        "dealer": car.dealer.code,
        "idempotency_key": str(uuid.uuid4()),
    }


def test_the_buyer_is_shown_and_emailed_what_they_asked(
    client, car, django_capture_on_commit_callbacks
):
    # Given
    slot = in_days(3, 15)

    # When
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("leads:create"), drive_request(car, slot))
    page = page_text(client.get(sent["Location"]))

    # Then the page repeats the request and its slot
    assert "Votre demande" in page
    assert "Essai" in page
    assert "Avec un siège enfant, si possible." in page
    when = timezone.localtime(slot)
    assert f"{when.day} " in page and "15:00" in page
    # And so does the e-mail to the buyer
    acknowledgement = next(m for m in mail.outbox if m.to == ["lea@example.fr"])
    assert acknowledgement.subject == f"Votre demande est bien arrivée chez {car.dealer.name}"
    assert "Demande : Essai" in acknowledgement.body
    assert "Créneau souhaité :" in acknowledgement.body and "à 15:00" in acknowledgement.body
    assert "Avec un siège enfant, si possible." in acknowledgement.body
    assert "« Mes demandes »" not in acknowledgement.body  # a visitor has no such page


def test_my_leads_shows_the_dealers_answers_not_its_internal_notes(
    client_as, car, dealer_staff, django_capture_on_commit_callbacks
):
    # Given a buyer's test-drive request, answered by the dealer
    client, buyer = client_as("customer")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("leads:create"), drive_request(car, in_days(3)))
    lead = Lead.objects.get()
    assert lead.customer == buyer
    staff = f.DealerStaffFactory(dealer=car.dealer).user
    with django_capture_on_commit_callbacks(execute=True):
        lead_set_status(
            lead_id=lead.pk,
            dealer_id=car.dealer_id,
            to_status=lead.status,
            by=staff,
            note="Client exigeant",
        )
        lead_reply(lead_id=lead.pk, dealer_id=car.dealer_id, by=staff, text="Avec plaisir !")
        lead_propose_slot(
            lead_id=lead.pk, dealer_id=car.dealer_id, by=staff, slot=in_days(4, 11), text=""
        )

    # When
    page = page_text(client.get(MINE_URL))

    # Then
    assert "Demande envoyée" in page
    assert "Réponse de la concession" in page and "Avec plaisir !" in page
    assert "Autre créneau proposé" in page and "11:00" in page
    assert "Voir le créneau proposé et le confirmer" in page
    assert "Client exigeant" not in page
    # And each answer was e-mailed, pointing to « Mes demandes »
    answers = [m for m in mail.outbox if m.to == ["lea@example.fr"]]
    assert len(answers) == 3  # acknowledgement, reply, proposed slot
    assert all("/demandes/mes-demandes/" in m.body for m in answers)


def test_my_leads_lists_only_my_own(client_as, car):
    client, buyer = client_as("customer")
    f.LeadFactory(dealer=car.dealer, customer=buyer, message="La mienne")
    f.LeadFactory(dealer=car.dealer, customer=f.UserFactory(), message="Celle d'un autre")
    f.LeadFactory(dealer=car.dealer, message="Celle d'un visiteur")

    page = page_text(client.get(MINE_URL))

    assert "La mienne" in page
    assert "Celle d'un autre" not in page and "Celle d'un visiteur" not in page


@pytest.mark.parametrize("role", ROLES)
def test_my_leads_needs_a_signed_in_account(db, client_as, role):
    client, user = client_as(role)
    response = client.get(MINE_URL)
    if user is None:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == 200
        assert "Mes demandes" in page_text(response)

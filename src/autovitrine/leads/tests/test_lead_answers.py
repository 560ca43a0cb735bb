"""The dealer answers a lead: a reply e-mailed and kept, a slot confirmed or another proposed (the
customer accepts it by a signed link), won or lost with a reason; every role's access."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from autovitrine.conftest import ROLES
from autovitrine.leads.models import Lead, LeadEvent
from autovitrine.leads.services import lead_propose_slot, slot_link_token
from autovitrine.testing import factories as f


def action_url(lead: Lead, action: str) -> str:
    return reverse("leads:dealer_action", kwargs={"lead_id": lead.pk, "action": action})


def in_days(days: int, hour: int = 10) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


class CommittingClient:
    """A test client whose requests run their on-commit work (the e-mails), as in production."""

    def __init__(self, client, capture):
        self.client, self.capture = client, capture

    def get(self, *args, **kwargs):
        return self.client.get(*args, **kwargs)

    def post(self, *args, **kwargs):
        with self.capture(execute=True):
            return self.client.post(*args, **kwargs)


@pytest.fixture
def staff_client(client_as, django_capture_on_commit_callbacks):
    client, _ = client_as("dealer_staff")
    return CommittingClient(client, django_capture_on_commit_callbacks)


@pytest.fixture
def buyer_client(client, django_capture_on_commit_callbacks):
    return CommittingClient(client, django_capture_on_commit_callbacks)


def test_a_reply_is_emailed_to_the_customer_and_kept_in_the_history(
    staff_client, dealer, dealer_staff
):
    # Given
    lead = f.LeadFactory(dealer=dealer, email="jeanne@example.fr")

    # When
    response = staff_client.post(
        action_url(lead, "repondre"), {"reply-text": "Oui, disponible samedi."}
    )

    # Then
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == Lead.Status.CONTACTED
    event = lead.events.get(kind=LeadEvent.Kind.REPLY)
    assert (event.note, event.by, event.from_status, event.to_status) == (
        "Oui, disponible samedi.",
        dealer_staff,
        "new",
        "contacted",
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["jeanne@example.fr"]
    assert mail.outbox[0].reply_to == [dealer.email]
    assert "Oui, disponible samedi." in mail.outbox[0].body
    page = html.unescape(staff_client.get(response.url).content.decode())
    assert "Réponse au client" in page


def test_an_empty_reply_or_a_customer_without_email_is_refused_in_french(staff_client, dealer):
    # Given
    phone_only = f.LeadFactory(dealer=dealer, email="", phone="0612345678")
    lead = f.LeadFactory(dealer=dealer)

    # When
    empty = staff_client.post(action_url(lead, "repondre"), {"reply-text": "  "})
    no_email = staff_client.post(action_url(phone_only, "repondre"), {"reply-text": "Bonjour"})

    # Then
    assert empty.status_code == 400
    assert "Écrivez votre réponse." in html.unescape(empty.content.decode())
    assert no_email.status_code == 400
    assert "Ce client n'a pas laissé d'e-mail" in html.unescape(no_email.content.decode())
    assert LeadEvent.objects.filter(kind=LeadEvent.Kind.REPLY).count() == 0
    assert mail.outbox == []


def test_the_dealer_confirms_the_requested_slot_and_the_customer_is_told(staff_client, dealer):
    # Given
    slot = in_days(3)
    lead = f.LeadFactory(dealer=dealer, kind=Lead.Kind.TEST_DRIVE, preferred_slot=slot)

    # When
    response = staff_client.post(action_url(lead, "confirmer-creneau"))

    # Then
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.confirmed_slot == slot
    assert lead.events.filter(kind=LeadEvent.Kind.SLOT_CONFIRMED, slot=slot).count() == 1
    assert len(mail.outbox) == 1
    assert "confirme votre essai" in mail.outbox[0].subject


def test_a_proposed_slot_is_accepted_by_the_customer_through_the_signed_link(
    client_as, django_capture_on_commit_callbacks, dealer
):
    # Given
    lead = f.LeadFactory(dealer=dealer, kind=Lead.Kind.TEST_DRIVE, preferred_slot=in_days(1))
    new_slot = in_days(4, hour=15)
    local = timezone.localtime(new_slot)
    staff, _ = client_as("dealer_staff")
    staff_client = CommittingClient(staff, django_capture_on_commit_callbacks)

    # When: the dealer proposes another slot, the customer follows the e-mailed link
    proposed = staff_client.post(
        action_url(lead, "proposer-creneau"),
        {"slot-slot": local.strftime("%Y-%m-%dT%H:%M"), "slot-text": "Le matin est complet."},
    )
    link = re.search(r"https?://\S+/demandes/creneau/\S+/", mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    staff.logout()  # the customer's own browser
    shown = staff_client.get("/" + path)
    accepted = staff_client.post("/" + path)
    again = staff_client.post("/" + path)

    # Then
    assert proposed.status_code == 302
    assert "heure de Paris" in mail.outbox[0].body
    assert shown.status_code == 200
    lead.refresh_from_db()
    assert lead.confirmed_slot == new_slot
    assert lead.preferred_slot == new_slot
    assert accepted.status_code == 200
    assert "votre essai est confirmé" in html.unescape(accepted.content.decode())
    assert again.status_code == 200
    assert lead.events.filter(kind=LeadEvent.Kind.SLOT_CONFIRMED).count() == 1
    assert [m.to for m in mail.outbox[1:]] == [[dealer.email]]


def test_a_forged_or_superseded_slot_link_confirms_nothing(client, dealer, dealer_staff):
    # Given
    lead = f.LeadFactory(dealer=dealer, kind=Lead.Kind.TEST_DRIVE, preferred_slot=in_days(1))
    first = lead_propose_slot(
        lead_id=lead.pk, dealer_id=dealer.pk, by=dealer_staff, slot=in_days(2)
    )
    lead_propose_slot(lead_id=lead.pk, dealer_id=dealer.pk, by=dealer_staff, slot=in_days(3))

    # When
    forged = client.post(reverse("leads:slot_accept", kwargs={"token": "abc:def"}))
    stale = client.post(reverse("leads:slot_accept", kwargs={"token": slot_link_token(first)}))

    # Then
    assert forged.status_code == 404
    assert stale.status_code == 409
    assert "un autre créneau" in html.unescape(stale.content.decode())
    lead.refresh_from_db()
    assert lead.confirmed_slot is None


def test_a_slot_in_the_past_is_refused(staff_client, dealer):
    # Given
    lead = f.LeadFactory(dealer=dealer, kind=Lead.Kind.TEST_DRIVE, preferred_slot=in_days(1))
    past = timezone.localtime(timezone.now() - dt.timedelta(hours=2))

    # When
    response = staff_client.post(
        action_url(lead, "proposer-creneau"), {"slot-slot": past.strftime("%Y-%m-%dT%H:%M")}
    )

    # Then
    assert response.status_code == 400
    assert "doit être dans le futur" in html.unescape(response.content.decode())
    assert not lead.events.filter(kind=LeadEvent.Kind.SLOT_PROPOSED).exists()


def test_a_lost_lead_needs_a_reason_and_keeps_it(staff_client, dealer):
    # Given
    lead = f.LeadFactory(dealer=dealer)

    # When
    without_reason = staff_client.post(action_url(lead, "cloturer"), {"close-outcome": "lost"})
    with_reason = staff_client.post(
        action_url(lead, "cloturer"),
        {"close-outcome": "lost", "close-reason": "Acheté chez un concurrent"},
    )

    # Then
    assert without_reason.status_code == 400
    assert "Indiquez pourquoi la demande est perdue." in html.unescape(
        without_reason.content.decode()
    )
    assert with_reason.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.lost_reason) == (Lead.Status.LOST, "Acheté chez un concurrent")
    assert lead.events.get(kind=LeadEvent.Kind.LOST).note == "Acheté chez un concurrent"


def test_a_won_lead_is_closed(staff_client, dealer):
    # Given
    lead = f.LeadFactory(dealer=dealer, status=Lead.Status.CONTACTED)

    # When
    response = staff_client.post(action_url(lead, "cloturer"), {"close-outcome": "won"})

    # Then
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == Lead.Status.WON
    assert lead.events.filter(kind=LeadEvent.Kind.WON).count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_only_the_dealers_own_staff_answers_its_leads(client_as, role, dealer):
    # Given
    lead = f.LeadFactory(dealer=dealer)
    client, _ = client_as(role)

    # When
    response = client.post(action_url(lead, "repondre"), {"reply-text": "Bonjour"})

    # Then
    expected = {
        "anonymous": 302,
        "customer": 403,
        "other_dealer_staff": 404,
        "dealer_staff": 302,
        "head_office": 403,
    }[role]
    assert response.status_code == expected
    assert lead.events.filter(kind=LeadEvent.Kind.REPLY).count() == (
        1 if role == "dealer_staff" else 0
    )


def test_an_unknown_action_is_not_found(staff_client, dealer):
    lead = f.LeadFactory(dealer=dealer)

    assert staff_client.post(action_url(lead, "supprimer")).status_code == 404

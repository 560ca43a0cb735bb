"""A lead whose e-mail cannot be sent is visible to the dealer, not lost in a failed task
(issue 10): the failure is written on the lead's history and flagged in the dealer's list."""

from __future__ import annotations

import html

import pytest
from django.core import mail
from django.urls import reverse

from autovitrine.leads.models import Lead, LeadEvent
from autovitrine.leads.services import lead_create, lead_reply

pytestmark = pytest.mark.django_db


def failures(lead: Lead) -> list[LeadEvent]:
    return list(lead.events.filter(kind=LeadEvent.Kind.EMAIL_FAILED))


def test_a_lead_whose_emails_cannot_be_sent_is_kept_and_says_so(
    dealer, smtp_down, django_capture_on_commit_callbacks
):
    # When: the relay refuses every connection while a customer asks a question
    with django_capture_on_commit_callbacks(execute=True):
        lead = lead_create(dealer_id=dealer.pk, kind="question", name="Léa", email="lea@example.fr")

    # Then: the lead exists and both e-mails (dealer's notice, customer's acknowledgement)
    # are on its history, with whom they were for
    notes = [event.note for event in failures(lead)]
    assert len(notes) == 2
    assert any("concession" in note and dealer.email in note for note in notes)
    assert any("lea@example.fr" in note for note in notes)
    assert all(event.to_status == lead.status for event in failures(lead))


def test_a_dealer_without_an_address_gets_the_failure_on_the_lead(
    dealer, django_capture_on_commit_callbacks
):
    dealer.email = ""
    dealer.save(update_fields=["email"])

    with django_capture_on_commit_callbacks(execute=True):
        lead = lead_create(dealer_id=dealer.pk, kind="callback", name="Léa", phone="0612345678")

    assert len(mail.outbox) == 0
    [failure] = failures(lead)
    assert "aucune adresse" in failure.note


def test_the_dealer_sees_the_failed_email_in_the_list_and_on_the_lead(
    client_as, dealer, smtp_down, django_capture_on_commit_callbacks
):
    client, staff = client_as("dealer_staff")
    with django_capture_on_commit_callbacks(execute=True):
        failed = lead_create(dealer_id=dealer.pk, kind="question", name="Léa", phone="0612345678")
    sent = Lead.objects.create(dealer=dealer, kind="question", name="Marc", phone="0612345679")

    listing = html.unescape(client.get(reverse("leads:dealer_list")).content.decode())
    detail = html.unescape(
        client.get(reverse("leads:dealer_detail", kwargs={"lead_id": failed.pk})).content.decode()
    )

    rows = {
        row.split('data-lead-id="')[1].split('"')[0]: row
        for row in listing.split("<tr")[1:]
        if "data-lead-id" in row
    }
    assert "E-mail non envoyé" in rows[str(failed.pk)]
    assert "E-mail non envoyé" not in rows[str(sent.pk)]
    assert "E-mail non envoyé" in detail and "non envoyé à" in detail


def test_a_reply_that_cannot_reach_the_customer_is_on_the_lead_not_lost(
    dealer, dealer_staff, smtp_down, django_capture_on_commit_callbacks
):
    lead = Lead.objects.create(dealer=dealer, kind="question", name="Léa", email="lea@example.fr")

    with django_capture_on_commit_callbacks(execute=True):
        lead_reply(lead_id=lead.pk, dealer_id=dealer.pk, by=dealer_staff, text="Bonjour Léa")

    [failure] = failures(lead)
    assert "Réponse au client" in failure.note and "lea@example.fr" in failure.note

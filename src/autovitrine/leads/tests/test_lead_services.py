"""``lead_create`` as other callers (the API, a telephony hook) use it: rules, retries, notification."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from autovitrine.leads.models import Lead, LeadEvent
from autovitrine.leads.services import LeadSource, lead_create


def test_a_retry_with_the_same_key_returns_the_first_lead_and_notifies_once(
    dealer, django_capture_on_commit_callbacks
):
    # When
    with django_capture_on_commit_callbacks(execute=True):
        first = lead_create(
            dealer_id=dealer.pk,
            kind="question",
            name="Léa",
            email="lea@example.fr",
            idempotency_key="cle-1",
        )
        retry = lead_create(
            dealer_id=dealer.pk,
            kind="question",
            name="Léa",
            email="lea@example.fr",
            idempotency_key="cle-1",
        )

    # Then
    assert retry.pk == first.pk
    assert Lead.objects.count() == 1
    assert LeadEvent.objects.count() == 1
    assert len(mail.outbox) == 2  # the dealer's and the acknowledgement, once each


def test_tracking_markers_longer_than_their_columns_are_trimmed(dealer):
    # When: a campaign link with absurdly long markers (PostgreSQL would refuse them as they are)
    lead = lead_create(
        dealer_id=dealer.pk,
        kind="question",
        name="Léa",
        phone="06 12 34 56 78",
        origin=LeadSource(
            source="campaign", page="/" + "p" * 400, utm_source="s" * 150, utm_campaign="c" * 150
        ),
    )

    # Then
    lead.refresh_from_db()
    assert (len(lead.source_page), len(lead.utm_source), len(lead.utm_campaign)) == (300, 100, 100)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"kind": "devis", "email": "lea@example.fr"}, "lead_kind"),
        ({"kind": "question"}, "lead_contact"),
        ({"kind": "callback", "email": "lea@example.fr"}, "lead_phone"),
        ({"kind": "test_drive", "phone": "0612345678"}, "lead_slot"),
        (
            {
                "kind": "test_drive",
                "phone": "0612345678",
                "preferred_slot": "past",
            },
            "lead_slot",
        ),
    ],
)
def test_a_lead_breaking_a_rule_is_refused_and_nothing_is_written(dealer, fields, code):
    # Given
    if fields.get("preferred_slot") == "past":
        fields = {**fields, "preferred_slot": timezone.now() - dt.timedelta(hours=1)}

    # When
    with pytest.raises(ValidationError) as refused:
        lead_create(dealer_id=dealer.pk, name="Léa", **fields)

    # Then
    assert refused.value.code == code
    assert Lead.objects.count() == 0
    assert LeadEvent.objects.count() == 0


def test_a_retry_arriving_after_its_slot_has_passed_still_returns_the_first_lead(dealer):
    # Given: a test drive booked for a slot that has passed by the time the retry comes
    slot = timezone.now() + dt.timedelta(days=2)
    first = lead_create(
        dealer_id=dealer.pk,
        kind="test_drive",
        name="Léa",
        phone="0612345678",
        preferred_slot=slot,
        idempotency_key="cle-essai",
    )

    # When
    retry = lead_create(
        dealer_id=dealer.pk,
        kind="test_drive",
        name="Léa",
        phone="0612345678",
        preferred_slot=timezone.now() - dt.timedelta(minutes=1),
        idempotency_key="cle-essai",
    )

    # Then
    assert retry.pk == first.pk
    assert Lead.objects.count() == 1

"""Writes on leads: create one (idempotently), move it along its statuses, notify the dealer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from autovitrine.core.mail import email_failure_note

from .models import Lead, LeadEvent
from .tasks import (
    lead_acknowledge_customer,
    lead_email_customer,
    lead_notify_dealer,
    lead_notify_dealer_slot,
)

# The signed link a customer follows to accept a proposed slot: valid two weeks, bound to the
# one proposal it was sent with, so an older proposal's link cannot confirm a newer slot.
SLOT_LINK_SALT = "leads.slot-confirm"
SLOT_LINK_MAX_AGE = dt.timedelta(days=14)


@dataclass(frozen=True, slots=True)
class LeadSource:
    source: str = Lead.Source.WEB
    page: str = ""
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""


def lead_create(
    *,
    dealer_id: int,
    kind: str,
    name: str,
    email: str = "",
    phone: str = "",
    message: str = "",
    preferred_slot: dt.datetime | None = None,
    vehicle_id: int | None = None,
    customer: Any = None,
    origin: LeadSource | None = None,
    idempotency_key: str | None = None,
) -> Lead:
    """Create a lead for a dealer; a retried submit with the same key returns the first lead."""
    # A retry is answered before the rules: its slot may have passed since the first submit.
    if idempotency_key:
        existing = Lead.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    if kind not in Lead.Kind.values:
        raise ValidationError(_("Type de demande inconnu."), code="lead_kind")
    if not (email or phone):
        raise ValidationError(_("Indiquez un e-mail ou un téléphone."), code="lead_contact")
    if kind in (Lead.Kind.CALLBACK,) and not phone:
        raise ValidationError(_("Indiquez un numéro pour être rappelé."), code="lead_phone")
    if kind == Lead.Kind.TEST_DRIVE:
        if preferred_slot is None:
            raise ValidationError(_("Choisissez un créneau pour l'essai."), code="lead_slot")
        if preferred_slot < timezone.now():
            raise ValidationError(
                _("Le créneau d'essai doit être dans le futur."), code="lead_slot"
            )
    origin = origin or LeadSource()
    try:
        with transaction.atomic():
            lead = Lead.objects.create(
                dealer_id=dealer_id,
                vehicle_id=vehicle_id,
                customer=customer if getattr(customer, "is_authenticated", False) else None,
                kind=kind,
                name=name.strip()[:120],
                email=email.strip().lower(),
                phone=phone.strip(),
                message=message.strip()[:2000],
                preferred_slot=preferred_slot,
                source=origin.source,
                source_page=origin.page[:300],
                utm_source=origin.utm_source[:100],
                utm_medium=origin.utm_medium[:100],
                utm_campaign=origin.utm_campaign[:100],
                idempotency_key=idempotency_key or None,
            )
            LeadEvent.objects.create(lead=lead, to_status=lead.status)
            transaction.on_commit(lambda: lead_notify_dealer.enqueue(lead.pk))
            if lead.email:
                transaction.on_commit(lambda: lead_acknowledge_customer.enqueue(lead.pk))
    except IntegrityError:
        # Two identical submits raced: the other one won, return its lead.
        if idempotency_key:
            return Lead.objects.get(idempotency_key=idempotency_key)
        raise
    return lead


@transaction.atomic
def lead_set_status(
    *, lead_id: int, dealer_id: int, to_status: str, by: Any, note: str = ""
) -> Lead:
    """Move a dealer's own lead along ``Lead.TRANSITIONS`` (a note alone when the status is
    unchanged); a lost lead says why. Another dealer's lead is not found."""
    note = note.strip()
    lead = _dealer_lead_locked(lead_id=lead_id, dealer_id=dealer_id)
    if to_status == lead.status and note:
        LeadEvent.objects.create(
            lead=lead,
            kind=LeadEvent.Kind.NOTE,
            from_status=lead.status,
            to_status=lead.status,
            by=_author(by),
            note=note,
        )
        return lead
    if not Lead.TRANSITIONS.allows(lead.status, to_status):
        raise ValidationError(
            _("Ce changement de statut n'est pas possible."), code="invalid_transition"
        )
    if to_status == Lead.Status.LOST and not note:
        raise ValidationError(
            _("Indiquez pourquoi la demande est perdue."), code="lead_lost_reason"
        )
    kinds: dict[str, LeadEvent.Kind] = {
        Lead.Status.WON: LeadEvent.Kind.WON,
        Lead.Status.LOST: LeadEvent.Kind.LOST,
    }
    LeadEvent.objects.create(
        lead=lead,
        kind=kinds.get(to_status, LeadEvent.Kind.STATUS),
        from_status=lead.status,
        to_status=to_status,
        by=_author(by),
        note=note,
    )
    lead.status = to_status
    lead.lost_reason = note[:300] if to_status == Lead.Status.LOST else ""
    lead.save(update_fields=["status", "lost_reason", "updated_at"])
    return lead


def _dealer_lead_locked(*, lead_id: int, dealer_id: int) -> Lead:
    lead = Lead.objects.select_for_update().filter(pk=lead_id, dealer_id=dealer_id).first()
    if lead is None:
        raise Lead.DoesNotExist
    return lead


def _author(by: Any) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


def _answered(lead: Lead) -> str:
    """Answering a new lead is contacting its customer: the status follows the answer."""
    if lead.status == Lead.Status.NEW:
        lead.status = Lead.Status.CONTACTED
        lead.save(update_fields=["status", "updated_at"])
        return Lead.Status.NEW
    return lead.status


def _needs_email(lead: Lead) -> None:
    if not lead.email:
        raise ValidationError(
            _("Ce client n'a pas laissé d'e-mail : appelez-le au numéro indiqué."),
            code="lead_no_email",
        )


def _email_customer(event: LeadEvent) -> None:
    transaction.on_commit(lambda: lead_email_customer.enqueue(event.pk))


@transaction.atomic
def lead_reply(*, lead_id: int, dealer_id: int, by: Any, text: str) -> LeadEvent:
    """E-mail an answer to the customer and keep it in the lead's history."""
    text = text.strip()
    if not text:
        raise ValidationError(_("Écrivez votre réponse."), code="lead_reply_empty")
    lead = _dealer_lead_locked(lead_id=lead_id, dealer_id=dealer_id)
    _needs_email(lead)
    from_status = _answered(lead)
    event = LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.REPLY,
        from_status=from_status,
        to_status=lead.status,
        by=_author(by),
        note=text[:2000],
    )
    _email_customer(event)
    return event


@transaction.atomic
def lead_propose_slot(
    *, lead_id: int, dealer_id: int, by: Any, slot: dt.datetime, text: str = ""
) -> LeadEvent:
    """Offer the customer another test-drive slot; they accept it by the signed e-mailed link."""
    if slot <= timezone.now():
        raise ValidationError(_("Le créneau proposé doit être dans le futur."), code="lead_slot")
    lead = _dealer_lead_locked(lead_id=lead_id, dealer_id=dealer_id)
    if lead.kind != Lead.Kind.TEST_DRIVE:
        raise ValidationError(
            _("Seule une demande d'essai reçoit un créneau."), code="lead_not_test_drive"
        )
    if lead.status in (Lead.Status.WON, Lead.Status.LOST):
        raise ValidationError(_("Cette demande est close."), code="lead_closed")
    _needs_email(lead)
    from_status = _answered(lead)
    event = LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.SLOT_PROPOSED,
        from_status=from_status,
        to_status=lead.status,
        by=_author(by),
        note=text.strip()[:2000],
        slot=slot,
    )
    _email_customer(event)
    return event


@transaction.atomic
def lead_confirm_slot(*, lead_id: int, dealer_id: int, by: Any) -> LeadEvent:
    """The dealer accepts the slot the customer asked for; the customer is told by e-mail."""
    lead = _dealer_lead_locked(lead_id=lead_id, dealer_id=dealer_id)
    if lead.kind != Lead.Kind.TEST_DRIVE or lead.preferred_slot is None:
        raise ValidationError(
            _("Cette demande n'a pas de créneau à confirmer."), code="lead_no_slot"
        )
    if lead.status in (Lead.Status.WON, Lead.Status.LOST):
        raise ValidationError(_("Cette demande est close."), code="lead_closed")
    if lead.preferred_slot <= timezone.now():
        raise ValidationError(
            _("Ce créneau est passé : proposez-en un autre."), code="lead_slot_past"
        )
    from_status = _answered(lead)
    lead.confirmed_slot = lead.preferred_slot
    lead.save(update_fields=["confirmed_slot", "updated_at"])
    event = LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.SLOT_CONFIRMED,
        from_status=from_status,
        to_status=lead.status,
        by=_author(by),
        slot=lead.preferred_slot,
    )
    if lead.email:
        _email_customer(event)
    return event


def lead_record_email_failure(*, lead_id: int, recipient: str, what: str, error: str) -> None:
    """Write on the lead's history that one of its e-mails did not leave (``what``: which one,
    ``recipient``: to whom, ``error``: why), so the dealer sees it and follows up by hand."""
    lead = Lead.objects.filter(pk=lead_id).only("status").first()
    if lead is None:
        return
    note = email_failure_note(what=what, recipient=recipient, error=error)
    LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.EMAIL_FAILED,
        from_status=lead.status,
        to_status=lead.status,
        note=note[:2000],
    )


def slot_link_token(event: LeadEvent) -> str:
    return signing.dumps({"lead": event.lead_id, "event": event.pk}, salt=SLOT_LINK_SALT)


def slot_proposal_from_token(token: str) -> LeadEvent | None:
    """The proposal a customer's link points to, or ``None`` (forged, expired, unknown)."""
    try:
        data = signing.loads(token, salt=SLOT_LINK_SALT, max_age=SLOT_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    event_id, lead_id = data.get("event"), data.get("lead")
    if not isinstance(event_id, int) or not isinstance(lead_id, int):
        return None
    return (
        LeadEvent.objects.select_related("lead", "lead__dealer")
        .filter(pk=event_id, lead_id=lead_id, kind=LeadEvent.Kind.SLOT_PROPOSED)
        .first()
    )


@transaction.atomic
def lead_accept_slot(*, token: str) -> LeadEvent:
    """The customer accepts a proposed slot by the link; following it twice changes nothing."""
    proposal = slot_proposal_from_token(token)
    if proposal is None:
        raise ValidationError(
            _("Ce lien n'est pas valable ou a expiré : contactez la concession."),
            code="slot_link_invalid",
        )
    lead = Lead.objects.select_for_update().get(pk=proposal.lead_id)
    if lead.confirmed_slot == proposal.slot:
        confirmed = (
            lead.events.filter(kind=LeadEvent.Kind.SLOT_CONFIRMED, slot=proposal.slot)
            .order_by("-id")
            .first()
        )
        if confirmed is not None:
            return confirmed
    newer = lead.events.filter(kind=LeadEvent.Kind.SLOT_PROPOSED, pk__gt=proposal.pk).exists()
    if newer:
        raise ValidationError(
            _("La concession vous a proposé un autre créneau depuis : suivez le dernier lien."),
            code="slot_superseded",
        )
    if lead.status in (Lead.Status.WON, Lead.Status.LOST):
        raise ValidationError(
            _("Cette demande est close : contactez la concession."), code="lead_closed"
        )
    if proposal.slot is None or proposal.slot <= timezone.now():
        raise ValidationError(
            _("Ce créneau est passé : contactez la concession."), code="lead_slot_past"
        )
    lead.confirmed_slot = proposal.slot
    lead.preferred_slot = proposal.slot
    lead.save(update_fields=["confirmed_slot", "preferred_slot", "updated_at"])
    event = LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.SLOT_CONFIRMED,
        from_status=lead.status,
        to_status=lead.status,
        slot=proposal.slot,
        note=_("Confirmé par le client."),
    )
    transaction.on_commit(lambda: lead_notify_dealer_slot.enqueue(event.pk))
    return event


def lead_close(*, lead_id: int, dealer_id: int, by: Any, won: bool, reason: str = "") -> Lead:
    """Mark a lead won or lost; a lost lead says why (kept on the lead for head office)."""
    return lead_set_status(
        lead_id=lead_id,
        dealer_id=dealer_id,
        to_status=Lead.Status.WON if won else Lead.Status.LOST,
        by=by,
        note=reason,
    )

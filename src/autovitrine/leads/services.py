"""Writes on leads: create one (idempotently), move it along its statuses, notify the dealer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Lead, LeadEvent
from .tasks import lead_notify_dealer


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
    """Move a dealer's own lead along ``Lead.TRANSITIONS``; another dealer's lead is not found."""
    lead = Lead.objects.select_for_update().filter(pk=lead_id, dealer_id=dealer_id).first()
    if lead is None:
        raise Lead.DoesNotExist
    if to_status == lead.status and note:
        LeadEvent.objects.create(
            lead=lead, from_status=lead.status, to_status=lead.status, by=by, note=note
        )
        return lead
    if not Lead.TRANSITIONS.allows(lead.status, to_status):
        raise ValidationError(
            _("Ce changement de statut n'est pas possible."), code="invalid_transition"
        )
    LeadEvent.objects.create(
        lead=lead, from_status=lead.status, to_status=to_status, by=by, note=note
    )
    lead.status = to_status
    lead.save(update_fields=["status", "updated_at"])
    return lead

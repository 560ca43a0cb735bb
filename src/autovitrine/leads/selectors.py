"""Reads on leads, always scoped to one dealer: its list, its counts per status, one lead."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from .models import Lead, LeadEvent

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class CustomerHistory(TypedDict):
    """What ``_with_customer_history`` adds to each lead (its ``Prefetch`` ``to_attr``)."""

    customer_events: list[LeadEvent]


def dealer_leads(*, dealer_id: int, status: str | None = None) -> QuerySet[Lead]:
    """A dealer's leads, newest first, with their vehicle (one query per page, whatever its size);
    ``email_failed``: one of the lead's e-mails could not be sent (see ``tasks``)."""
    failed = LeadEvent.objects.filter(lead=OuterRef("pk"), kind=LeadEvent.Kind.EMAIL_FAILED)
    leads = (
        Lead.objects.filter(dealer_id=dealer_id)
        .select_related("vehicle")
        .annotate(email_failed=Exists(failed))
    )
    if status:
        leads = leads.filter(status=status)
    return leads.order_by("-created_at", "-id")


def dealer_lead_counts(*, dealer_id: int) -> dict[str, int]:
    """How many leads a dealer has in each status, every status present (zero when none)."""
    counts = dict.fromkeys(Lead.Status.values, 0)
    rows = (
        Lead.objects.filter(dealer_id=dealer_id)
        .order_by()
        .values("status")
        .annotate(total=Count("id"))
    )
    for row in rows:
        counts[row["status"]] = row["total"]
    return counts


def dealer_lead(*, dealer_id: int, lead_id: int) -> Lead | None:
    """One of the dealer's leads with its vehicle, customer and history; ``None`` if not theirs."""
    return (
        Lead.objects.filter(pk=lead_id, dealer_id=dealer_id)
        .select_related("vehicle", "customer")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=LeadEvent.objects.select_related("by").order_by("created_at", "id"),
            )
        )
        .first()
    )


@dataclass(frozen=True, slots=True)
class AgendaItem:
    lead: Lead
    slot: dt.datetime
    confirmed: bool


def dealer_test_drive_agenda(
    *, dealer_id: int, start: dt.datetime, end: dt.datetime
) -> list[AgendaItem]:
    """A dealer's test drives between ``start`` and ``end``, in time order: the agreed slot when
    there is one, otherwise the slot the customer asked for (still to confirm); lost leads are
    off the agenda."""
    leads = (
        Lead.objects.filter(dealer_id=dealer_id, kind=Lead.Kind.TEST_DRIVE)
        .exclude(status=Lead.Status.LOST)
        .filter(
            Q(confirmed_slot__gte=start, confirmed_slot__lt=end)
            | Q(confirmed_slot__isnull=True, preferred_slot__gte=start, preferred_slot__lt=end)
        )
        .select_related("vehicle")
    )
    items = [
        AgendaItem(
            lead=lead,
            slot=lead.confirmed_slot or lead.preferred_slot,  # type: ignore[arg-type]
            confirmed=lead.confirmed_slot is not None,
        )
        for lead in leads
    ]
    return sorted(items, key=lambda item: (item.slot, item.lead.pk))


def dealer_leads_by_status(*, dealer_id: int) -> tuple[int, list[tuple[str, str, int]]]:
    """The dealer's new leads, and ``(status, label, count)`` for every status in workflow order."""
    counts = dealer_lead_counts(dealer_id=dealer_id)
    by_status = [(value, str(label), counts[value]) for value, label in Lead.Status.choices]
    return counts[Lead.Status.NEW], by_status


# What the customer sees of a lead's history: everything but the dealer's internal notes.
CUSTOMER_VISIBLE_EVENTS = (
    LeadEvent.Kind.STATUS,
    LeadEvent.Kind.REPLY,
    LeadEvent.Kind.SLOT_PROPOSED,
    LeadEvent.Kind.SLOT_CONFIRMED,
    LeadEvent.Kind.WON,
    LeadEvent.Kind.LOST,
)


def _with_customer_history(
    leads: QuerySet[Lead],
) -> QuerySet[WithAnnotations[Lead, CustomerHistory]]:
    return leads.select_related("dealer", "vehicle").prefetch_related(
        Prefetch(
            "events",
            queryset=LeadEvent.objects.filter(kind__in=CUSTOMER_VISIBLE_EVENTS).order_by(
                "created_at", "id"
            ),
            to_attr="customer_events",
        )
    )


def customer_leads(*, customer_id: int) -> QuerySet[WithAnnotations[Lead, CustomerHistory]]:
    """« Mes demandes »: a customer's leads, newest first, each with ``customer_events`` (its
    history from ``LeadEvent``, internal notes left out); two queries whatever the count."""
    return _with_customer_history(Lead.objects.filter(customer_id=customer_id)).order_by(
        "-created_at", "-id"
    )


def lead_for_acknowledgement(*, lead_id: int) -> Lead | None:
    """The lead just sent (its id is kept in the sender's session), for the thank-you page."""
    return _with_customer_history(Lead.objects.filter(pk=lead_id)).first()


# A lead's statuses, for the pages that compose leads with other apps' data.
LeadStatus = Lead.Status
LeadKind = Lead.Kind

"""Reads on leads, always scoped to one dealer: its list, its counts per status, one lead."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from .models import Lead, LeadEvent


def dealer_leads(*, dealer_id: int, status: str | None = None) -> QuerySet[Lead]:
    """A dealer's leads, newest first, with their vehicle (one query per page, whatever its size)."""
    leads = Lead.objects.filter(dealer_id=dealer_id).select_related("vehicle")
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


def dealer_leads_by_status(*, dealer_id: int) -> tuple[int, list[tuple[str, str, int]]]:
    """The dealer's new leads, and ``(status, label, count)`` for every status in workflow order."""
    counts = dealer_lead_counts(dealer_id=dealer_id)
    by_status = [(value, str(label), counts[value]) for value, label in Lead.Status.choices]
    return counts[Lead.Status.NEW], by_status

"""``{% lead_form %}``: the lead form for a vehicle or a dealer page, carrying where the visit came from."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone

from autovitrine.accounts.selectors import buyer_contact

from ..forms import TEST_DRIVE_HORIZON, LeadForm

register = template.Library()

# Query-string markers of the page (QR sticker, campaign links) copied into the lead.
CARRIED_PARAMETERS = ("src", "utm_source", "utm_medium", "utm_campaign")


@register.inclusion_tag("leads/_lead_form.html", takes_context=True)
def lead_form(
    context: template.Context,
    vehicle: Any = None,
    dealer: Any = None,
    form: LeadForm | None = None,
) -> dict[str, Any]:
    """Render a fresh form for ``vehicle`` (its dealer) or ``dealer``, or a bound ``form`` again."""
    request = context.get("request")
    if vehicle is not None:
        dealer = vehicle.dealer
    if form is None:
        initial: dict[str, Any] = {
            "vehicle": vehicle.pk if vehicle is not None else None,
            "dealer": dealer.code if dealer is not None else "",
        }
        if request is not None:
            initial.update({name: request.GET.get(name, "")[:100] for name in CARRIED_PARAMETERS})
            initial["page"] = request.get_full_path()[:300]
            initial.update(buyer_contact(request.user).as_initial("name", "email", "phone"))
        form = LeadForm(initial=initial)
    now = timezone.localtime()
    slot_widget = form.fields["preferred_slot"].widget
    slot_widget.attrs["min"] = (now + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:00")
    slot_widget.attrs["max"] = (now + TEST_DRIVE_HORIZON).strftime("%Y-%m-%dT%H:%M")
    return {
        "form": form,
        "vehicle": vehicle,
        "dealer": dealer,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }

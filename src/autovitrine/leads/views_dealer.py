"""The dealer's lead pages: the list by status, and one lead with its history and status form."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from autovitrine.core.permissions import dealer_staff_required

from .forms_dealer import LeadFilterForm, LeadStatusForm
from .models import Lead, LeadEvent
from .selectors import dealer_lead, dealer_lead_counts, dealer_leads
from .services import lead_set_status

LEADS_PER_PAGE = 25


@dealer_staff_required
def lead_list(request: HttpRequest, *, dealer_id: int) -> HttpResponse:
    filters = LeadFilterForm(request.GET)
    status = filters.cleaned_data["status"] if filters.is_valid() else ""
    leads = dealer_leads(dealer_id=dealer_id, status=status or None)
    page = Paginator(leads, LEADS_PER_PAGE).get_page(request.GET.get("page"))
    counts = dealer_lead_counts(dealer_id=dealer_id)
    tabs = [("", _("Toutes"), sum(counts.values()))] + [
        (value, label, counts[value]) for value, label in Lead.Status.choices
    ]
    context = {"page": page, "status": status, "tabs": tabs}
    return render(request, "leads/dealer/list.html", context)


@dataclass(frozen=True, slots=True)
class EventRow:
    event: LeadEvent
    from_label: str
    to_label: str


def _status_label(value: str) -> str:
    return str(Lead.Status(value).label) if value in Lead.Status.values else value


@dealer_staff_required
def lead_detail(request: HttpRequest, *, lead_id: int, dealer_id: int) -> HttpResponse:
    lead = dealer_lead(dealer_id=dealer_id, lead_id=lead_id)
    if lead is None:
        raise Http404(_("Cette demande n'existe pas."))
    form = LeadStatusForm(request.POST or None, lead=lead)
    if request.method == "POST" and form.is_valid():
        to_status = form.cleaned_data["to_status"]
        try:
            lead_set_status(
                lead_id=lead.pk,
                dealer_id=dealer_id,
                to_status=to_status,
                by=request.user,
                note=form.cleaned_data["note"].strip(),
            )
        except ValidationError as exc:
            form.add_error("to_status", exc)
        else:
            if to_status == lead.status:
                messages.success(request, _("Note ajoutée."))
            else:
                messages.success(
                    request,
                    _("Demande passée au statut « %(status)s ».")
                    % {"status": _status_label(to_status)},
                )
            return redirect("leads:dealer_detail", lead_id=lead.pk)
    events = [
        EventRow(event, _status_label(event.from_status), _status_label(event.to_status))
        for event in lead.events.all()
    ]
    vehicle_is_ours = lead.vehicle is not None and lead.vehicle.dealer_id == dealer_id
    context = {"lead": lead, "form": form, "events": events, "vehicle_is_ours": vehicle_is_ours}
    return render(request, "leads/dealer/detail.html", context)

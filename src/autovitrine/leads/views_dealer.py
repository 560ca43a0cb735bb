"""The dealer's lead pages: the list by status, and one lead with its history and status form."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypedDict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from autovitrine.core.permissions import dealer_staff_required

from . import services
from .forms_dealer import (
    LeadCloseForm,
    LeadFilterForm,
    LeadReplyForm,
    LeadSlotForm,
    LeadStatusForm,
)
from .models import Lead, LeadEvent
from .selectors import dealer_lead, dealer_lead_counts, dealer_leads

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
            services.lead_set_status(
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
    return _detail(request, lead, dealer_id=dealer_id, form=form)


def _detail(
    request: HttpRequest, lead: Lead, *, dealer_id: int, status: int = 200, **forms: Any
) -> HttpResponse:
    events = [
        EventRow(event, _status_label(event.from_status), _status_label(event.to_status))
        for event in lead.events.all()
    ]
    vehicle_is_ours = lead.vehicle is not None and lead.vehicle.dealer_id == dealer_id
    is_open = lead.status not in (Lead.Status.WON, Lead.Status.LOST)
    context = {
        "lead": lead,
        "form": forms.get("form") or LeadStatusForm(lead=lead),
        "reply_form": forms.get("reply_form") or LeadReplyForm(),
        "slot_form": forms.get("slot_form") or LeadSlotForm(),
        "close_form": forms.get("close_form") or LeadCloseForm(),
        "events": events,
        "vehicle_is_ours": vehicle_is_ours,
        "is_open": is_open,
        "can_answer_by_email": bool(lead.email),
        "is_test_drive": lead.kind == Lead.Kind.TEST_DRIVE,
        "can_confirm_slot": bool(
            is_open
            and lead.kind == Lead.Kind.TEST_DRIVE
            and lead.preferred_slot
            and lead.confirmed_slot != lead.preferred_slot
        ),
    }
    return render(request, "leads/dealer/detail.html", context, status=status)


@dealer_staff_required
@require_POST
def lead_action(request: HttpRequest, *, lead_id: int, action: str, dealer_id: int) -> HttpResponse:
    """One answer to a lead per action; a refused one comes back with its French message."""
    lead = dealer_lead(dealer_id=dealer_id, lead_id=lead_id)
    if lead is None:
        raise Http404(_("Cette demande n'existe pas."))
    form_name, form, call, success = _action(request, lead, action, dealer_id)
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, success)
            return redirect("leads:dealer_detail", lead_id=lead.pk)
    lead = dealer_lead(dealer_id=dealer_id, lead_id=lead_id)
    assert lead is not None
    return _detail(request, lead, dealer_id=dealer_id, status=400, **{form_name: form})


class _NoInput(Form):
    pass


class _LeadAction(TypedDict):
    """Who acts on which lead: the keywords every lead service below takes."""

    lead_id: int
    dealer_id: int
    by: Any


def _action(
    request: HttpRequest, lead: Lead, action: str, dealer_id: int
) -> tuple[str, Form, Callable[[dict[str, Any]], Any], str]:
    ids: _LeadAction = {"lead_id": lead.pk, "dealer_id": dealer_id, "by": request.user}
    if action == "repondre":
        return (
            "reply_form",
            LeadReplyForm(request.POST),
            lambda data: services.lead_reply(**ids, text=data["text"]),
            _("Réponse envoyée au client par e-mail."),
        )
    if action == "proposer-creneau":
        return (
            "slot_form",
            LeadSlotForm(request.POST),
            lambda data: services.lead_propose_slot(**ids, slot=data["slot"], text=data["text"]),
            _("Créneau proposé : le client le confirme par le lien reçu par e-mail."),
        )
    if action == "confirmer-creneau":
        return (
            "confirm_form",
            _NoInput(request.POST),
            lambda data: services.lead_confirm_slot(**ids),
            _("Créneau confirmé : le client est prévenu."),
        )
    if action == "cloturer":
        return (
            "close_form",
            LeadCloseForm(request.POST),
            lambda data: services.lead_close(
                **ids, won=data["outcome"] == "won", reason=data["reason"]
            ),
            _("Demande close."),
        )
    raise Http404

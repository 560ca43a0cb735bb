"""Public lead pages: receive the lead form (POST, redirect, thanks) with a per-address rate limit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from autovitrine.core.clientip import rate_limit_address
from autovitrine.core.permissions import signed_in_user_id
from autovitrine.core.ratelimit import (
    code_lookup_missed,
    over_limit,
    retry_after_seconds,
    wait_in_french,
)

from . import services
from .forms import LeadForm
from .models import Lead, LeadEvent
from .selectors import customer_leads, lead_for_acknowledgement

# At most this many new leads per client address and window: enough for a family, not for a bot.
LEADS_PER_WINDOW = 10
RATE_WINDOW_SECONDS = 10 * 60
THANKS_SESSION_KEY = "leads_thanks"


def _over_rate_limit(request: HttpRequest) -> bool:
    """Count this attempt for the client's address; ``True`` once the window's quota is spent."""
    key = f"leads:rate:{rate_limit_address(request) or 'unknown'}"
    return over_limit(key, limit=LEADS_PER_WINDOW, window_seconds=RATE_WINDOW_SECONDS)


def _form_page(request: HttpRequest, form: LeadForm, *, status: int) -> HttpResponse:
    return render(
        request,
        "leads/lead_form_page.html",
        {"form": form, "vehicle": form.target_vehicle, "dealer": form.target_dealer},
        status=status,
    )


@require_POST
def lead_create(request: HttpRequest) -> HttpResponse:
    form = LeadForm(request.POST)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    if _over_rate_limit(request):
        form.add_error(
            None,
            _(
                "Vous avez envoyé beaucoup de demandes en peu de temps : "
                "réessayez dans %(wait)s ou appelez la concession."
            )
            % {"wait": wait_in_french(retry_after_seconds() or 60)},
        )
        return _form_page(request, form, status=429)
    dealer, vehicle = form.target_dealer, form.target_vehicle
    assert dealer is not None
    try:
        lead = form.create_lead(customer=request.user)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _form_page(request, form, status=400)
    request.session[THANKS_SESSION_KEY] = {
        "lead_id": lead.pk,
        "kind": lead.kind,
        "dealer_name": dealer.name,
        "dealer_phone": dealer.phone,
        "vehicle_url": (
            reverse("inventory:vehicle", kwargs={"vehicle_id": vehicle.pk}) if vehicle else ""
        ),
    }
    messages.success(
        request,
        _("Merci, votre demande est envoyée à %(dealer)s.") % {"dealer": dealer.name},
    )
    return redirect("leads:thanks")


@require_GET
def lead_thanks(request: HttpRequest) -> HttpResponse:
    sent = request.session.get(THANKS_SESSION_KEY) or {}
    lead = lead_for_acknowledgement(lead_id=sent["lead_id"]) if sent.get("lead_id") else None
    return render(
        request,
        "leads/thanks.html",
        {
            "sent": sent,
            "lead": lead,
            "is_test_drive": sent.get("kind") == Lead.Kind.TEST_DRIVE,
            "is_callback": sent.get("kind") == Lead.Kind.CALLBACK,
        },
    )


@login_required
@require_GET
def my_leads(request: HttpRequest) -> HttpResponse:
    """« Mes demandes »: what the customer asked, and each answer of the dealer."""
    leads = list(customer_leads(customer_id=signed_in_user_id(request)))
    now = timezone.now()
    for lead in leads:
        # The latest proposal still open gets its confirmation page (the e-mail's link, signed).
        proposals = [e for e in lead.customer_events if e.kind == LeadEvent.Kind.SLOT_PROPOSED]
        latest = proposals[-1] if proposals else None
        lead.accept_url = (  # type: ignore[attr-defined]
            reverse("leads:slot_accept", kwargs={"token": services.slot_link_token(latest)})
            if latest is not None
            and latest.slot is not None
            and latest.slot > now
            and lead.confirmed_slot != latest.slot
            and lead.status not in (Lead.Status.WON, Lead.Status.LOST)
            else ""
        )
    return render(request, "leads/mine.html", {"leads": leads})


def slot_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's link from the e-mail: GET shows the proposed slot (a mail scanner that
    follows links confirms nothing), the button POSTs the acceptance."""
    proposal = services.slot_proposal_from_token(token)
    context: dict[str, object] = {"proposal": proposal, "accepted": None, "error": ""}
    status = 200 if proposal is not None else 404
    if proposal is None:
        code_lookup_missed(request, "link")
        context["error"] = _("Ce lien n'est pas valable ou a expiré : contactez la concession.")
    elif request.method == "POST":
        try:
            context["accepted"] = services.lead_accept_slot(token=token)
        except ValidationError as exc:
            context["error"] = exc.messages[0]
            status = 409
    elif proposal.lead.confirmed_slot == proposal.slot:
        context["accepted"] = proposal
    return render(request, "leads/slot_accept.html", context, status=status)

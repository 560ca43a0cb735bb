"""The trade-in page: an instant, itemized estimate for anyone; saved for a signed-in buyer."""

from __future__ import annotations

from typing import cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from autovitrine.core.money import format_eur
from autovitrine.core.ratelimit import (
    over_limit,
    wait_message,
)

from .forms import TradeInForm
from .selectors import customer_trade_ins
from .services import tradein_create, tradein_estimate


def _return_to(request: HttpRequest) -> str:
    """Where to go once saved (the checkout or the order page), if it is one of ours."""
    target = request.POST.get("retour") or request.GET.get("retour") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return ""


# Saved trade-ins carry photos: a person saves a few, a script would fill the disk.
SAVES_PER_HOUR = 20


def _over_rate_limit(request: HttpRequest) -> bool:
    key = f"tradein:saves:{request.user.pk}"
    return over_limit(key, limit=SAVES_PER_HOUR, window_seconds=3600)


def _is_customer(request: HttpRequest) -> bool:
    user = request.user
    return user.is_authenticated and user.kind == user.Kind.CUSTOMER


@require_http_methods(["GET", "POST"])
def estimate(request: HttpRequest) -> HttpResponse:
    form = TradeInForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST":
        status = 400
        saving = request.POST.get("action") == "save"
        if saving and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if form.is_valid() and saving and _over_rate_limit(request):
            form.add_error(None, wait_message(_("Trop d'enregistrements")))
            status = 429
        elif form.is_valid():
            try:
                if saving and _is_customer(request):
                    trade_in = tradein_create(
                        customer=request.user,
                        data=form.to_input(),
                        photos=form.cleaned_data["photos"],
                        idempotency_key=form.cleaned_data["idempotency_key"] or None,
                    )
                    messages.success(
                        request, _("Reprise enregistrée : ajoutez-la à votre commande.")
                    )
                    back = _return_to(request)
                    if back:
                        return redirect(f"{back}?{urlencode({'reprise': trade_in.pk})}")
                    return redirect("tradein:estimate")
                result = tradein_estimate(data=form.to_input())
                status = 200
            except ValidationError as exc:
                form.add_error(None, exc)
    return render(
        request,
        "tradein/estimate.html",
        {
            "form": form,
            "lines": [(line.label, format_eur(line.cents)) for line in result.lines]
            if result
            else [],
            "total": format_eur(result.total_cents) if result else "",
            "low": format_eur(result.low_cents) if result else "",
            "high": format_eur(result.high_cents) if result else "",
            "factors": result.factors if result else (),
            "retour": _return_to(request),
            "can_save": _is_customer(request),
            "trade_ins": [
                (trade_in, format_eur(trade_in.estimate_cents))
                for trade_in in customer_trade_ins(customer_id=cast("int", request.user.pk))
            ]
            if _is_customer(request)
            else [],
        },
        status=status,
    )

"""The simulated provider's hosted payment page (embedded default and demos)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from autovitrine.core.money import format_eur
from autovitrine.core.ratelimit import code_lookup_missed

from . import conf
from .models import Payment
from .providers.simulated import SimulatedProvider
from .selectors import payment_status_for_provider
from .services import payment_webhook_receive

_SETTLED_MESSAGES: dict[str, Any] = {
    Payment.Status.FAILED: _(
        "Ce paiement a échoué : il ne peut plus être payé. Aucun montant n'a été débité."
    ),
    Payment.Status.SUCCEEDED: _("Ce paiement est déjà réglé."),
    Payment.Status.REFUNDED: _("Ce paiement est terminé : il a été remboursé."),
}


@require_http_methods(["GET", "POST"])
def simulator(request: HttpRequest, token: str) -> HttpResponse:
    """Show the amount with "Payer" and "Échec"; a choice sends the signed webhook, then returns."""
    if not conf.simulator_enabled():
        raise Http404
    try:
        page = SimulatedProvider.read_page_token(token)
    except signing.BadSignature as exc:
        # A forged or altered page link counts like the other secret links (issue 10).
        code_lookup_missed(request, "link")
        raise Http404 from exc
    status = payment_status_for_provider(provider=SimulatedProvider.name, provider_id=page["id"])
    settled = _SETTLED_MESSAGES.get(status or "")
    if settled is not None:
        # A real provider does not take money for a payment it has refused or already taken:
        # the page says so and sends nothing (HTTP 409 to a form sent from an old tab).
        return render(
            request,
            "payments/simulator.html",
            {
                "amount_eur": format_eur(page["amount"], with_cents=True),
                "reference": page["ref"],
                "settled": settled,
                "return_url": _safe_return(request, page["return"]),
            },
            status=409 if request.method == "POST" else 200,
        )
    if request.method == "POST":
        provider = SimulatedProvider(secret=conf.simulator_secret())
        body, signature = provider.webhook_for(
            provider_id=page["id"],
            amount_cents=page["amount"],
            paid=request.POST.get("outcome") == "pay",
        )
        # Delivered in-process: a worker posting to its own server could wait on itself.
        payment_webhook_receive(
            provider_name=provider.name, headers={"X-Simulator-Signature": signature}, body=body
        )
        return HttpResponseRedirect(_safe_return(request, page["return"]))
    return render(
        request,
        "payments/simulator.html",
        {"amount_eur": format_eur(page["amount"], with_cents=True), "reference": page["ref"]},
    )


def _safe_return(request: HttpRequest, url: str) -> str:
    allowed = {request.get_host(), *settings.ALLOWED_HOSTS}
    if url_has_allowed_host_and_scheme(url, allowed_hosts=allowed):
        return url
    return "/"

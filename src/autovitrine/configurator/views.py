"""Buyer pages of the configurator: configure step by step, save, share (link and QR code),
send to a dealer. Each choice is a link carrying the whole selection (``c=name:value``), so a
page works without JavaScript, can be bookmarked, and htmx only swaps the configurator."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from autovitrine.accounts.selectors import buyer_contact
from autovitrine.core.clientip import rate_limit_address
from autovitrine.core.ratelimit import (
    code_lookup_over_limit,
    over_limit,
    rate_limited_page,
    wait_message,
)
from autovitrine.dealers.selectors import delivering_dealer_choices
from autovitrine.leads.selectors import LeadKind

from .forms import ConfigurationLeadForm
from .models import ProductData, SavedConfiguration
from .selectors import (
    choices_parse,
    configurable_models,
    configuration_state,
    published_product_data,
    saved_configuration,
    saved_configuration_check,
    saved_configuration_text,
    saved_configurations_of,
    selection_tokens,
    share_url,
)
from .services import configuration_save, configurations_claim, configurator_for

# Saves and dealer requests per client address and window: plenty for a buyer, not for a bot.
ACTIONS_PER_WINDOW = 30
RATE_WINDOW_SECONDS = 10 * 60
# The configurations an anonymous visitor saved, remembered in their session.
SESSION_KEY = "configurator_saved"
SESSION_KEPT = 20


def over_rate_limit(request: HttpRequest, scope: str) -> bool:
    key = f"configurator:rate:{scope}:{rate_limit_address(request) or 'unknown'}"
    return over_limit(key, limit=ACTIONS_PER_WINDOW, window_seconds=RATE_WINDOW_SECONDS)


def _htmx(request: HttpRequest) -> bool:
    """A request from htmx (a boosted link, a partial refresh): it wants the fragment only."""
    return request.headers.get("HX-Request") == "true"


def _published_or_404(model_code: str) -> ProductData:
    product_data = published_product_data(model_code)
    if product_data is None:
        raise Http404
    return product_data


@require_GET
def model_list(request: HttpRequest) -> HttpResponse:
    return render(request, "configurator/model_list.html", {"configurable": configurable_models()})


@require_GET
def configure(request: HttpRequest, model_code: str) -> HttpResponse:
    # ``v``: the value just tapped; ``essai``: the same, from links made before ``v`` existed.
    state = configuration_state(
        _published_or_404(model_code),
        request.GET.getlist("c"),
        step=request.GET.get("etape"),
        trial=(request.GET.get("v") or request.GET.get("essai") or "")[:200],
        state_key=request.GET.get("e", "")[:24],
        opened=request.GET.get("ouvrir", "")[:64],
        search=request.GET.get("q", "")[:60],
    )
    template = (
        "configurator/_configurator.html" if _htmx(request) else "configurator/configure.html"
    )
    return render(request, template, {"state": state})


@require_GET
def cheapest(request: HttpRequest, model_code: str) -> HttpResponse:
    """The summary's « cheapest car with your choices », polled by htmx until the background
    task has computed it."""
    product_data = _published_or_404(model_code)
    key = request.GET.get("e", "")[:24]
    if selection_tokens(product_data, key) is None:
        raise Http404
    state = configuration_state(product_data, step=request.GET.get("etape"), state_key=key)
    return render(request, "configurator/_cheapest.html", {"state": state})


@require_POST
def save(request: HttpRequest, model_code: str) -> HttpResponse:
    product_data = _published_or_404(model_code)
    choices, _dropped = choices_parse(configurator_for(product_data), request.POST.getlist("c"))
    back = reverse("configurator:configure", kwargs={"model_code": model_code})
    if over_rate_limit(request, "save"):
        messages.error(request, wait_message(_("Trop d'enregistrements en peu de temps")))
        return redirect(back)
    try:
        saved = configuration_save(
            product_data=product_data, choices=choices, customer=request.user
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(back)
    if saved.customer_id is None:
        kept = [code for code in request.session.get(SESSION_KEY, []) if code != saved.code]
        request.session[SESSION_KEY] = [saved.code, *kept][:SESSION_KEPT]
    messages.success(request, _("Configuration enregistrée : partagez-la ou envoyez-la."))
    return redirect("configurator:saved", code=saved.code)


def _lead_form(
    request: HttpRequest, saved: SavedConfiguration, data: object = None
) -> ConfigurationLeadForm:
    source = request.POST if request.method == "POST" else request.GET
    contact = buyer_contact(request.user)
    postcode = (source.get("postcode") or contact.postcode).strip()[:10]
    choices = delivering_dealer_choices(postcode=postcode, new_car=True)
    initial = {
        "kind": LeadKind.QUESTION,
        "postcode": postcode,
        **contact.as_initial("name", "email", "phone"),
    }
    return ConfigurationLeadForm(data, dealer_choices=choices, initial=initial, prefix="lead")


def _saved_page(
    request: HttpRequest,
    saved: SavedConfiguration,
    form: ConfigurationLeadForm,
    *,
    status: int = 200,
) -> HttpResponse:
    link = share_url(saved.code)
    qr = segno.make(link, error="m").svg_inline(
        scale=4, title=_("QR code de la configuration"), border=2
    )
    return render(
        request,
        "configurator/saved.html",
        {
            "saved": saved,
            "check": saved_configuration_check(saved),
            "share_url": link,
            "qr_svg": qr,
            "lead_form": form,
            "saved_labels": {
                line["name"]: line["label"] for line in saved.summary.get("lines", [])
            },
        },
        status=status,
    )


@require_GET
def saved_view(request: HttpRequest, code: str) -> HttpResponse:
    if code_lookup_over_limit(request, "configuration"):
        return rate_limited_page(request)
    saved = saved_configuration(code)
    if saved is None:
        raise Http404
    if _htmx(request) and request.GET.get("postcode") is not None:
        # A new postcode re-sorts the dealers (the form also works without JavaScript).
        return render(
            request,
            "configurator/_lead_form.html",
            {"saved": saved, "lead_form": _lead_form(request, saved)},
        )
    return _saved_page(request, saved, _lead_form(request, saved))


@require_POST
def send_to_dealer(request: HttpRequest, code: str) -> HttpResponse:
    if code_lookup_over_limit(request, "configuration"):
        return rate_limited_page(request)
    saved = saved_configuration(code)
    if saved is None:
        raise Http404
    form = _lead_form(request, saved, request.POST)
    if not form.is_valid():
        return _saved_page(request, saved, form, status=400)
    if over_rate_limit(request, "lead"):
        form.add_error(None, wait_message())
        return _saved_page(request, saved, form, status=429)
    dealer = form.target_dealer
    assert dealer is not None
    try:
        form.create_lead(customer=request.user, extra_message=saved_configuration_text(saved))
    except ValidationError as exc:
        form.add_error(None, exc)
        return _saved_page(request, saved, form, status=400)
    messages.success(
        request,
        _("Votre configuration est envoyée à %(dealer)s, qui vous recontacte rapidement.")
        % {"dealer": dealer.name},
    )
    return redirect("configurator:saved", code=saved.code)


def claim_saved_on_login(
    sender: object, request: HttpRequest, user: object, **kwargs: object
) -> None:
    """On sign-in, what this browser saved anonymously joins the account."""
    codes = request.session.pop(SESSION_KEY, []) if request is not None else []
    if codes and getattr(user, "kind", None) == "customer":
        configurations_claim(customer=user, codes=codes)


@require_GET
def my_configurations(request: HttpRequest) -> HttpResponse:
    """The configurations saved from this account, and those saved anonymously in this browser."""
    mine = saved_configurations_of(request.user, request.session.get(SESSION_KEY, []))
    return render(request, "configurator/mine.html", {"configurations": mine})

"""Pages and JSON endpoints of flash sales: parse the request, call a service, render."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, get_user
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from autovitrine.core.clientip import client_ip, rate_limit_address
from autovitrine.core.money import format_eur
from autovitrine.core.permissions import signed_in_user_id, staff_dealer_id
from autovitrine.core.ratelimit import code_lookup_missed, over_limit
from autovitrine.orders.selectors import OrderKind, SaleTaxes, precontract_context, sale_taxes

from . import sale_page, selectors, services
from .errors import FlashSaleRefusal
from .forms import SaleForm
from .models import FlashSale, Hold, Purchase, QueueEntry
from .queue import waiting_room
from .tokens import CHALLENGE_MAX_AGE_SECONDS, PASS_COOKIE, queue_pass_issue

# What the waiting page's script says, by situation (placeholders filled in by the script).
WAITING_ROOM_TEXTS = {
    "units": _lazy("%(left)s voiture(s) restante(s) sur %(total)s"),
    "units_held": _lazy("dont %(held)s en cours de paiement"),
    "sold_out": _lazy("Vendu ! Toutes les voitures ont trouvé preneur."),
    "closed": _lazy("Cette vente est terminée."),
    "open": _lazy("Vente ouverte"),
    "all_held": _lazy(
        "Toutes les voitures sont réservées. Si un paiement n'aboutit pas, la voiture revient "
        "et la file avance."
    ),
    "pre": _lazy(
        "Vous êtes inscrit dans la pré-file (%(count)s inscrits). Gardez cette page ouverte."
    ),
    "position": _lazy("Votre place dans la file : %(position)s"),
    "eta": _lazy("Attente estimée : environ %(eta)s, au rythme observé."),
    "no_eta": _lazy("Attente impossible à estimer pour le moment."),
    "unlikely": _lazy(
        "Il y a plus de personnes devant vous que de voitures restantes : vos chances sont faibles."
    ),
    "admitted": _lazy("Vous avez %(time)s pour réserver."),
    "holding": _lazy("Vous avez une réservation en cours."),
    "done": _lazy("Vous avez acheté une voiture de cette vente. Merci !"),
    "removed": _lazy("Votre compte a été retiré de cette file."),
    "solving": _lazy("Vérification anti-robot en cours…"),
    "no_crypto": _lazy(
        "Votre navigateur ne permet pas la vérification anti-robot : essayez un navigateur récent."
    ),
    "network": _lazy("Connexion perdue, nouvel essai…"),
    "show_hold": _lazy("Voir ma réservation"),
}


def _client_ip(request: HttpRequest) -> str | None:
    return client_ip(request)


def _refusal(exc: FlashSaleRefusal) -> JsonResponse:
    return JsonResponse(exc.payload(), status=exc.status, headers=exc.headers())


def _database_down_is_503(view: Callable[..., Any]) -> Callable[..., Any]:
    """An async JSON endpoint of the waiting page answers 503 ``database_unavailable`` (French
    message, ``Retry-After``) while PostgreSQL cannot be reached (issue #11, defect 7)."""

    @wraps(view)
    async def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return await view(request, *args, **kwargs)
        except services.DATABASE_ERRORS:
            return _refusal(FlashSaleRefusal("database_unavailable"))

    return wrapped


def _json_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "details": []}}, status=status)


def _give_queue_pass(response: HttpResponse, request: HttpRequest, customer: Any) -> None:
    """The cookie that lets this customer's waiting-room requests skip the session (``asgi.py``)."""
    response.set_cookie(
        PASS_COOKIE,
        queue_pass_issue(
            customer_id=customer.pk,
            session_key=request.session.session_key or "",
            account_created_s=services.account_created_s(customer),
        ),
        path=reverse("flashsales:list"),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",  # never sent from another site: the fast path's CSRF guard (asgi.py)
    )


def _fresh_key() -> str:
    """An idempotency key printed in a form: a double submit of that form sends the same one."""
    return uuid.uuid4().hex


def head_office_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in first, then head office only (others get 403)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_head_office:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# --- Buyer pages ----------------------------------------------------------------------------


@require_GET
def sale_list(request: HttpRequest) -> HttpResponse:
    return render(request, "flashsales/sale_list.html", {"sales": selectors.public_sales()})


def _sale_taxes(sale: FlashSale, buyer_postcode: str) -> SaleTaxes | None:
    """The label and registration taxes of the sale's car (its first unit), as on any sale
    page; the carte grise at the buyer's postcode, else the unit's dealer's region."""
    unit = sale.units.select_related("stock_vehicle__version", "stock_vehicle__dealer").first()
    if unit is None:
        return None
    vehicle = unit.stock_vehicle
    return sale_taxes(
        vehicle=vehicle,
        price_ttc=sale.price_ttc,
        buyer_postcode=buyer_postcode,
        dealer_postcode=vehicle.dealer.postcode,
    )


def _sale_context(sale: FlashSale, buyer_postcode: str) -> dict[str, Any]:
    """What the sale page shows of the sale itself: the same for every visitor."""
    return {
        "sale": sale,
        "unit_count": sale.units.count(),
        "price": format_eur(sale.price_ttc),
        "deposit": format_eur(sale.deposit_ttc),
        "hold_minutes": max(1, sale.hold_seconds // 60),
        "texts": WAITING_ROOM_TEXTS,
        "taxes": _sale_taxes(sale, buyer_postcode),
        "challenge_ttl_ms": CHALLENGE_MAX_AGE_SECONDS * 1000,
    }


@require_GET
def teaser(request: HttpRequest, slug: str) -> HttpResponse:
    info = services.sale_info(slug)  # at most 5 s old, no query on the hot path
    user = request.user
    customer_id = user.pk if user.is_authenticated and user.kind == "customer" else None
    if info is None:
        info = services.sale_info(slug, fresh=True)  # published in the last seconds, or none
        if info is None:
            raise Http404
    hold = (
        selectors.active_hold_of(sale_id=info.sale_id, customer_id=customer_id)
        if customer_id is not None
        else None
    )
    challenge = (
        services.join_challenge(
            info=info,
            customer_id=customer_id,
            account_created_s=services.account_created_s(user),
            client_ip=_client_ip(request),
        )
        if customer_id is not None
        else {"challenge": "", "difficulty": info.pow_difficulty_bits}
    )
    visitor = {
        "challenge": challenge["challenge"],
        "difficulty": challenge["difficulty"],
        "join_key": _fresh_key(),
        "claim_key": _fresh_key(),
    }
    if customer_id is not None and hold is None and sale_page.shareable(request):
        response = HttpResponse(_shared_sale_page(request, info, user, visitor))
    else:
        response = _sale_page_for(request, slug, user, customer_id, hold, visitor)
    if customer_id is not None:
        _give_queue_pass(response, request, user)
    else:
        response.delete_cookie(PASS_COOKIE, path=reverse("flashsales:list"))
    return response


def _shared_sale_page(
    request: HttpRequest, info: services.SaleInfo, user: Any, visitor: dict[str, Any]
) -> str:
    """A signed-in customer's sale page: the copy shared by every customer (``sale_page``), with
    this visitor's values filled in."""
    # The registration taxes shown are those of the buyer's postcode (else the dealer's).
    postcode = getattr(user, "postcode", "") or ""
    key = (
        info.sale_id,
        info.status,
        info.opens_at_ms,
        info.updated_ms,
        translation.get_language(),
        timezone.localdate(),
        postcode,
    )

    def render_copy(placeholders: Mapping[str, Any]) -> str:
        sale = selectors.sale_for_public(info.slug)
        if sale is None:
            raise Http404
        context = {
            **_sale_context(sale, postcode),
            **placeholders,
            "is_customer": True,
            "hold": None,
            "request": sale_page.PagePath(request.path),
            "messages": (),
            "SITE_NAME": settings.SITE_NAME,
        }
        return render_to_string("flashsales/teaser.html", context)

    page = sale_page.shared_copy(key, render_copy)
    return sale_page.fill(
        page, {**visitor, "csrf_token": get_token(request), "email": user.email}, request
    )


def _sale_page_for(
    request: HttpRequest,
    slug: str,
    user: Any,
    customer_id: int | None,
    hold: Any,
    visitor: dict[str, Any],
) -> HttpResponse:
    """The sale page rendered for this visitor alone (signed out, staff, a live hold, a message
    to show)."""
    sale = selectors.sale_for_public(slug)
    if sale is None:
        raise Http404
    context = {
        **_sale_context(sale, getattr(user, "postcode", "") or ""),
        **visitor,
        "is_customer": customer_id is not None,
        "hold": hold,
    }
    return render(request, "flashsales/teaser.html", context)


@_database_down_is_503
async def join(request: HttpRequest, slug: str) -> JsonResponse:
    """Take a place in the waiting room (JSON for the page's script)."""
    if request.method != "POST":
        return _json_error(405, "method_not_allowed", _("Méthode non autorisée."))

    def take_place() -> tuple[Any, JsonResponse]:
        user = get_user(request)
        if not user.is_authenticated:
            message = _("Connectez-vous pour rejoindre la file.")
            return None, _json_error(401, "login_required", message)
        info = services.sale_info(slug)
        if info is None:
            return None, _json_error(404, "not_found", _("Vente introuvable."))
        try:
            payload = services.queue_join(
                info=info,
                customer=user,
                client_ip=_client_ip(request),
                challenge=request.POST.get("challenge", ""),
                nonce=request.POST.get("nonce", ""),
                idempotency_key=request.headers.get("Idempotency-Key")
                or request.POST.get("idempotency_key", ""),
            )
        except FlashSaleRefusal as exc:
            return None, _refusal(exc)
        return user, JsonResponse(payload)

    customer, response = await services.in_db_thread(take_place)
    if customer is not None:
        _give_queue_pass(response, request, customer)
    return response


@_database_down_is_503
async def queue_status(request: HttpRequest, slug: str) -> JsonResponse:
    """The live status the waiting page polls: one Redis round trip, no database, in the common case."""
    if request.method != "GET":
        return _json_error(405, "method_not_allowed", _("Méthode non autorisée."))
    info = await services.asale_info(slug)
    if info is None:
        return _json_error(404, "not_found", _("Vente introuvable."))
    # The session names the signed-in account; loading the user row is not needed to read a place.
    user_id = await request.session.aget(SESSION_KEY)
    if not user_id and await _anonymous_polls_over_limit(request):
        return _refusal(FlashSaleRefusal("rate_limited"))
    try:
        payload = await services.aqueue_status(
            info=info, customer_id=int(user_id) if user_id else None
        )
    except FlashSaleRefusal as exc:
        return _refusal(exc)
    except services.QUEUE_ERRORS:
        await services.aqueue_outage_seen(sale_id=info.sale_id)
        return _refusal(FlashSaleRefusal("queue_unavailable"))
    return JsonResponse(payload, headers={"Cache-Control": "no-store"})


# Anonymous visitors only read the line's length; one address may poll as fast as a few open
# pages do (a page polls every 2 s at most), not more: a script hammering the status is refused.
ANONYMOUS_POLLS_PER_MINUTE = 120


async def _anonymous_polls_over_limit(request: HttpRequest) -> bool:
    limit = int(
        getattr(settings, "FLASHSALE_ANONYMOUS_POLLS_PER_MINUTE", ANONYMOUS_POLLS_PER_MINUTE)
    )
    key = f"flashsale:anon-poll:{rate_limit_address(request) or 'unknown'}"
    try:
        return await sync_to_async(over_limit)(key, limit=limit, window_seconds=60)
    except Exception:  # noqa: BLE001 — the cache down (Redis stopped): the poll is still answered
        return False


@_database_down_is_503
async def join_challenge(request: HttpRequest, slug: str) -> JsonResponse:
    """A fresh proof-of-work challenge for the signed-in account (for apps and scripts)."""
    if request.method != "GET":
        return _json_error(405, "method_not_allowed", _("Méthode non autorisée."))
    info = await services.asale_info(slug)
    if info is None:
        return _json_error(404, "not_found", _("Vente introuvable."))
    user = await services.in_db_thread(get_user, request)
    if not user.is_authenticated:
        return _json_error(401, "login_required", _("Connectez-vous pour rejoindre la file."))
    # The difficulty grows with the places the caller's network took and for a new account.
    challenge = await services.ajoin_challenge(
        info=info,
        customer_id=user.pk,
        account_created_s=services.account_created_s(user),
        client_ip=_client_ip(request),
    )
    return JsonResponse(challenge, headers={"Cache-Control": "no-store"})


@login_required
@require_POST
def claim(request: HttpRequest, slug: str) -> HttpResponse:
    sale = selectors.sale_for_public(slug)
    if sale is None:
        raise Http404
    try:
        answer = services.unit_claim(
            sale_id=sale.pk,
            customer=request.user,
            token=request.POST.get("token", ""),
            idempotency_key=request.POST.get("idempotency_key", ""),
        )
    except FlashSaleRefusal as exc:
        messages.error(request, exc.message)
        return redirect("flashsales:teaser", slug=slug)
    return redirect("flashsales:hold", ref=answer.hold_ref)


@login_required
@require_GET
def hold_page(request: HttpRequest, ref: uuid.UUID) -> HttpResponse:
    hold = selectors.hold_for_customer(ref=ref, customer_id=signed_in_user_id(request))
    if hold is None:
        raise Http404
    purchase = Purchase.objects.filter(hold=hold).first()
    live = hold.status == Hold.Status.ACTIVE and hold.expires_at > timezone.now()
    context = {
        "hold": hold,
        "sale": hold.sale,
        "vehicle": hold.unit.stock_vehicle,
        "live": live,
        "purchase": purchase,
        "deposit": format_eur(hold.sale.deposit_ttc),
        "price": format_eur(hold.sale.price_ttc),
        "dealers": (
            selectors.delivery_dealers(brand_id=hold.sale.brand_id)
            if hold.sale.dealer_choice_allowed and live
            else []
        ),
        "pay_key": _fresh_key(),
        "taxes": sale_taxes(
            vehicle=hold.unit.stock_vehicle,
            price_ttc=hold.sale.price_ttc,
            buyer_postcode=getattr(request.user, "postcode", "") or "",
            dealer_postcode=hold.delivering_dealer.postcode,
        ),
        # L221-5, L111-1: paying the deposit concludes the contract, so this page is a checkout
        # page and shows the seller (the delivering dealer), the delivery deadline, the
        # withdrawal rule, the legal guarantees and the mediator before the button.
        **precontract_context(
            dealer=hold.delivering_dealer, kind=OrderKind.STOCK, today=timezone.localdate()
        ),
    }
    return render(request, "flashsales/hold.html", context)


@login_required
@require_POST
def hold_dealer(request: HttpRequest, ref: uuid.UUID) -> HttpResponse:
    try:
        dealer_id = int(request.POST.get("dealer", ""))
    except ValueError:
        messages.error(request, _("Choisissez une concession dans la liste."))
        return redirect("flashsales:hold", ref=ref)
    try:
        services.hold_choose_dealer(hold_ref=ref, customer=request.user, dealer_id=dealer_id)
    except Hold.DoesNotExist as exc:
        raise Http404 from exc
    except FlashSaleRefusal as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Concession de livraison enregistrée."))
    return redirect("flashsales:hold", ref=ref)


@login_required
@require_POST
def pay(request: HttpRequest, ref: uuid.UUID) -> HttpResponse:
    try:
        step = services.purchase_start(
            hold_ref=ref,
            customer=request.user,
            idempotency_key=request.POST.get("idempotency_key", ""),
            site_url=request.build_absolute_uri("/"),
        )
    except Hold.DoesNotExist as exc:
        raise Http404 from exc
    except FlashSaleRefusal as exc:
        messages.error(request, exc.message)
        return redirect("flashsales:hold", ref=ref)
    if step.redirect_url:
        return redirect(step.redirect_url)
    return redirect("flashsales:order", reference=step.purchase.reference)


@login_required
@require_GET
def order(request: HttpRequest, reference: str) -> HttpResponse:
    purchase = selectors.purchase_for_customer(
        reference=reference, customer_id=signed_in_user_id(request)
    )
    if purchase is None:
        code_lookup_missed(request, "flash_purchase")
        raise Http404
    return render(
        request,
        "flashsales/order.html",
        {
            "purchase": purchase,
            "vehicle": purchase.unit.stock_vehicle,
            "amount": format_eur(purchase.amount_ttc),
            "price": format_eur(purchase.sale.price_ttc),
        },
    )


# --- Watching the sale (head office and the dealers with units in it) -----------------------


def _watched_sale(request: HttpRequest, slug: str) -> FlashSale:
    user = request.user
    if not (user.is_authenticated and (user.is_head_office or user.is_dealer_staff)):
        raise PermissionDenied
    sale = selectors.sale_for_watcher(slug=slug, user=user)
    if sale is None:
        raise Http404
    return sale


@login_required
@require_GET
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    sale = _watched_sale(request, slug)
    return render(
        request,
        "flashsales/dashboard.html",
        {"sale": sale, "data_url": reverse("flashsales:dashboard_data", kwargs={"slug": slug})},
    )


@login_required
@require_GET
def dashboard_data(request: HttpRequest, slug: str) -> JsonResponse:
    sale = _watched_sale(request, slug)
    now = timezone.now()
    stats = waiting_room().stats(sale_id=sale.pk, now_ms=int(now.timestamp() * 1000))
    counts = selectors.unit_counts(sale_id=sale.pk, now=now)
    user = request.user
    dealer_id = None if user.is_authenticated and user.is_head_office else staff_dealer_id(user)
    return JsonResponse(
        {
            "status": sale.status,
            "status_label": sale.get_status_display(),
            "visitors": stats.visitors,
            "queue_length": stats.line_length + stats.pre_length,
            "admitted": stats.admitted,
            "units": {
                "available": counts.available,
                "held": counts.held,
                "sold": counts.sold,
                "total": counts.total,
            },
            "sales_per_minute": selectors.sales_per_minute(sale_id=sale.pk, now=now),
            "own_units": [
                {"vin": u.vin, "label": u.label, "dealer": u.dealer_name, "status": u.status_label}
                for u in selectors.sale_units_for(sale=sale, dealer_id=dealer_id)
            ],
        },
        headers={"Cache-Control": "no-store"},
    )


# --- Head office ----------------------------------------------------------------------------


@head_office_required
@require_GET
def office_sales(request: HttpRequest) -> HttpResponse:
    return render(
        request, "flashsales/office_sales.html", {"sales": selectors.sales_for_head_office()}
    )


@head_office_required
def office_sale_create(request: HttpRequest) -> HttpResponse:
    form = SaleForm(request.POST or None)
    if request.POST.get("action") == "filter":
        # Narrowing the list of cars is not a submission: no error is shown for what is unfilled.
        form.show_without_errors()
    elif request.method == "POST" and form.is_valid():
        try:
            sale = services.sale_create(
                data=form.sale_data(), vins=form.vin_list(), by=request.user
            )
        except ValidationError as exc:
            field = "slug" if exc.code in ("slug", "slug_taken") else "vins"
            form.add_error(field, exc)
        else:
            messages.success(request, _("Vente créée en brouillon."))
            return redirect("flashsales:office_sale", slug=sale.slug)
    return render(request, "flashsales/office_sale_form.html", {"form": form})


@head_office_required
def office_sale(request: HttpRequest, slug: str) -> HttpResponse:
    sale = selectors.sale_for_head_office(slug)
    if sale is None:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "publish":
                services.sale_publish(sale_id=sale.pk, by=request.user)
                messages.success(request, _("Vente annoncée : la pré-file est ouverte."))
            elif action == "open":
                if services.sale_open(sale_id=sale.pk, by=request.user, early=True):
                    messages.success(request, _("Vente ouverte."))
                else:
                    messages.error(request, _("Seule une vente annoncée peut être ouverte."))
            elif action == "close":
                services.sale_close(sale_id=sale.pk, by=request.user)
                messages.success(request, _("Vente terminée : les véhicules invendus sont rendus."))
            else:
                messages.error(request, _("Action inconnue."))
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        return redirect("flashsales:office_sale", slug=slug)
    return render(
        request,
        "flashsales/office_sale.html",
        {
            "sale": sale,
            "units": selectors.sale_units_for(sale=sale, dealer_id=None),
            "price": format_eur(sale.price_ttc),
            "deposit": format_eur(sale.deposit_ttc),
        },
    )


@head_office_required
def office_queue(request: HttpRequest, slug: str) -> HttpResponse:
    """Staff see the queue, the IP addresses shared by many accounts, and remove abusers."""
    sale = selectors.sale_for_head_office(slug)
    if sale is None:
        raise Http404
    if request.method == "POST":
        try:
            entry_id = int(request.POST.get("entry", ""))
        except ValueError as exc:
            raise Http404 from exc
        try:
            services.queue_entry_remove(
                sale_id=sale.pk,
                entry_id=entry_id,
                by=request.user,
                reason=request.POST.get("reason", "").strip(),
            )
        except QueueEntry.DoesNotExist as exc:
            raise Http404 from exc
        messages.success(request, _("Compte retiré de la file."))
        return redirect(request.get_full_path())
    search = request.GET.get("q", "").strip()
    return render(
        request,
        "flashsales/office_queue.html",
        {
            "sale": sale,
            "lines": selectors.queue_for_staff(sale_id=sale.pk, search=search),
            "search": search,
            "threshold": selectors.SUSPICIOUS_ACCOUNTS_PER_IP,
        },
    )

"""Buyer pages: checkout from a stock vehicle, my orders with their timeline, the deposit,
the trade-in offer, the withdrawal, the documents; and the financing simulator."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from autovitrine.accounts.selectors import buyer_contact
from autovitrine.configurator.selectors import (
    configuration_built_car,
    saved_configuration,
    saved_configuration_check,
)
from autovitrine.core.http import HtmxHttpRequest
from autovitrine.core.mail import content_disposition
from autovitrine.core.money import format_eur
from autovitrine.core.ratelimit import (
    code_lookup_missed,
    code_lookup_over_limit,
    over_limit,
    rate_limited_page,
    wait_message,
)
from autovitrine.dealers.selectors import delivering_dealer_choices
from autovitrine.inventory.selectors import StockCondition, StockStatus, vehicle_for_page
from autovitrine.payments.selectors import PaymentStatus
from autovitrine.pricing.selectors import (
    LEGAL_WARNING,
    SIMULATION_NOTICE,
    FinancingError,
    FinancingPlan,
    credit_defaults,
    l314_6_usury_check,
    lease_plan,
    loan_plan,
)
from autovitrine.tradein.selectors import TradeInNotFound, customer_open_trade_ins

from . import services
from .documents import deposit_receipt_pdf, order_form_pdf, withdrawal_form_pdf
from .forms import CheckoutForm, FinancingForm
from .models import Order
from .selectors import (
    can_withdraw,
    customer_order,
    customer_orders,
    order_credits,
    order_totals,
    precontract_context,
    withdrawal_deadline,
)

if TYPE_CHECKING:
    from autovitrine.accounts.models import User
    from autovitrine.payments.models import Payment
    from autovitrine.tradein.models import TradeIn

# Placing orders and opening payments: generous for a person, tight for a script.
ACTIONS_PER_HOUR = 30


def customer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in first; then only buyers' accounts (staff use their own back office)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.kind != request.user.Kind.CUSTOMER:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _customer(request: HttpRequest) -> User:
    """The signed-in buyer of a view behind ``customer_required``."""
    return cast("User", request.user)


def _over_rate_limit(request: HttpRequest, scope: str) -> bool:
    key = f"orders:rate:{scope}:{_customer(request).pk}"
    return over_limit(key, limit=ACTIONS_PER_HOUR, window_seconds=3600)


def _own_order(request: HttpRequest, number: str) -> Order:
    order = customer_order(number=number, customer_id=_customer(request).pk)
    if order is None:
        code_lookup_missed(request, "order")
        raise Http404
    return order


def _open_trade_ins(customer_id: int) -> list[TradeIn]:
    return customer_open_trade_ins(customer_id=customer_id)


def _trade_in_label(trade_in: TradeIn) -> str:
    return _("%(car)s (%(year)d), estimée %(amount)s") % {
        "car": trade_in.title,
        "year": trade_in.year,
        "amount": format_eur(trade_in.estimate_cents),
    }


@customer_required
@require_http_methods(["GET", "POST"])
def checkout_stock(request: HttpRequest, vehicle_id: int) -> HttpResponse:
    """Order a stock vehicle: identity, delivering dealer, trade-in; then the deposit."""
    vehicle = vehicle_for_page(vehicle_id)
    if vehicle is None:
        raise Http404
    return _checkout(
        request,
        template="orders/checkout.html",
        context={
            "vehicle": vehicle,
            "available": vehicle.status == StockStatus.AVAILABLE,
            "photo": next(iter(vehicle.photos.all()), None),
        },
        new_car=vehicle.condition == StockCondition.NEW,
        vehicle_dealer_id=vehicle.dealer_id,
        place=partial(services.order_place_stock, vehicle_id=vehicle.pk),
    )


@customer_required
@require_http_methods(["GET", "POST"])
def checkout_configured(request: HttpRequest, code: str) -> HttpResponse:
    """Order a car built to a saved configuration, priced by today's product data."""
    if code_lookup_over_limit(request, "configuration"):
        return rate_limited_page(request)
    saved = saved_configuration(code)
    if saved is None:
        raise Http404
    check = saved_configuration_check(saved)
    return _checkout(
        request,
        template="orders/checkout_configured.html",
        context={"saved": saved, "check": check, "available": check.holds},
        new_car=True,
        vehicle_dealer_id=None,
        # Priced by the data published when the buyer orders (this request's check).
        place=lambda **order: services.order_place_built(
            car=configuration_built_car(saved, check), **order
        ),
    )


def _checkout(
    request: HttpRequest,
    *,
    template: str,
    context: dict[str, Any],
    new_car: bool,
    vehicle_dealer_id: int | None,
    place: Callable[..., Order],
) -> HttpResponse:
    """The checkout form; ``place(customer=, identity=, dealer_id=, trade_in_id=,
    idempotency_key=)`` places the order once the form is valid."""
    contact = buyer_contact(request.user)
    postcode = (
        request.POST.get("postcode") or request.GET.get("postcode") or contact.postcode
    ).strip()
    form_kwargs: dict[str, Any] = {
        "dealer_choices": delivering_dealer_choices(
            postcode=postcode, new_car=new_car, include_dealer_id=vehicle_dealer_id
        ),
        "trade_in_choices": [
            (t.pk, _trade_in_label(t)) for t in _open_trade_ins(_customer(request).pk)
        ],
    }
    status = 200
    if request.method == "POST":
        form = CheckoutForm(request.POST, **form_kwargs)
        status = 400
        if form.is_valid() and _over_rate_limit(request, "checkout"):
            form.add_error(None, wait_message(_("Trop de tentatives")))
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                order = place(
                    customer=request.user,
                    identity=form.identity(),
                    dealer_id=data["dealer"],
                    trade_in_id=data["trade_in"],
                    idempotency_key=data["idempotency_key"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request, _("Commande enregistrée : payez l'acompte pour la confirmer.")
                )
                return redirect("orders:detail", number=order.number)
    else:
        form = CheckoutForm(
            initial={
                **contact.as_initial("first_name", "last_name", "email", "phone", "street", "city"),
                "postcode": postcode,
                "dealer": vehicle_dealer_id,
                "trade_in": request.GET.get("reprise"),
            },
            **form_kwargs,
        )
    dealer = next(
        (c.dealer for c in form_kwargs["dealer_choices"] if c.dealer.pk == vehicle_dealer_id), None
    )
    legal = precontract_context(
        dealer=dealer,
        kind=Order.Kind.FACTORY if vehicle_dealer_id is None else Order.Kind.STOCK,
        today=timezone.localdate(),
    )
    return render(request, template, {"form": form, **legal, **context}, status=status)


@customer_required
@require_GET
def my_orders(request: HttpRequest) -> HttpResponse:
    return render(
        request, "orders/list.html", {"orders": customer_orders(customer_id=_customer(request).pk)}
    )


@customer_required
@require_GET
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    order = _own_order(request, number)
    payment: Payment | None = order.deposit_payment
    return render(
        request,
        "orders/detail.html",
        {
            "order": order,
            "payment": payment,
            "can_withdraw": can_withdraw(order),
            "withdrawal_deadline": withdrawal_deadline(order),
            "totals": order_totals(order),
            "credits": order_credits(order),
            **precontract_context(
                dealer=order.dealer, kind=order.kind, today=timezone.localdate(), order=order
            ),
            "trade_in": order.trade_in,
            "trade_in_choices": [
                (t.pk, _trade_in_label(t)) for t in _open_trade_ins(_customer(request).pk)
            ]
            if order.trade_in_id is None and order.status in services.OPEN_STATUSES
            else [],
            "selected_trade_in": request.GET.get("reprise", ""),
            "is_open": order.status in services.OPEN_STATUSES,
            "payment_refused": order.status == Order.Status.DRAFT
            and payment is not None
            and payment.status == PaymentStatus.FAILED,
            "reserved_until": services.draft_expires_at(order),
        },
    )


@customer_required
@require_POST
def pay_deposit(request: HttpRequest, number: str) -> HttpResponse:
    """Send the buyer to the provider's payment page (or back, with the provider's message)."""
    order = _own_order(request, number)
    if _over_rate_limit(request, "pay"):
        messages.error(request, wait_message(_("Trop de tentatives")))
        return redirect("orders:detail", number=order.number)
    return_url = request.build_absolute_uri(
        reverse("orders:payment_return", kwargs={"number": order.number})
    )
    try:
        payment = services.order_pay_deposit(
            number=order.number, customer_id=_customer(request).pk, return_url=return_url
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("orders:detail", number=order.number)
    if payment.redirect_url and payment.status == PaymentStatus.PENDING:
        return redirect(payment.redirect_url)
    if payment.message:
        messages.error(request, payment.message)
    return redirect("orders:detail", number=order.number)


@customer_required
@require_GET
def payment_return(request: HttpRequest, number: str) -> HttpResponse:
    """Where the provider sends the buyer back; the webhook may arrive just before or after."""
    order = _own_order(request, number)
    refused = order.deposit_payment is not None and (
        order.deposit_payment.status == PaymentStatus.FAILED
    )
    if order.status == Order.Status.DRAFT and refused:
        pass  # the order page says it once, with the time the car stays reserved until
    elif order.status == Order.Status.DRAFT:
        messages.info(request, _("Paiement en cours de confirmation : cette page se met à jour."))
    elif order.status == Order.Status.CANCELLED and order.deposit_payment_id:
        messages.error(request, order.cancel_reason)
    elif order.contract_at:
        messages.success(request, _("Acompte payé : votre commande est transmise à la concession."))
    return redirect("orders:detail", number=order.number)


@customer_required
@require_GET
def order_status(request: HttpRequest, number: str) -> HttpResponse:
    """The status block alone, polled by htmx while a payment is being confirmed; once the
    payment is settled the whole page reloads, with its new actions."""
    order = _own_order(request, number)
    response = render(request, "orders/_status.html", {"order": order})
    if order.status != Order.Status.DRAFT:
        response["HX-Refresh"] = "true"
    return response


def _run(
    request: HttpRequest, number: str, action: Callable[[], Any], success: str
) -> HttpResponse:
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except (Order.DoesNotExist, TradeInNotFound) as exc:
        raise Http404 from exc
    else:
        messages.success(request, success)
    return redirect("orders:detail", number=number)


@customer_required
@require_POST
def withdraw(request: HttpRequest, number: str) -> HttpResponse:
    order = _own_order(request, number)
    return _run(
        request,
        order.number,
        lambda: services.order_withdraw(number=order.number, customer_id=_customer(request).pk),
        _("Rétractation enregistrée : votre acompte est remboursé."),
    )


@customer_required
@require_POST
def cancel(request: HttpRequest, number: str) -> HttpResponse:
    order = _own_order(request, number)
    return _run(
        request,
        order.number,
        lambda: services.order_cancel_draft(number=order.number, customer_id=_customer(request).pk),
        _("Commande annulée."),
    )


@customer_required
@require_POST
def trade_in_action(request: HttpRequest, number: str) -> HttpResponse:
    """Add one of my estimated trade-ins to the order, or answer the dealer's offer."""
    order = _own_order(request, number)
    action = request.POST.get("action")
    customer_id = _customer(request).pk
    if action == "attach":
        try:
            trade_in_id = int(request.POST.get("trade_in", ""))
        except ValueError:
            messages.error(request, _("Choisissez une reprise."))
            return redirect("orders:detail", number=order.number)
        return _run(
            request,
            order.number,
            lambda: services.order_trade_in_attach(
                number=order.number, customer_id=customer_id, trade_in_id=trade_in_id
            ),
            _("Reprise ajoutée : la concession va vous faire son offre."),
        )
    if action == "accept":
        return _run(
            request,
            order.number,
            lambda: services.order_trade_in_accept(number=order.number, customer_id=customer_id),
            _("Offre de reprise acceptée : elle est déduite du solde."),
        )
    if action == "decline":
        return _run(
            request,
            order.number,
            lambda: services.order_trade_in_decline(number=order.number, customer_id=customer_id),
            _("Offre de reprise refusée."),
        )
    return HttpResponse(_("Action inconnue."), status=400)


DOCUMENTS = {
    "bon-de-commande": order_form_pdf,
    "recu-acompte": deposit_receipt_pdf,
    "formulaire-retractation": withdrawal_form_pdf,
}


def pdf_response(order: Order, document: str) -> HttpResponse:
    """One of the order's documents; the receipt exists once the deposit is paid."""
    render_pdf = DOCUMENTS.get(document)
    if render_pdf is None or (document == "recu-acompte" and order.contract_at is None):
        raise Http404
    response = HttpResponse(render_pdf(order), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(
        f"{document}-{order.number}.pdf", attachment=False
    )
    return response


@customer_required
@require_GET
def document(request: HttpRequest, number: str, document: str) -> HttpResponse:
    return pdf_response(_own_order(request, number), document)


def _plan(form: FinancingForm) -> FinancingPlan:
    data = form.cleaned_data
    down = data["down_payment"] or 0
    insurance_monthly = data["insurance"] or 0
    insurance_required = bool(data["insurance_required"])
    if data["kind"] == "lease":
        return lease_plan(
            price_cents=data["price"],
            first_rent_cents=down,
            months=data["months"],
            annual_rate=data["rate"],
            option_price_cents=data["option_price"] or 0,
            fees_cents=data["fees"] or 0,
            insurance_monthly_cents=insurance_monthly,
            insurance_required=insurance_required,
        )
    return loan_plan(
        price_cents=data["price"],
        down_payment_cents=down,
        months=data["months"],
        annual_rate=data["rate"],
        fees_cents=data["fees"] or 0,
        insurance_monthly_cents=insurance_monthly,
        insurance_required=insurance_required,
    )


def _euros(cents: int) -> str:
    """Cents as the simulator's fields take them (``24990`` or ``24990,50``)."""
    return f"{cents // 100}" if cents % 100 == 0 else f"{cents // 100},{cents % 100:02d}"


def _financed_subject(params: Any) -> tuple[int | None, str]:
    """The price and name of what the simulator was opened from: a car (``vehicule``), a saved
    configuration (``configuration``) or a bare price in euros (``price``)."""
    vehicle_id = params.get("vehicule", "")
    if vehicle_id.isdigit() and (vehicle := vehicle_for_page(int(vehicle_id))) is not None:
        label = " ".join(filter(None, [vehicle.make, vehicle.model_label, vehicle.version_label]))
        return vehicle.price_ttc, label
    code = params.get("configuration", "")
    if code and (saved := saved_configuration(code)) is not None:
        model = saved.product_data.car_model
        return saved.price_ttc, f"{model.brand.name} {model.name}"
    price = params.get("price", "").replace(" ", "")
    if price.isdigit() and 0 < int(price) < 10_000_000:
        return int(price) * 100, ""
    return None, ""


def _prefilled(params: Any, price_cents: int) -> dict[str, str]:
    """The form as the simulator opens: the car's price, the brand's defaults (settings)."""
    terms = credit_defaults()
    down = terms.down_payment_cents(price_cents)
    return {
        "kind": "loan",
        "price": _euros(price_cents),
        "down_payment": _euros(down),
        "months": str(terms.months),
        "rate": f"{terms.rate:.2f}".replace(".", ","),
        "insurance": _euros(terms.insurance_monthly_cents(price_cents - down)),
        **({"insurance_required": "on"} if terms.insurance_required else {}),
        "vehicule": params.get("vehicule", ""),
        "configuration": params.get("configuration", ""),
    }


@require_GET
def financing(request: HtmxHttpRequest) -> HttpResponse:
    """The financing simulator (public): loan or LOA, monthly payment, cost, TAEG, insurance.

    Opened from a car or a configuration it is filled with its price and the brand's defaults
    and shows a result at once. Every answer replaces the result: an invalid input shows its
    French error next to its field and no result, never the previous one (htmx answers are
    200 so that htmx swaps them; the error paragraphs are swapped out of band)."""
    params = request.GET
    price_cents, subject = _financed_subject(params)
    if "months" in params:
        form = FinancingForm(params)
    elif price_cents is not None:
        form = FinancingForm(_prefilled(params, price_cents))
    else:
        terms = credit_defaults()
        form = FinancingForm(initial={"months": terms.months, "rate": terms.rate})
    plan = None
    ceiling = None
    if form.is_bound and form.is_valid():
        try:
            plan = _plan(form)
            ceiling = l314_6_usury_check(plan, day=timezone.localdate())
        except FinancingError as exc:
            plan = None
            form.add_error(None, str(exc))
    template = "orders/_financing_result.html" if request.htmx else "orders/financing.html"
    return render(
        request,
        template,
        {
            "form": form,
            "plan": plan,
            "usury": ceiling,
            "subject": subject,
            "legal_warning": LEGAL_WARNING,
            "simulation_notice": SIMULATION_NOTICE,
            "oob_errors": bool(request.htmx),
        },
        status=400 if form.is_bound and form.errors and not request.htmx else 200,
    )

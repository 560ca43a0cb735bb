"""Writes on orders: place one (stock or factory), pay its deposit, move it along its life,
handle its trade-in, withdraw.

Safety rules (docs/purchase.md):
- a stock vehicle is claimed by inventory's conditional UPDATE (available → reserved) in the same
  transaction as the order insert, and the partial unique index "one live order per vehicle"
  backs it in the database: two buyers can never both hold the car;
- every status change goes through ``Order.TRANSITIONS`` on a locked row and writes an
  ``OrderEvent``; the buyer's e-mail leaves after commit, through a task;
- the payment provider is never called inside a transaction: refunds run after the order's
  change is committed, and a failed refund stays visible on the payment, to be retried.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from autovitrine.catalog.selectors import model_with_versions
from autovitrine.core.codes import public_code
from autovitrine.core.mail import email_failure_note
from autovitrine.core.money import format_eur
from autovitrine.core.phones import french_phone_normalize
from autovitrine.dealers.selectors import dealer_by_id, dealer_can_deliver
from autovitrine.dealers.services import dealer_staff_notify
from autovitrine.inventory.selectors import (
    StockCondition,
    StockStatus,
    vehicle_by_id,
    vehicle_for_page,
)
from autovitrine.inventory.services import vehicle_set_status
from autovitrine.payments.selectors import PaymentReviewReason, PaymentStatus, payment_by_id
from autovitrine.payments.services import payment_refund, payment_return_unexpected, payment_start
from autovitrine.pricing.selectors import (
    BuiltCar,
    Quote,
    built_car_quote,
    factory_car,
    registration_postcode,
    stock_quote,
)
from autovitrine.tradein import services as tradein_services
from autovitrine.tradein.selectors import TradeInStatus, trade_in_by_id

from .models import Order, OrderEvent
from .selectors import possession_day
from .tasks import order_email_buyer
from .withdrawal import l221_18_can_withdraw, l221_18_withdrawal_deadline, l221_24_refund_due_by

if TYPE_CHECKING:
    from autovitrine.payments.models import Payment

DEPOSIT_PURPOSE = "order_deposit"
NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# Metropolitan France, Corsica (20) and overseas departments (971–976).
POSTCODE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-5])\d{3}$|^97[1-6]\d{2}$")
# A draft holds a stock car this long while its deposit is being paid.
DRAFT_LIFETIME = dt.timedelta(minutes=30)
# Unpaid drafts one account may keep at once: each holds a car, so one person cannot hide stock.
MAX_DRAFTS_PER_ACCOUNT = 2
# L216-1: without an agreed date the seller delivers within 30 days of the contract.
DEFAULT_DELIVERY_DAYS = 30
# The resale price a dealer may set on a trade-in entering its stock at handover (1 M€), the same
# on the order page and the production handover page.
TRADE_IN_RESALE_MAX_CENTS = 100_000_000
OPEN_STATUSES = (
    Order.Status.DRAFT,
    Order.Status.DEPOSIT_PAID,
    Order.Status.CONFIRMED,
    Order.Status.IN_PRODUCTION,
    Order.Status.READY,
)


@dataclass(frozen=True, slots=True)
class BuyerIdentity:
    first_name: str
    last_name: str
    email: str
    phone: str
    street: str
    postcode: str
    city: str


@dataclass(frozen=True, slots=True)
class FactorySpec:
    """A configuration to build: catalog codes (what a saved configuration holds)."""

    model_code: str
    version_code: str
    colour_code: str = ""
    option_codes: tuple[str, ...] = ()


# --- validation -----------------------------------------------------------------------------


def identity_validate(identity: BuyerIdentity) -> BuyerIdentity:
    """The identity normalized, or a ``ValidationError`` with a French message per field."""
    errors: dict[str, ValidationError] = {}
    values = {name: " ".join(str(getattr(identity, name)).split()) for name in identity.__slots__}
    required = {
        "first_name": _("Indiquez votre prénom."),
        "last_name": _("Indiquez votre nom."),
        "street": _("Indiquez votre adresse."),
        "city": _("Indiquez votre ville."),
    }
    for name, message in required.items():
        if not values[name]:
            errors[name] = ValidationError(message, code="required")
    email = values["email"].lower()
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = ValidationError(_("Saisissez une adresse e-mail valide."), code="email")
    phone = french_phone_normalize(values["phone"])
    if phone is None:
        errors["phone"] = ValidationError(
            _("Saisissez un numéro de téléphone français (ex. 06 12 34 56 78)."), code="phone"
        )
    postcode = values["postcode"].replace(" ", "")
    if not POSTCODE.match(postcode):
        errors["postcode"] = ValidationError(
            _("Code postal invalide : 5 chiffres (ex. 69007)."), code="postcode"
        )
    if errors:
        raise ValidationError(errors)
    assert phone is not None
    return replace(
        identity,
        first_name=values["first_name"][:80],
        last_name=values["last_name"][:80],
        email=email,
        phone=phone,
        street=values["street"][:200],
        postcode=postcode,
        city=values["city"][:100],
    )


def _sold_error() -> ValidationError:
    return ValidationError(
        _("Ce véhicule vient d'être réservé par un autre acheteur."), code="vehicle_taken"
    )


def _invalid_transition() -> ValidationError:
    return ValidationError(
        _("Cette action n'est plus possible pour cette commande."), code="invalid_transition"
    )


# --- placing an order -----------------------------------------------------------------------


def _existing(customer: Any, idempotency_key: str) -> Order | None:
    return Order.objects.filter(idempotency_key=idempotency_key, customer=customer).first()


def _new_number() -> str:
    # 65 bits (``core.codes``); numbers issued before (8 characters) stay valid.
    return "AV-" + public_code(NUMBER_ALPHABET)


def _check_draft_limit(customer: Any) -> None:
    drafts = Order.objects.filter(customer=customer, status=Order.Status.DRAFT).count()
    if drafts >= MAX_DRAFTS_PER_ACCOUNT:
        raise ValidationError(
            _(
                "Vous avez déjà %(count)d commandes en attente de paiement : payez ou annulez-en "
                "une avant d'en passer une autre."
            )
            % {"count": drafts},
            code="too_many_drafts",
        )


def _check_dealer(dealer_id: int, *, new_car: bool) -> None:
    if not dealer_can_deliver(dealer_id=dealer_id, new_car=new_car):
        raise ValidationError(
            {"dealer": _("Cette concession ne peut pas livrer ce véhicule.")}, code="dealer"
        )


def _order_insert(
    *,
    customer: Any,
    kind: str,
    number: str,
    dealer_id: int,
    identity: BuyerIdentity,
    quote: Quote,
    idempotency_key: str,
    stock_vehicle_id: int | None = None,
    **extra: Any,
) -> Order:
    order = Order.objects.create(
        number=number,
        kind=kind,
        customer=customer,
        dealer_id=dealer_id,
        stock_vehicle_id=stock_vehicle_id,
        vehicle_label=quote.vehicle_label,
        vehicle=quote.vehicle,
        first_name=identity.first_name,
        last_name=identity.last_name,
        email=identity.email,
        phone=identity.phone,
        street=identity.street,
        postcode=identity.postcode,
        city=identity.city,
        quote=quote.lines_json(),
        price_ht=quote.price.ht,
        vat_cents=quote.price.vat,
        price_ttc=quote.price.ttc,
        malus_cents=quote.malus_cents,
        registration_cents=quote.registration_cents,
        total_ttc=quote.total_ttc,
        deposit_cents=extra.pop("deposit_cents", quote.deposit_cents),
        commission_cents=quote.commission_cents,
        vat_scheme=quote.vat_scheme,
        purchase_price_cents=quote.purchase_price_cents,
        registration_collected=quote.registration_collected,
        delivery_by=quote.delivery_by,
        idempotency_key=idempotency_key,
        **extra,
    )
    event = OrderEvent.objects.create(order=order, to_status=order.status, by=customer)
    _notify(event)
    return order


def _attach_trade_in(order: Order, *, trade_in_id: int) -> None:
    trade_in = tradein_services.tradein_assign_dealer(
        trade_in_id=trade_in_id, customer_id=order.customer_id, dealer_id=order.dealer_id
    )
    order.trade_in = trade_in
    order.save(update_fields=["trade_in", "updated_at"])
    _note(
        order,
        _("Reprise ajoutée : %(car)s, estimée %(amount)s.")
        % {"car": trade_in.title, "amount": format_eur(trade_in.estimate_cents)},
        by=order.customer,
    )


def order_place_stock(
    *,
    customer: Any,
    vehicle_id: int,
    identity: BuyerIdentity,
    idempotency_key: str,
    dealer_id: int | None = None,
    trade_in_id: int | None = None,
    today: dt.date | None = None,
) -> Order:
    """Order a stock vehicle: it is reserved at once, or the buyer is told it is taken.

    A retried submit with the same key returns the first order, even when both raced.
    """
    identity = identity_validate(identity)
    if existing := _existing(customer, idempotency_key):
        return existing
    vehicle = vehicle_for_page(vehicle_id)
    if vehicle is None:
        raise ValidationError(_("Ce véhicule n'est plus en vente."), code="vehicle_missing")
    dealer_id = dealer_id or vehicle.dealer_id
    _check_dealer(dealer_id, new_car=vehicle.condition == StockCondition.NEW)
    _check_draft_limit(customer)
    number = _new_number()
    try:
        with transaction.atomic():
            claimed = vehicle_set_status(
                vehicle_id=vehicle.pk,
                to_status=StockStatus.RESERVED,
                expected_status=StockStatus.AVAILABLE,
                by=customer,
                reason=_("Commande %(number)s") % {"number": number},
            )
            quote = stock_quote(
                vehicle=claimed, postcode=identity.postcode, today=today or timezone.localdate()
            )
            order = _order_insert(
                customer=customer,
                kind=Order.Kind.STOCK,
                number=number,
                dealer_id=dealer_id,
                identity=identity,
                quote=quote,
                idempotency_key=idempotency_key,
                stock_vehicle_id=vehicle.pk,
            )
            if trade_in_id:
                _attach_trade_in(order, trade_in_id=trade_in_id)
    except (IntegrityError, ValidationError) as exc:
        # The same submit, retried while the first was running, finds the first one's order.
        if existing := _existing(customer, idempotency_key):
            return existing
        if isinstance(exc, ValidationError) and getattr(exc, "code", None) != "invalid_transition":
            raise
        raise _sold_error() from exc
    return order


def order_from_flash_purchase(
    *,
    reference: str,
    customer: Any,
    vehicle_id: int,
    dealer_id: int,
    price_ttc: int,
    deposit_payment_id: int,
    paid_at: dt.datetime,
) -> Order:
    """A paid flash-sale purchase is an order like any online sale: kind stock, the flash
    price, the delivering dealer, the deposit already paid (the contract is made), with its
    e-mails, documents, withdrawal right and tax lines. Calling again returns the same order."""
    key = f"flash-{reference}"
    if existing := _existing(customer, key):
        return existing
    vehicle = vehicle_by_id(vehicle_id)
    payment = payment_by_id(deposit_payment_id)
    identity = BuyerIdentity(
        first_name=customer.first_name or "",
        last_name=customer.last_name or "",
        email=customer.email,
        phone=getattr(customer, "phone", "") or "",
        street="",
        postcode=getattr(customer, "postcode", "") or "",
        city="",
    )
    quote = stock_quote(
        vehicle=vehicle,
        # The flash flow asks no address: the carte grise rate of the buyer's postcode if their
        # account has one, else the delivering dealer's region.
        postcode=registration_postcode(
            buyer_postcode=identity.postcode,
            dealer_postcode=dealer_by_id(dealer_id).postcode,
        ),
        today=timezone.localdate(paid_at),
        price_ttc=price_ttc,
    )
    try:
        with transaction.atomic():
            order = _order_insert(
                customer=customer,
                kind=Order.Kind.STOCK,
                number=_new_number(),
                dealer_id=dealer_id,
                identity=identity,
                quote=quote,
                idempotency_key=key,
                stock_vehicle_id=vehicle_id,
                flash_purchase_ref=reference,
                status=Order.Status.DEPOSIT_PAID,
                contract_at=paid_at,
                deposit_payment=payment,
                deposit_cents=payment.amount_cents,
            )
    except IntegrityError:
        if existing := _existing(customer, key):
            return existing
        raise
    return order


def order_place_factory(
    *,
    customer: Any,
    spec: FactorySpec,
    dealer_id: int,
    identity: BuyerIdentity,
    idempotency_key: str,
    trade_in_id: int | None = None,
    today: dt.date | None = None,
) -> Order:
    """Order a car built to a catalog configuration, its price, options and label frozen."""
    car_model = model_with_versions(spec.model_code)
    version = (
        next((v for v in car_model.versions.all() if v.code == spec.version_code), None)
        if car_model
        else None
    )
    if car_model is None or version is None:
        raise ValidationError(_("Cette version n'est plus au catalogue."), code="version")
    colours = {colour.code: colour for colour in car_model.colours.all()}
    options = {option.code: option for option in car_model.options.all()}
    unknown = [code for code in spec.option_codes if code not in options]
    if (spec.colour_code and spec.colour_code not in colours) or unknown:
        raise ValidationError(
            _("Cette configuration contient des éléments qui ne sont plus proposés."),
            code="configuration",
        )
    return order_place_built(
        customer=customer,
        car=factory_car(
            version=version,
            colour=colours.get(spec.colour_code),
            options=[options[code] for code in dict.fromkeys(spec.option_codes)],
        ),
        dealer_id=dealer_id,
        identity=identity,
        idempotency_key=idempotency_key,
        trade_in_id=trade_in_id,
        today=today,
    )


def order_place_built(
    *,
    customer: Any,
    car: BuiltCar,
    dealer_id: int,
    identity: BuyerIdentity,
    idempotency_key: str,
    trade_in_id: int | None = None,
    today: dt.date | None = None,
) -> Order:
    """Order a new car built to order (from the catalog or the configurator), its price lines,
    options and label frozen in the order."""
    identity = identity_validate(identity)
    if existing := _existing(customer, idempotency_key):
        return existing
    _check_dealer(dealer_id, new_car=True)
    _check_draft_limit(customer)
    quote = built_car_quote(
        car=car, postcode=identity.postcode, today=today or timezone.localdate()
    )
    try:
        with transaction.atomic():
            order = _order_insert(
                customer=customer,
                kind=Order.Kind.FACTORY,
                number=_new_number(),
                dealer_id=dealer_id,
                identity=identity,
                quote=quote,
                idempotency_key=idempotency_key,
            )
            if trade_in_id:
                _attach_trade_in(order, trade_in_id=trade_in_id)
    except IntegrityError:
        if existing := _existing(customer, idempotency_key):
            return existing
        raise
    return order


# --- status changes -------------------------------------------------------------------------


def _user(by: Any) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


def _notify(event: OrderEvent) -> None:
    transaction.on_commit(partial(order_email_buyer.enqueue, event.pk))


def _note(order: Order, note: str, *, by: Any = None, notify: bool = False) -> OrderEvent:
    """A timeline entry without a status change (trade-in offers, refunds)."""
    event = OrderEvent.objects.create(
        order=order, from_status=order.status, to_status=order.status, by=_user(by), note=note[:300]
    )
    if notify:
        _notify(event)
    return event


def _transition(
    order: Order, *, to_status: str, by: Any = None, note: str = "", **fields: Any
) -> Order:
    """Move a locked order along ``Order.TRANSITIONS``, write the event, e-mail the buyer."""
    if not Order.TRANSITIONS.allows(order.status, to_status):
        raise _invalid_transition()
    event = OrderEvent.objects.create(
        order=order, from_status=order.status, to_status=to_status, by=_user(by), note=note[:300]
    )
    order.status = to_status
    for name, value in fields.items():
        setattr(order, name, value)
    order.save()
    _notify(event)
    return order


def _locked(**filters: Any) -> Order:
    order = Order.objects.select_for_update().filter(**filters).first()
    if order is None:
        raise Order.DoesNotExist
    return order


def _release_vehicle(order: Order, *, by: Any = None) -> None:
    """Put the stock car back on sale; if the dealer already changed its status, leave it."""
    if order.stock_vehicle_id is None:
        return
    # A flash-sale car is marked sold when its deposit is paid; an online order's is reserved.
    held = StockStatus.SOLD if order.flash_purchase_ref else StockStatus.RESERVED
    with contextlib.suppress(ValidationError):
        vehicle_set_status(
            vehicle_id=order.stock_vehicle_id,
            to_status=StockStatus.AVAILABLE,
            expected_status=held,
            by=by,
            reason=_("Commande %(number)s terminée sans vente") % {"number": order.number},
        )


def _drop_trade_in(order: Order, *, by: Any = None) -> None:
    if order.trade_in_id is not None:
        tradein_services.tradein_cancel(
            trade_in_id=order.trade_in_id,
            by=by,
            note=_("Commande %(n)s terminée") % {"n": order.number},
        )


def _end_without_sale(order: Order, *, to_status: str, by: Any, reason: str) -> Order:
    _transition(order, to_status=to_status, by=by, note=reason, cancel_reason=reason[:300])
    _release_vehicle(order, by=by)
    _drop_trade_in(order, by=by)
    return order


def _refund_deposit(order: Order) -> Order:
    """After the order's change is committed: refund a paid deposit through the provider."""
    return _refund_withdrawal(order)


def order_refund_deposit(*, number: str) -> Order:
    """Refund (or retry refunding) the deposit of a cancelled or withdrawn order."""
    order = Order.objects.get(number=number)
    if order.status not in (Order.Status.CANCELLED, Order.Status.WITHDRAWN):
        raise _invalid_transition()
    return _refund_deposit(order)


def _tell_dealer_deposit_paid(order: Order, amount_cents: int) -> None:
    """The dealer learns of an online sale when the buyer commits, not when it next looks."""
    dealer_staff_notify(
        dealer_id=order.dealer_id,
        subject=_("Acompte payé : commande %(number)s à confirmer") % {"number": order.number},
        body=_(
            "Bonjour,\n\n%(buyer)s a payé l'acompte de %(amount)s pour %(vehicle)s "
            "(commande %(number)s).\nConfirmez la commande dans votre espace concession : "
            "%(url)s\n"
        )
        % {
            "buyer": order.buyer_name,
            "amount": format_eur(amount_cents),
            "vehicle": order.vehicle_label,
            "number": order.number,
            "url": settings.PUBLIC_BASE_URL.rstrip("/")
            + reverse("orders:dealer_detail", kwargs={"number": order.number}),
        },
    )


def order_on_deposit_payment(payment: Payment, previous_status: str) -> None:
    """Payments listener, inside the payment's transaction: a paid deposit makes the contract;
    a refused one ends the draft and frees the car; money arriving too late goes back."""
    order = Order.objects.select_for_update().filter(number=payment.reference).first()
    if order is None:
        return
    if payment.status == PaymentStatus.SUCCEEDED:
        if order.status == Order.Status.DRAFT:
            _transition(
                order,
                to_status=Order.Status.DEPOSIT_PAID,
                note=_("Acompte de %(amount)s reçu.")
                % {"amount": format_eur(payment.amount_cents)},
                contract_at=timezone.now(),
                deposit_payment=payment,
            )
            _tell_dealer_deposit_paid(order, payment.amount_cents)
        else:
            _note(order, _("Acompte reçu après l'annulation de la commande : il est remboursé."))
            payment_return_unexpected(
                payment_id=payment.pk,
                reason=PaymentReviewReason.PAID_TOO_LATE,
                detail=f"order {order.number}: {order.status}",
            )
    elif (
        payment.status == PaymentStatus.FAILED
        and order.status == Order.Status.DRAFT
        and order.deposit_payment_id in (None, payment.pk)
    ):
        # A refused card is not a change of mind: the draft (and its car) waits until it expires,
        # and the buyer may pay again, with a new payment (order_pay_deposit).
        _note(
            order,
            _("Paiement de l'acompte refusé : le véhicule reste réservé jusqu'à %(time)s.")
            % {"time": date_format(timezone.localtime(draft_expires_at(order)), "H:i")},
        )
    elif payment.status == PaymentStatus.REFUNDED:
        _note(
            order,
            _("Acompte de %(amount)s remboursé.")
            % {"amount": format_eur(payment.refunded_cents or payment.amount_cents)},
            notify=True,
        )


def order_pay_deposit(*, number: str, customer_id: int, return_url: str) -> Payment:
    """Open the deposit payment (again, with the same key, after a provider timeout)."""
    order = Order.objects.filter(number=number, customer_id=customer_id).first()
    if order is None:
        raise Order.DoesNotExist
    if order.status != Order.Status.DRAFT:
        raise ValidationError(
            _("L'acompte de cette commande n'est plus à payer."), code="deposit_not_due"
        )
    if timezone.now() >= draft_expires_at(order):
        raise ValidationError(
            _(
                "Le délai de paiement de cette commande est dépassé : le véhicule est remis en vente."
            ),
            code="draft_expired",
        )
    previous = payment_by_id(order.deposit_payment_id) if order.deposit_payment_id else None
    # One payment per attempt: the first keeps the order's key; after a refusal the next one is
    # keyed by the refused one, so a double click on "Réessayer" still opens a single payment.
    key = f"order-{order.number}-deposit"
    if previous is not None:
        key = previous.idempotency_key
        if previous.status == PaymentStatus.FAILED:
            key = f"order-{order.number}-deposit-after-{previous.pk}"
    payment = payment_start(
        purpose=DEPOSIT_PURPOSE,
        reference=order.number,
        amount_cents=order.deposit_cents,
        idempotency_key=key,
        return_url=return_url,
    )
    if previous is None:
        Order.objects.filter(pk=order.pk, deposit_payment__isnull=True).update(
            deposit_payment=payment
        )
    elif previous.pk != payment.pk:
        Order.objects.filter(
            pk=order.pk, status=Order.Status.DRAFT, deposit_payment_id=previous.pk
        ).update(deposit_payment=payment)
    return payment


def draft_expires_at(order: Order) -> dt.datetime:
    """Until when an unpaid order holds its car (and its deposit may be paid, again after a
    refusal); ``order_expire_drafts`` then cancels it."""
    return order.created_at + DRAFT_LIFETIME


@transaction.atomic
def order_confirm(*, number: str, dealer_id: int, by: Any) -> Order:
    order = _locked(number=number, dealer_id=dealer_id)
    return _transition(order, to_status=Order.Status.CONFIRMED, by=by)


def order_decline(*, number: str, dealer_id: int, by: Any, reason: str) -> Order:
    """The dealer declines a paid order, saying why: the car is released, the deposit refunded."""
    if not reason.strip():
        raise ValidationError({"reason": _("Indiquez le motif du refus.")}, code="reason")
    with transaction.atomic():
        order = _locked(number=number, dealer_id=dealer_id)
        if order.status != Order.Status.DEPOSIT_PAID:
            raise _invalid_transition()
        _end_without_sale(
            order,
            to_status=Order.Status.CANCELLED,
            by=by,
            reason=_("Refusée par la concession : %(reason)s") % {"reason": reason.strip()},
        )
    return _refund_deposit(order)


@transaction.atomic
def order_start_production(*, number: str, dealer_id: int | None = None, by: Any = None) -> Order:
    """A factory order enters production (pushed by the factory, or marked by its dealer)."""
    filters: dict[str, Any] = {"number": number, "kind": Order.Kind.FACTORY}
    if dealer_id is not None:
        filters["dealer_id"] = dealer_id
    order = _locked(**filters)
    return _transition(order, to_status=Order.Status.IN_PRODUCTION, by=by)


@transaction.atomic
def order_mark_ready(*, number: str, dealer_id: int, by: Any) -> Order:
    order = _locked(number=number, dealer_id=dealer_id)
    if order.kind == Order.Kind.FACTORY and order.status == Order.Status.CONFIRMED:
        raise ValidationError(
            _("La voiture n'est pas encore produite : elle ne peut pas être prête."),
            code="not_built",
        )
    return _transition(order, to_status=Order.Status.READY, by=by)


@transaction.atomic
def order_deliver(
    *,
    number: str,
    dealer_id: int,
    by: Any,
    trade_in_vin: str = "",
    trade_in_price_ttc: int | None = None,
    balance_means: str = Order.PaymentMeans.TRANSFER,
    now: dt.datetime | None = None,
) -> Order:
    """Hand the car over: the balance is received (by ``balance_means``), the stock car is sold,
    an accepted trade-in enters the dealer's stock. The withdrawal period starts (L221-18)."""
    if balance_means not in Order.PaymentMeans.values:
        raise ValidationError({"balance_means": _("Moyen de paiement inconnu.")}, code="means")
    order = _locked(number=number, dealer_id=dealer_id)
    if order.status != Order.Status.READY:
        raise _invalid_transition()
    if order.stock_vehicle_id is not None and not order.flash_purchase_ref:
        vehicle_set_status(
            vehicle_id=order.stock_vehicle_id,
            to_status=StockStatus.SOLD,
            by=by,
            reason=_("Livrée, commande %(number)s") % {"number": order.number},
        )
    if order.trade_in_id is not None:
        trade_in = trade_in_by_id(order.trade_in_id)
        if trade_in.status == TradeInStatus.ACCEPTED:
            tradein_services.tradein_receive(
                trade_in_id=trade_in.pk,
                dealer_id=dealer_id,
                by=by,
                vin=trade_in_vin,
                price_ttc=trade_in_price_ttc,
            )
        else:
            _drop_trade_in(order, by=by)
    return _transition(
        order,
        to_status=Order.Status.DELIVERED,
        by=by,
        delivered_at=now or timezone.now(),
        balance_paid_cents=order.balance_cents,
        balance_means=balance_means if order.balance_cents else "",
    )


def order_withdraw(*, number: str, customer_id: int, now: dt.datetime | None = None) -> Order:
    """The buyer's withdrawal right, online (L221-18, L221-21).

    Before delivery the order simply ends: the car goes back on sale and the deposit is refunded
    at once. After delivery, within 14 days of taking possession, the order is withdrawn and
    the car must come back: the refund of every sum paid is due within 14 days (L221-24) and is
    made when the dealer records the car's return.
    """
    now = now or timezone.now()
    with transaction.atomic():
        order = _locked(number=number, customer_id=customer_id)
        if order.status == Order.Status.DRAFT:
            raise ValidationError(
                _("Aucun acompte n'a été payé : vous pouvez simplement annuler la commande."),
                code="withdraw_draft",
            )
        if order.status not in Order.WITHDRAWABLE_STATUSES or order.contract_at is None:
            raise ValidationError(
                _("Cette commande ne peut plus faire l'objet d'une rétractation en ligne."),
                code="withdraw_status",
            )
        taken = possession_day(order)
        if not l221_18_can_withdraw(possession_day=taken, today=timezone.localdate(now)):
            assert taken is not None
            raise ValidationError(
                _(
                    "Le délai de rétractation de 14 jours a expiré le %(date)s. "
                    "Contactez votre concession."
                )
                % {"date": date_format(l221_18_withdrawal_deadline(taken), "j F Y")},
                code="withdraw_late",
            )
        refund_due = l221_24_refund_due_by(timezone.localdate(now))
        if taken is None:
            _end_without_sale(
                order,
                to_status=Order.Status.WITHDRAWN,
                by=order.customer,
                reason=_("Rétractation de l'acheteur."),
            )
            order.withdrawn_at, order.refund_due_by = now, refund_due
            order.save(update_fields=["withdrawn_at", "refund_due_by", "updated_at"])
        else:
            _transition(
                order,
                to_status=Order.Status.WITHDRAWN,
                by=order.customer,
                note=_(
                    "Rétractation de l'acheteur après livraison : le véhicule doit être restitué "
                    "à la concession ; remboursement au plus tard le %(date)s."
                )
                % {"date": date_format(refund_due, "j F Y")},
                cancel_reason=_("Rétractation de l'acheteur."),
                withdrawn_at=now,
                refund_due_by=refund_due,
            )
            return order
    return _refund_withdrawal(order)


def order_record_return(
    *,
    number: str,
    dealer_id: int,
    by: Any,
    mileage_km: int,
    condition: str,
    reduced_value_cents: int = 0,
    reduced_value_reason: str = "",
    now: dt.datetime | None = None,
) -> Order:
    """The dealer records the withdrawn car's return (mileage, condition) and, if the buyer
    handled it beyond what was needed to check it, the reduced value kept with its reason
    (L221-23); every other sum paid is then refunded (L221-24)."""
    errors: dict[str, str] = {}
    if mileage_km < 0:
        errors["mileage_km"] = _("Indiquez le kilométrage relevé au retour.")
    if not condition.strip():
        errors["condition"] = _("Décrivez l'état du véhicule au retour.")
    if reduced_value_cents < 0:
        errors["reduced_value"] = _("La dépréciation ne peut pas être négative.")
    if reduced_value_cents and not reduced_value_reason.strip():
        errors["reduced_value_reason"] = _(
            "Indiquez le motif de la dépréciation (manipulations au-delà de l'essai nécessaire, "
            "art. L221-23 du Code de la consommation)."
        )
    if errors:
        raise ValidationError(errors, code="return_invalid")
    with transaction.atomic():
        order = _locked(number=number, dealer_id=dealer_id)
        if (
            order.status != Order.Status.WITHDRAWN
            or order.delivered_at is None
            or order.returned_at is not None
        ):
            raise _invalid_transition()
        if reduced_value_cents > order.paid_cents:
            raise ValidationError(
                {
                    "reduced_value": _("La dépréciation dépasse les sommes versées (%(paid)s).")
                    % {"paid": format_eur(order.paid_cents)}
                },
                code="return_invalid",
            )
        order.returned_at = now or timezone.now()
        order.return_mileage_km = mileage_km
        order.return_condition = condition.strip()[:500]
        order.reduced_value_cents = reduced_value_cents
        order.reduced_value_reason = reduced_value_reason.strip()[:300]
        order.save()
        note = _("Véhicule restitué : %(km)s km, %(condition)s.") % {
            "km": mileage_km,
            "condition": order.return_condition,
        }
        if reduced_value_cents:
            note += " " + _("Dépréciation retenue : %(amount)s (%(reason)s).") % {
                "amount": format_eur(reduced_value_cents),
                "reason": order.reduced_value_reason,
            }
        _note(order, note, by=by, notify=True)
        if order.stock_vehicle_id is not None:
            with contextlib.suppress(ValidationError):
                vehicle_set_status(
                    vehicle_id=order.stock_vehicle_id,
                    to_status=StockStatus.AVAILABLE,
                    expected_status=StockStatus.SOLD,
                    by=by,
                    reason=_("Restitué après rétractation, commande %(n)s") % {"n": order.number},
                )
    return _refund_withdrawal(order)


def _refund_withdrawal(order: Order) -> Order:
    """After commit: refund every sum paid, less the reduced value (L221-23, L221-24), each
    with its own means of payment. The deposit goes back through the payment provider; the
    balance, paid at the dealer, is refunded by the dealer by the same means, recorded here."""
    due = order.paid_cents - order.reduced_value_cents
    # The reduced value is kept on the balance first, then on the deposit.
    balance_refund = max(0, order.balance_paid_cents - order.reduced_value_cents)
    deposit_refund = max(0, due - balance_refund)
    refunded = 0
    if deposit_refund and order.deposit_payment_id is not None:
        payment = payment_by_id(order.deposit_payment_id)
        if payment.status == PaymentStatus.SUCCEEDED:
            payment = payment_refund(payment_id=payment.pk, amount_cents=deposit_refund)
        if payment.status == PaymentStatus.REFUNDED:
            refunded += payment.refunded_cents or payment.amount_cents
            if payment.purpose != DEPOSIT_PURPOSE:  # the orders listener did not see it
                _note(
                    order,
                    _("Acompte de %(amount)s remboursé.")
                    % {"amount": format_eur(payment.refunded_cents or payment.amount_cents)},
                    notify=True,
                )
    if balance_refund:
        refunded += balance_refund
        _note(
            order,
            _(
                "Solde de %(amount)s remboursé par la concession (%(means)s, même moyen de paiement)."
            )
            % {
                "amount": format_eur(balance_refund),
                "means": Order.PaymentMeans(order.balance_means or "transfer").label,
            },
            notify=True,
        )
    Order.objects.filter(pk=order.pk).update(
        refunded_cents=refunded, refunded_at=timezone.now() if refunded else None
    )
    order.refresh_from_db()
    return order


@transaction.atomic
def order_cancel_draft(*, number: str, customer_id: int) -> Order:
    """The buyer abandons an order before paying: the car goes back on sale at once."""
    order = _locked(number=number, customer_id=customer_id)
    if order.status != Order.Status.DRAFT:
        raise _invalid_transition()
    return _end_without_sale(
        order,
        to_status=Order.Status.CANCELLED,
        by=order.customer,
        reason=_("Annulée par l'acheteur."),
    )


def order_expire_drafts(*, now: dt.datetime | None = None) -> int:
    """Cancel drafts whose deposit was not paid in time, releasing their cars; returns how many."""
    cutoff = (now or timezone.now()) - DRAFT_LIFETIME
    numbers = list(
        Order.objects.filter(status=Order.Status.DRAFT, created_at__lt=cutoff).values_list(
            "number", flat=True
        )
    )
    expired = 0
    for number in numbers:
        with transaction.atomic():
            order = (
                Order.objects.select_for_update()
                .filter(number=number, status=Order.Status.DRAFT)
                .first()
            )
            if order is None:  # paid or cancelled meanwhile
                continue
            _end_without_sale(
                order,
                to_status=Order.Status.CANCELLED,
                by=None,
                reason=_("Acompte non payé dans le délai : véhicule remis en vente."),
            )
            expired += 1
    return expired


# --- trade-in within the order --------------------------------------------------------------


def _open_order(**filters: Any) -> Order:
    order = _locked(**filters)
    if order.status not in OPEN_STATUSES:
        raise _invalid_transition()
    return order


@transaction.atomic
def order_trade_in_attach(*, number: str, customer_id: int, trade_in_id: int) -> Order:
    order = _open_order(number=number, customer_id=customer_id)
    if order.trade_in_id is not None:
        raise ValidationError(
            _("Une reprise est déjà associée à cette commande."), code="tradein_present"
        )
    _attach_trade_in(order, trade_in_id=trade_in_id)
    return order


@transaction.atomic
def order_trade_in_offer(
    *, number: str, dealer_id: int, by: Any, amount_cents: int | None = None, note: str = ""
) -> Order:
    """The delivering dealer confirms the estimate as its offer, or revises it with a reason."""
    order = _open_order(number=number, dealer_id=dealer_id)
    if order.trade_in_id is None:
        raise _invalid_transition()
    trade_in = tradein_services.tradein_make_offer(
        trade_in_id=order.trade_in_id,
        dealer_id=dealer_id,
        by=by,
        amount_cents=amount_cents,
        note=note,
    )
    assert trade_in.offer_cents is not None
    text = _("Offre de reprise de la concession : %(amount)s.") % {
        "amount": format_eur(trade_in.offer_cents)
    }
    _note(order, f"{text} {trade_in.offer_note}".strip(), by=by, notify=True)
    return order


@transaction.atomic
def order_trade_in_accept(*, number: str, customer_id: int) -> Order:
    """The buyer accepts the offer: it is deducted from the balance."""
    order = _open_order(number=number, customer_id=customer_id)
    if order.trade_in_id is None:
        raise _invalid_transition()
    trade_in = tradein_services.tradein_accept(
        trade_in_id=order.trade_in_id, customer_id=customer_id
    )
    order.trade_in_cents = trade_in.offer_cents or 0
    order.save(update_fields=["trade_in_cents", "updated_at"])
    _note(
        order,
        _("Offre de reprise acceptée : %(amount)s déduits du solde.")
        % {"amount": format_eur(order.trade_in_cents)},
        by=order.customer,
    )
    return order


@transaction.atomic
def order_trade_in_decline(*, number: str, customer_id: int) -> Order:
    order = _open_order(number=number, customer_id=customer_id)
    if order.trade_in_id is None:
        raise _invalid_transition()
    tradein_services.tradein_decline(trade_in_id=order.trade_in_id, customer_id=customer_id)
    order.trade_in_cents = 0
    order.save(update_fields=["trade_in_cents", "updated_at"])
    _note(order, _("Offre de reprise refusée par l'acheteur."), by=order.customer)
    return order


def order_record_email_failure(*, order_id: int, recipient: str, what: str, error: str) -> None:
    """Write on the order's timeline that one of its e-mails did not leave, so the dealer sees it
    (badge in its list) and tells the buyer by other means."""
    order = Order.objects.filter(pk=order_id).only("status").first()
    if order is None:
        return
    note = email_failure_note(what=what, recipient=recipient, error=error)
    OrderEvent.objects.create(
        order=order,
        from_status=order.status,
        to_status=order.status,
        note=note[:300],
        email_failed=True,
    )

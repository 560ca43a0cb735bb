"""Reads on orders: a buyer's own, a dealer's own, the dealers that can deliver, deadlines."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet, Sum
from django.dispatch import Signal
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from autovitrine.catalog.selectors import EnvironmentalLabel, label_for
from autovitrine.pricing.selectors import (
    BUYER_EXEMPTIONS_NOTE,
    QuoteLine,
    department_of,
    l216_1_delivery_by,
    planned_factory_delivery,
    registration_postcode,
    stock_quote,
)

from .models import Order, OrderEvent
from .withdrawal import l221_18_can_withdraw, l221_18_withdrawal_deadline

if TYPE_CHECKING:
    from autovitrine.dealers.models import Dealer
    from autovitrine.inventory.models import StockVehicle

WITHDRAWAL_DAYS = 14

logger = logging.getLogger(__name__)

# Apps above orders credit what the car includes (the community: the ideas it adopted) on the
# buyer's order page and order form, orders knowing none of them: each receiver of
# ``order_credits_requested`` (``order=``) answers a list of sentences.
order_credits_requested = Signal()


def order_credits(order: Order) -> list[str]:
    """The credits of an order's car; a failing receiver is logged and leaves the others."""
    lines: list[str] = []
    for receiver, answer in order_credits_requested.send_robust(sender=Order, order=order):
        if isinstance(answer, Exception):
            logger.error("order_credits_requested: %r failed", receiver, exc_info=answer)
        else:
            lines += answer
    return lines


def _with_relations(qs: QuerySet[Order]) -> QuerySet[Order]:
    return qs.select_related(
        "dealer", "stock_vehicle", "trade_in", "deposit_payment"
    ).prefetch_related(Prefetch("events", queryset=OrderEvent.objects.order_by("created_at", "id")))


def customer_orders(*, customer_id: int) -> QuerySet[Order]:
    return Order.objects.filter(customer_id=customer_id).select_related("dealer")


def customer_order(*, number: str, customer_id: int) -> Order | None:
    """One of the buyer's own orders; another buyer's order is simply not found."""
    return _with_relations(Order.objects.filter(number=number, customer_id=customer_id)).first()


# Confirmed orders the dealer still has to hand over: the "deliveries to prepare" of its day.
TO_DELIVER_STATUSES = (
    Order.Status.CONFIRMED,
    Order.Status.IN_PRODUCTION,
    Order.Status.READY,
)
# The dealer's list filter that stands for all of them.
TO_DELIVER_FILTER = "a-livrer"
# Statuses in which the dealer may still appraise (offer for) the buyer's trade-in.
TRADE_IN_OPEN_ORDER_STATUSES = (
    Order.Status.DRAFT,
    Order.Status.DEPOSIT_PAID,
    Order.Status.CONFIRMED,
    Order.Status.IN_PRODUCTION,
    Order.Status.READY,
)


def dealer_orders(*, dealer_id: int, status: str | None = None) -> QuerySet[Order]:
    """The orders a dealer delivers; always scoped to that dealer. ``status`` is one status or
    ``TO_DELIVER_FILTER``. ``email_failed``: one of the order's e-mails could not be sent."""
    failed = OrderEvent.objects.filter(order=OuterRef("pk"), email_failed=True)
    qs = (
        Order.objects.filter(dealer_id=dealer_id)
        .select_related("trade_in")
        .annotate(email_failed=Exists(failed))
    )
    if status == TO_DELIVER_FILTER:
        qs = qs.filter(status__in=TO_DELIVER_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def dealer_order_counts(*, dealer_id: int) -> dict[str, int]:
    """How many of a dealer's orders are in each status (every status present)."""
    counts = dict.fromkeys(Order.Status.values, 0)
    rows = (
        Order.objects.filter(dealer_id=dealer_id)
        .order_by()
        .values("status")
        .annotate(total=Count("id"))
    )
    for row in rows:
        counts[row["status"]] = row["total"]
    return counts


def dealer_orders_with_trade_in_to_appraise(*, dealer_id: int) -> QuerySet[Order]:
    """The dealer's open orders whose trade-in still waits for its offer (or a revised one)."""
    return (
        Order.objects.filter(
            dealer_id=dealer_id,
            status__in=TRADE_IN_OPEN_ORDER_STATUSES,
            trade_in__status__in=["estimated", "declined"],
        )
        .select_related("trade_in")
        .order_by("created_at", "id")
    )


def order_by_number(*, number: str) -> Order | None:
    """Any order by its number, for apps that check access themselves (production tracking:
    the buyer, the delivering dealer's staff and head office)."""
    return Order.objects.filter(number=number).select_related("dealer").first()


def orders_by_numbers(*, numbers: Iterable[str]) -> dict[str, Order]:
    """``order_by_number`` for many numbers in one query (production's batches of events)."""
    return {
        order.number: order
        for order in Order.objects.filter(number__in=set(numbers)).select_related("dealer")
    }


def dealer_order(*, number: str, dealer_id: int) -> Order | None:
    return _with_relations(Order.objects.filter(number=number, dealer_id=dealer_id)).first()


def dealer_commissions_cents(*, dealer_id: int) -> int:
    """Commissions earned: those of the dealer's delivered orders."""
    total = Order.objects.filter(dealer_id=dealer_id, status=Order.Status.DELIVERED).aggregate(
        total=Sum("commission_cents")
    )["total"]
    return total or 0


def possession_day(order: Order) -> dt.date | None:
    """The day the buyer took possession of the car (L221-18 2°), ``None`` before delivery."""
    return timezone.localdate(order.delivered_at) if order.delivered_at else None


def can_withdraw(order: Order, *, now: dt.datetime | None = None) -> bool:
    if order.status not in Order.WITHDRAWABLE_STATUSES or order.contract_at is None:
        return False
    return l221_18_can_withdraw(
        possession_day=possession_day(order), today=timezone.localdate(now or timezone.now())
    )


def withdrawal_deadline(order: Order) -> dt.date | None:
    """The exact last day once the car is delivered; ``None`` before (the 14 days have not
    started: L221-18 2°)."""
    taken = possession_day(order)
    return l221_18_withdrawal_deadline(taken) if taken else None


def withdrawal_rule_text(order: Order) -> str:
    """The withdrawal rule as it applies to this order, for its page, its PDF and its e-mails."""
    delivered = possession_day(order)
    deadline = withdrawal_deadline(order)
    if order.status == Order.Status.WITHDRAWN:
        return _("Vous avez exercé votre droit de rétractation.")
    if delivered is None or deadline is None:
        return _(
            "Droit de rétractation : vous pouvez vous rétracter sans motif dès maintenant et "
            "jusqu'à 14 jours après la prise de possession du véhicule (art. L221-18 du Code "
            "de la consommation) ; le délai qui finit un samedi, un dimanche ou un jour férié "
            "est prolongé jusqu'au jour ouvrable suivant. Un véhicule déjà livré est restitué "
            "à la concession au plus tard 14 jours après votre décision (art. L221-23). Toutes "
            "les sommes versées vous sont remboursées dans les 14 jours, par le même moyen de "
            "paiement (art. L221-24)."
        )
    return _(
        "Droit de rétractation : véhicule livré le %(delivered)s ; vous pouvez vous rétracter "
        "sans motif jusqu'au %(deadline)s inclus (art. L221-18 du Code de la consommation), puis "
        "restituer le véhicule à la concession au plus tard 14 jours après votre décision "
        "(art. L221-23). Toutes les sommes versées vous sont remboursées "
        "dans les 14 jours, par le même moyen de paiement, sous déduction d'une éventuelle "
        "dépréciation due à des manipulations autres que celles nécessaires pour vérifier le "
        "véhicule (art. L221-23 et L221-24)."
    ) % {
        "delivered": date_format(delivered, "j F Y"),
        "deadline": date_format(deadline, "l j F Y"),
    }


MARGIN_SCHEME_MENTION = "TVA sur la marge – art. 297 A du CGI"
REGISTRATION_CODES = ("malus", "weight_malus", "registration")


@dataclass(frozen=True, slots=True)
class TotalsRow:
    kind: str  # line, total, minus, balance, outside
    label: str
    ttc: int
    ht: int | None = None
    vat: int | None = None
    code: str = ""


def order_totals(order: Order) -> list[TotalsRow]:
    """The order's price as rows that add up: each line (the car's base price first), the
    contract total, the deposit and trade-in deducted, the balance; registration taxes the
    seller does not collect come after, as lines of their own outside the total. The page and
    the PDF both print these rows."""
    inside, outside = [], []
    for line in order.quote:
        row = TotalsRow(
            kind="line",
            label=line["label"],
            ttc=line["ttc"],
            ht=line["ht"],
            vat=line["vat"],
            code=line["code"],
        )
        if line["code"] in REGISTRATION_CODES and not order.registration_collected:
            outside.append(TotalsRow(kind="outside", label=row.label, ttc=row.ttc, code=row.code))
        else:
            inside.append(row)
    rows = [*inside, TotalsRow(kind="total", label=_("Total TTC du contrat"), ttc=order.total_ttc)]
    rows.append(
        TotalsRow(
            kind="minus",
            label=_("Acompte payé") if order.contract_at else _("Acompte à payer"),
            ttc=order.deposit_cents,
            code="deposit",
        )
    )
    if order.trade_in_cents:
        rows.append(
            TotalsRow(
                kind="minus",
                label=_("Reprise (offre acceptée)"),
                ttc=order.trade_in_cents,
                code="trade_in",
            )
        )
    rows.append(TotalsRow(kind="balance", label=_("Solde à la livraison"), ttc=order.balance_cents))
    rows += outside
    return rows


@dataclass(frozen=True, slots=True)
class SellerIdentity:
    """Who sells (L221-5 1° and L111-1 4° Code de la consommation: identity, address, contact;
    R123-237 Code de commerce: legal form, capital, RCS number)."""

    trade_name: str
    company_name: str
    legal_form: str
    share_capital_eur: int | None
    rcs: str
    address: str
    vat_number: str
    phone: str = ""
    email: str = ""

    def lines(self) -> list[str]:
        head = ", ".join(
            filter(
                None,
                [
                    self.company_name or self.trade_name,
                    self.legal_form,
                    _("au capital de %(c)s €")
                    % {"c": f"{self.share_capital_eur:,}".replace(",", " ")}
                    if self.share_capital_eur
                    else "",
                ],
            )
        )
        rows = [head]
        if self.company_name and self.company_name != self.trade_name:
            rows.append(_("Enseigne : %(n)s") % {"n": self.trade_name})
        rows.append(self.address)
        rows.append(
            " · ".join(
                filter(
                    None,
                    [self.rcs, _("TVA %(n)s") % {"n": self.vat_number} if self.vat_number else ""],
                )
            )
        )
        rows.append(" · ".join(filter(None, [self.phone, self.email])))
        return [row for row in rows if row]


def dealer_seller_identity(dealer: Dealer) -> SellerIdentity:
    return SellerIdentity(
        trade_name=dealer.name,
        company_name=dealer.company_name,
        legal_form=dealer.legal_form,
        share_capital_eur=dealer.share_capital_eur,
        rcs=dealer.rcs,
        address=f"{dealer.street}, {dealer.postcode} {dealer.city}",
        vat_number=dealer.vat_number,
        phone=dealer.phone,
        email=dealer.email,
    )


def brand_identity() -> SellerIdentity:
    """The brand operating the site (settings.SELLER_BRAND)."""
    data: dict[str, Any] = settings.SELLER_BRAND
    return SellerIdentity(
        trade_name=settings.SITE_NAME,
        company_name=data["company_name"],
        legal_form=data["legal_form"],
        share_capital_eur=data["share_capital_eur"],
        rcs=data["rcs"],
        address=data["address"],
        vat_number=data["vat_number"],
    )


def seller_identity(order: Order) -> SellerIdentity:
    return dealer_seller_identity(order.dealer)


def delivery_text(*, kind: str, delivery_by: dt.date | None) -> str:
    """L216-1: the date or deadline the seller commits to; a factory order states its week."""
    if delivery_by is None:
        return ""
    if kind == Order.Kind.FACTORY:
        monday = delivery_by - dt.timedelta(days=delivery_by.weekday())
        return _(
            "Commande usine : livraison prévue la semaine du %(monday)s (semaine %(week)d), "
            "au plus tard le %(last)s (art. L216-1 du Code de la consommation)."
        ) % {
            "monday": date_format(monday, "j F Y"),
            "week": delivery_by.isocalendar().week,
            "last": date_format(delivery_by, "j F Y"),
        }
    return _(
        "Véhicule livré au plus tard le %(last)s, 30 jours après la commande faute d'autre "
        "date convenue (art. L216-1 du Code de la consommation)."
    ) % {"last": date_format(delivery_by, "j F Y")}


def precontract_context(
    *, dealer: Dealer | None, kind: str, today: dt.date, order: Order | None = None
) -> dict[str, object]:
    """What every checkout page and order page shows before the contract (L221-5, L111-1)."""
    if order is not None:
        delivery = delivery_text(kind=order.kind, delivery_by=order.delivery_by)
        rule = withdrawal_rule_text(order)
    else:
        planned = (
            planned_factory_delivery(today)
            if kind == Order.Kind.FACTORY
            else l216_1_delivery_by(today)
        )
        delivery = delivery_text(kind=kind, delivery_by=planned)
        rule = withdrawal_rule_text(Order(status=Order.Status.DRAFT))
    return {
        "seller": dealer_seller_identity(dealer) if dealer is not None else None,
        "brand": brand_identity(),
        "mediator": consumer_mediator(dealer),
        "delivery_text": delivery,
        "withdrawal_rule": rule,
    }


def consumer_mediator(dealer: Dealer | None = None) -> dict[str, str]:
    """L616-1: « le professionnel communique au consommateur [...] les coordonnées du ou des
    médiateurs compétents dont il relève »: the selling dealer's mediator when it names one, else
    the brand's (``settings.CONSUMER_MEDIATOR``). ``contact``: the coordinates known (postal
    address, website), never a placeholder."""
    if dealer is not None and dealer.mediator_name:
        mediator = {
            "name": dealer.mediator_name,
            "address": dealer.mediator_address,
            "url": dealer.mediator_url,
        }
    else:
        mediator = {key: str(value) for key, value in settings.CONSUMER_MEDIATOR.items()}
    mediator["contact"] = ", ".join(
        part for part in (mediator.get("address", ""), mediator.get("url", "")) if part
    )
    return mediator


# An order's statuses, for the pages that compose orders with other apps' data.
OrderStatus = Order.Status
OrderKind = Order.Kind


@dataclass(frozen=True, slots=True)
class SaleTaxes:
    """What a sale page shows before the order: the environmental label (without its malus),
    then the taxes due at registration as lines (CO2 malus, weight malus, carte grise
    estimate), the malus notice when a scale change falls before the registration, and whose
    region the carte grise estimate uses."""

    label: EnvironmentalLabel | None
    lines: tuple[QuoteLine, ...]
    notice: str
    region_of_dealer: bool
    collected_by_seller: bool = True  # else paid at registration, outside the contract total

    @property
    def exemptions_note(self) -> str:
        return (
            str(BUYER_EXEMPTIONS_NOTE)
            if any(line.code == "weight_malus" for line in self.lines)
            else ""
        )


def sale_taxes(
    *,
    vehicle: StockVehicle,
    price_ttc: int,
    buyer_postcode: str,
    dealer_postcode: str,
    today: dt.date | None = None,
) -> SaleTaxes:
    """The taxes of a stock car sold at ``price_ttc`` (a flash price), computed like an
    order's (``pricing.stock_quote``): one rule, the same figures before and after ordering."""
    today = today or timezone.localdate()
    postcode = registration_postcode(buyer_postcode=buyer_postcode, dealer_postcode=dealer_postcode)
    quote = stock_quote(vehicle=vehicle, postcode=postcode, today=today, price_ttc=price_ttc)
    version = getattr(vehicle, "version", None)
    co2 = getattr(vehicle, "co2_g_km", None)
    label = (
        label_for(version=version, co2_g_km=co2, scale=None)
        if version is not None or co2 is not None
        else None
    )
    return SaleTaxes(
        label=label,
        lines=tuple(line for line in quote.lines if line.code in REGISTRATION_CODES),
        notice=str(quote.vehicle.get("malus_notice", "")),
        region_of_dealer=department_of(buyer_postcode or "") is None,
        collected_by_seller=quote.registration_collected,
    )

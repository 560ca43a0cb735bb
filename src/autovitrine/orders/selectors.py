"""Reads on orders: a buyer's own, a dealer's own, the dealers that can deliver, deadlines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.utils import timezone

from autovitrine.core.places import haversine_km, resolve_place
from autovitrine.dealers.models import Dealer

from .models import Order, OrderEvent

WITHDRAWAL_DAYS = 14


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
    ``TO_DELIVER_FILTER``."""
    qs = Order.objects.filter(dealer_id=dealer_id).select_related("trade_in")
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


def dealer_order(*, number: str, dealer_id: int) -> Order | None:
    return _with_relations(Order.objects.filter(number=number, dealer_id=dealer_id)).first()


def dealer_commissions_cents(*, dealer_id: int) -> int:
    """Commissions earned: those of the dealer's delivered orders."""
    total = Order.objects.filter(dealer_id=dealer_id, status=Order.Status.DELIVERED).aggregate(
        total=Sum("commission_cents")
    )["total"]
    return total or 0


def withdrawal_deadline(contract_at: dt.datetime) -> dt.date:
    """Last day to withdraw: 14 days after the contract day; a deadline falling on a Saturday
    or Sunday moves to the next Monday (art. L221-19 Code de la consommation)."""
    deadline = timezone.localdate(contract_at) + dt.timedelta(days=WITHDRAWAL_DAYS)
    if deadline.weekday() >= 5:
        deadline += dt.timedelta(days=7 - deadline.weekday())
    return deadline


def can_withdraw(order: Order, *, now: dt.datetime | None = None) -> bool:
    if order.status not in Order.WITHDRAWABLE_STATUSES or order.contract_at is None:
        return False
    return timezone.localdate(now or timezone.now()) <= withdrawal_deadline(order.contract_at)


@dataclass(frozen=True, slots=True)
class DealerChoice:
    dealer: Dealer
    distance_km: float | None


def _delivering_dealers(*, new_car: bool) -> QuerySet[Dealer]:
    # Read-only use of the dealer network until the dealers app exposes a "nearest" selector.
    dealers = Dealer.objects.filter(is_active=True)
    return dealers.filter(sells_new=True) if new_car else dealers.filter(sells_used=True)


def dealer_can_deliver(*, dealer_id: int, new_car: bool) -> bool:
    return _delivering_dealers(new_car=new_car).filter(pk=dealer_id).exists()


def delivering_dealer_choices(
    *, postcode: str, new_car: bool, include_dealer_id: int | None = None, limit: int = 8
) -> list[DealerChoice]:
    """Active dealers able to deliver the car, nearest to the buyer's postcode first; the
    dealer ``include_dealer_id`` (the stock vehicle's own) is always in the list."""
    dealers = list(_delivering_dealers(new_car=new_car))
    place = resolve_place(postcode) if postcode else None
    if place is None:
        choices = [DealerChoice(dealer, None) for dealer in sorted(dealers, key=lambda d: d.name)]
    else:
        choices = sorted(
            (
                DealerChoice(
                    dealer,
                    haversine_km(
                        place.latitude, place.longitude, dealer.latitude, dealer.longitude
                    ),
                )
                for dealer in dealers
            ),
            key=lambda choice: (choice.distance_km, choice.dealer.name),
        )
    kept = choices[:limit]
    if include_dealer_id is not None and all(c.dealer.pk != include_dealer_id for c in kept):
        kept += [c for c in choices if c.dealer.pk == include_dealer_id]
    return kept

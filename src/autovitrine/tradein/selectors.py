"""Reads on trade-ins: the rule in force, a buyer's own trade-ins, a dealer's."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from autovitrine.inventory.selectors import used_asking_prices

from .models import ReferencePrice, TradeIn, ValuationRule
from .valuation import Market, Reference, RuleData, fold

# Comparable cars: registered up to this many years before or after the buyer's.
MARKET_YEARS = 1


def active_rule() -> ValuationRule | None:
    return ValuationRule.objects.filter(is_active=True).first()


def rule_data(rule: ValuationRule) -> RuleData:
    return RuleData(
        base_values=dict(rule.base_values),
        energy_coefficients_bp=dict(rule.energy_coefficients_bp),
        yearly_depreciation_bp=rule.yearly_depreciation_bp,
        mileage_depreciation_bp_per_10k=rule.mileage_depreciation_bp_per_10k,
        max_mileage_depreciation_bp=rule.max_mileage_depreciation_bp,
        condition_coefficients_bp=dict(rule.condition_coefficients_bp),
        floor_cents=rule.floor_cents,
    )


def reference_for(*, segment: str, make: str, model_label: str, version: str) -> Reference | None:
    """The most precise new price head office recorded: the version (its words found in what the
    buyer typed), the model, the make in the segment, else the segment's; ``None`` if none."""
    rows = list(
        ReferencePrice.objects.filter(is_active=True).filter(
            Q(make="") | Q(make__iexact=make.strip())
        )
    )
    wanted_make, wanted_model, wanted_version = fold(make), fold(model_label), fold(version)
    best: tuple[int, ReferencePrice] | None = None
    for row in rows:
        if row.make and fold(row.make) != wanted_make:
            continue
        if row.model_label and fold(row.model_label) != wanted_model:
            continue
        if row.version_label and fold(row.version_label) not in wanted_version:
            continue
        if not row.model_label and row.segment != segment:
            continue  # a make's or a segment's price holds for its segment only
        rank = 3 if row.version_label else 2 if row.model_label else 1 if row.make else 0
        if best is None or rank > best[0]:
            best = (rank, row)
    if best is None:
        return None
    rank, row = best
    level = ("segment", "make", "model", "version")[rank]
    label = str(row) if rank else str(row.get_segment_display()).lower()
    return Reference(row.new_price_cents, level, label)


def market_for(*, make: str, model_label: str, year: int) -> Market:
    return Market(
        tuple(
            used_asking_prices(
                make=make,
                model_label=model_label,
                year_from=year - MARKET_YEARS,
                year_to=year + MARKET_YEARS,
            )
        )
    )


def customer_trade_ins(*, customer_id: int) -> QuerySet[TradeIn]:
    return TradeIn.objects.filter(customer_id=customer_id).prefetch_related("photos")


def customer_trade_in(*, trade_in_id: int, customer_id: int) -> TradeIn | None:
    return customer_trade_ins(customer_id=customer_id).filter(pk=trade_in_id).first()


def dealer_trade_in(*, trade_in_id: int, dealer_id: int) -> TradeIn | None:
    return (
        TradeIn.objects.filter(pk=trade_in_id, dealer_id=dealer_id)
        .prefetch_related("photos", "events")
        .first()
    )


# A trade-in's statuses and its "not found", for the apps that follow one (orders).
TradeInStatus = TradeIn.Status
TradeInNotFound = TradeIn.DoesNotExist


def customer_open_trade_ins(*, customer_id: int) -> list[TradeIn]:
    """Estimated trade-ins not yet sent to a dealer: the ones an order may take."""
    return list(
        customer_trade_ins(customer_id=customer_id).filter(
            status=TradeIn.Status.ESTIMATED, dealer__isnull=True
        )
    )


def trade_in_by_id(trade_in_id: int) -> TradeIn:
    return TradeIn.objects.get(pk=trade_in_id)

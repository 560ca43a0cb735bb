"""Reads on trade-ins: the rule in force, a buyer's own trade-ins, a dealer's."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import TradeIn, ValuationRule
from .valuation import RuleData


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

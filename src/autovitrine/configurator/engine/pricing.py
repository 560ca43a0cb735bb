"""Price (cents, VAT explicit, packs applied) and WLTP CO2 of a configuration, full or partial."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .model import NONE, RuleBase

DEFAULT_VAT_RATE_BP = 2000


@dataclass(frozen=True, slots=True)
class PriceLine:
    """One chosen value or option; ``included_in`` names the bought pack that covers it."""

    name: str
    value: str | bool
    label: str
    amount_ht: int
    included_in: str | None = None


@dataclass(frozen=True, slots=True)
class PriceBreakdown:
    base_ht: int
    lines: tuple[PriceLine, ...]
    total_ht: int
    vat: int
    ttc: int
    vat_rate_bp: int


def vat_of(amount_ht: int, rate_bp: int) -> int:
    """VAT on a non-negative amount, rounded half up to the cent: the same rule as
    ``core.money.vat_of_line`` (this engine imports nothing from Django)."""
    return (2 * amount_ht * rate_bp + 10_000) // 20_000


def price_of(
    rule_base: RuleBase,
    configuration: Mapping[str, str | bool],
    *,
    vat_rate_bp: int = DEFAULT_VAT_RATE_BP,
) -> PriceBreakdown:
    """What the configuration costs; a value or option inside a bought pack is not charged,
    and an amount that depends on a family not chosen yet takes its default."""
    coverage = rule_base.pack_coverage
    bought_packs = {code for code in rule_base.pack_by_code if configuration.get(code) is True}

    def covering_pack(name: str, value: str | bool) -> str | None:
        return next(
            (pack for pack in coverage.get((name, value), ()) if pack in bought_packs), None
        )

    lines: list[PriceLine] = []
    for family in rule_base.families:
        code = configuration.get(family.code)
        if not isinstance(code, str) or code == NONE:
            continue
        value = family.value(code)
        if value is None:
            continue
        pack = covering_pack(family.code, code)
        amount = 0 if pack else value.price.for_value(_chosen(configuration, value.price.by))
        lines.append(PriceLine(family.code, code, value.label, amount, pack))
    for item in rule_base.boolean_by_code.values():
        if configuration.get(item.code) is not True:
            continue
        pack = covering_pack(item.code, True)
        amount = 0 if pack else item.price.for_value(_chosen(configuration, item.price.by))
        lines.append(PriceLine(item.code, True, item.label, amount, pack))
    total = rule_base.base_price_ht + sum(line.amount_ht for line in lines)
    # VAT rounded per line, as every order and document does (``core.money.vat_of_line``), so
    # a configuration and its order show the same amounts to the cent.
    vat = vat_of(rule_base.base_price_ht, vat_rate_bp) + sum(
        vat_of(line.amount_ht, vat_rate_bp) for line in lines
    )
    return PriceBreakdown(
        base_ht=rule_base.base_price_ht,
        lines=tuple(lines),
        total_ht=total,
        vat=vat,
        ttc=total + vat,
        vat_rate_bp=vat_rate_bp,
    )


def co2_of(rule_base: RuleBase, configuration: Mapping[str, str | bool]) -> int:
    """WLTP CO2 in g/km: the model's base plus the delta of every chosen value and option."""
    total = rule_base.co2_base_g_km
    for family in rule_base.families:
        code = configuration.get(family.code)
        value = family.value(code) if isinstance(code, str) else None
        if value is not None:
            total += value.co2.for_value(_chosen(configuration, value.co2.by))
    for item in rule_base.boolean_by_code.values():
        if configuration.get(item.code) is True:
            total += item.co2.for_value(_chosen(configuration, item.co2.by))
    return total


def _chosen(configuration: Mapping[str, str | bool], family: str | None) -> str | None:
    if family is None:
        return None
    value = configuration.get(family)
    return value if isinstance(value, str) else None

"""The trade-in estimate: a transparent rule applied step by step, each step a line the buyer sees.

value = reference value of the segment
        × energy coefficient
        × (1 − yearly rate) ^ age            (compounded: a car loses a share of what is left)
        × (1 − per-10 000 km rate × km / 10 000, capped)
        × condition coefficient
        and never below the floor.
Every step is rounded to the euro, so the lines add up exactly to the total.
Pure: no database; the choice classes only lend their French labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from autovitrine.catalog.selectors import Body, Energy

from .models import Condition

BASIS = 10_000


@dataclass(frozen=True, slots=True)
class RuleData:
    base_values: dict[str, int]
    energy_coefficients_bp: dict[str, int]
    yearly_depreciation_bp: int
    mileage_depreciation_bp_per_10k: int
    max_mileage_depreciation_bp: int
    condition_coefficients_bp: dict[str, int]
    floor_cents: int


@dataclass(frozen=True, slots=True)
class CarFacts:
    segment: str
    energy: str
    year: int
    mileage_km: int
    condition: str


@dataclass(frozen=True, slots=True)
class EstimateLine:
    label: str
    cents: int  # the reference value first, then signed adjustments

    def as_json(self) -> dict[str, Any]:
        return {"label": self.label, "cents": self.cents}


@dataclass(frozen=True, slots=True)
class Estimate:
    lines: tuple[EstimateLine, ...]

    @property
    def total_cents(self) -> int:
        return sum(line.cents for line in self.lines)


def _to_euro(cents_numerator: int, denominator: int = 1) -> int:
    """Round ``numerator / denominator`` cents half up to whole euros, in cents."""
    return (2 * cents_numerator + 100 * denominator) // (200 * denominator) * 100


def _percent(bp: int) -> str:
    whole, rest = divmod(bp, 100)
    return f"{whole},{rest:02d}".rstrip("0").rstrip(",") + "\u00a0%"


def _factor(bp: int) -> str:
    whole, rest = divmod(bp, BASIS)
    return "×" + f"{whole},{rest:04d}".rstrip("0").rstrip(",")


def estimate(rule: RuleData, car: CarFacts, *, current_year: int) -> Estimate:
    """The estimate of ``car`` under ``rule`` in ``current_year``; pure, no database."""
    lines: list[EstimateLine] = []
    value = _to_euro(rule.base_values[car.segment])
    lines.append(
        EstimateLine(
            _("Valeur de référence (%(segment)s, véhicule neuf)")
            % {"segment": Body(car.segment).label},
            value,
        )
    )

    def step(label: str, new_value: int) -> None:
        nonlocal value
        lines.append(EstimateLine(label, new_value - value))
        value = new_value

    energy_bp = rule.energy_coefficients_bp[car.energy]
    step(
        _("Énergie : %(energy)s (%(factor)s)")
        % {"energy": Energy(car.energy).label, "factor": _factor(energy_bp)},
        _to_euro(value * energy_bp, BASIS),
    )

    age = max(0, current_year - car.year)
    keep_bp = BASIS - rule.yearly_depreciation_bp
    step(
        ngettext("Âge : %(age)d an (−%(rate)s par an)", "Âge : %(age)d ans (−%(rate)s par an)", age)
        % {"age": age, "rate": _percent(rule.yearly_depreciation_bp)},
        _to_euro(value * keep_bp**age, BASIS**age),
    )

    mileage_bp = min(
        rule.max_mileage_depreciation_bp,
        rule.mileage_depreciation_bp_per_10k * car.mileage_km // 10_000,
    )
    step(
        _("Kilométrage : %(km)s km (−%(rate)s par tranche de 10 000 km)")
        % {
            "km": f"{car.mileage_km:,}".replace(",", "\u202f"),
            "rate": _percent(rule.mileage_depreciation_bp_per_10k),
        },
        _to_euro(value * (BASIS - mileage_bp), BASIS),
    )

    condition_bp = rule.condition_coefficients_bp[car.condition]
    step(
        _("État : %(condition)s (%(factor)s)")
        % {"condition": Condition(car.condition).label, "factor": _factor(condition_bp)},
        _to_euro(value * condition_bp, BASIS),
    )

    if value < rule.floor_cents:
        step(_("Valeur plancher"), rule.floor_cents)
    return Estimate(tuple(lines))

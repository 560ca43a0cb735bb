"""The trade-in estimate: a transparent method applied step by step, each step a line the buyer
sees, and a range around the result (docs/tradein.md).

value = new price of the reference (make, model, version if head office recorded it; else the
        segment's reference price; else the rule's value for the segment)
        × energy coefficient
        × make's value retention
        × age curve (what a car keeps after n years, then the rule's yearly rate)
        × mileage against the French average (13 000 km a year): − or + the rule's rate per
          10 000 km of difference, capped
        × condition coefficient
        then blended with the platform's own used-stock asking prices of similar cars (less the
        resale margin) when there are enough of them, and never below the floor.
Every step is rounded to the euro, so the lines add up exactly to the total. The range is wider
when the reference is less precise (a segment, not the model) or the car older, narrower when
the market data confirms it.
Pure: no database; the choice classes only lend their French labels.
"""

from __future__ import annotations

import unicodedata
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
    make: str = ""
    model_label: str = ""
    version: str = ""


@dataclass(frozen=True, slots=True)
class Reference:
    """The new price the estimate starts from, and how precise it is."""

    new_price_cents: int
    level: str  # "version", "model", "make", "segment"
    label: str  # what it is, for the buyer (« Renault Clio », « citadine »)


@dataclass(frozen=True, slots=True)
class Market:
    """Asking prices (TTC, cents) of similar used cars in the platform's stock."""

    asking_prices_cents: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class EstimateLine:
    label: str
    cents: int  # the reference value first, then signed adjustments

    def as_json(self) -> dict[str, Any]:
        return {"label": self.label, "cents": self.cents}


@dataclass(frozen=True, slots=True)
class Estimate:
    lines: tuple[EstimateLine, ...]
    low_cents: int = 0
    high_cents: int = 0
    factors: tuple[str, ...] = ()  # the main factors, in words, the largest first

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


AVERAGE_KM_PER_YEAR = 13_000  # French average (SDES, « bilan annuel des transports »)
# Share of the new price a car keeps after 0, 1, … 8 years (price guides' usual curve: about a
# fifth lost the first year, a half after five); beyond, the rule's yearly rate.
AGE_CURVE_BP = (10_000, 8_200, 7_400, 6_700, 6_100, 5_600, 5_100, 4_700, 4_300)
MAX_MILEAGE_BONUS_BP = 1_000
# How much better or worse than its segment a make holds its value (price guides' residual
# values); a make not listed keeps 100 %.
MAKE_RETENTION_BP = {
    "toyota": 10_800,
    "dacia": 10_800,
    "tesla": 11_000,
    "porsche": 11_500,
    "lexus": 10_600,
    "suzuki": 10_400,
    "volkswagen": 10_300,
    "audi": 10_300,
    "bmw": 10_200,
    "mercedes": 10_200,
    "mercedes-benz": 10_200,
    "skoda": 10_200,
    "mini": 10_200,
    "kia": 10_000,
    "hyundai": 10_000,
    "renault": 10_000,
    "peugeot": 10_000,
    "aurore": 10_000,
    "citroen": 9_700,
    "opel": 9_600,
    "ford": 9_600,
    "fiat": 9_500,
    "nissan": 9_600,
    "alfa romeo": 9_300,
    "ds": 9_200,
    "jaguar": 9_000,
    "maserati": 8_800,
}
MARKET_MIN_CARS = 3
MARKET_WEIGHT_PER_CAR_BP = 1_000  # 10 % of the estimate per comparable car …
MARKET_MAX_WEIGHT_BP = 5_000  # … up to half
SPREAD_BP = {"version": 700, "model": 800, "make": 1_100, "segment": 1_300}


def fold(text: str) -> str:
    """Lower case, no accents, single spaces: « Citroën » → « citroen »."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.split())


def make_retention_bp(make: str) -> int:
    folded = fold(make)
    return MAKE_RETENTION_BP.get(folded, MAKE_RETENTION_BP.get(folded.replace(" ", "-"), BASIS))


def age_keep_bp(age: int, yearly_bp: int) -> tuple[int, int]:
    """What a car of ``age`` years keeps of its new price, as (numerator, denominator)."""
    if age < len(AGE_CURVE_BP):
        return AGE_CURVE_BP[age], BASIS
    beyond = age - len(AGE_CURVE_BP) + 1
    return AGE_CURVE_BP[-1] * (BASIS - yearly_bp) ** beyond, BASIS ** (beyond + 1)


def _round_hundred(cents: int) -> int:
    return (cents + 5_000) // 10_000 * 10_000


def _euros(cents: int) -> str:
    return f"{cents // 100:,}".replace(",", "\u202f") + "\u00a0€"


def estimate(
    rule: RuleData,
    car: CarFacts,
    *,
    current_year: int,
    reference: Reference | None = None,
    market: Market | None = None,
    resale_markup_bp: int = 2_500,
) -> Estimate:
    """The estimate of ``car`` in ``current_year``: lines that add up to the central value, a
    range around it and the main factors in words. Pure, no database."""
    lines: list[EstimateLine] = []
    factors: list[tuple[int, str]] = []  # (weight in cents, words)
    if reference is None:
        reference = Reference(
            rule.base_values[car.segment], "segment", str(Body(car.segment).label)
        )
    value = _to_euro(reference.new_price_cents)
    if reference.level == "segment":
        first = _("Prix de référence de la catégorie « %(label)s », véhicule neuf") % {
            "label": reference.label
        }
    else:
        first = _("Prix neuf de référence (%(label)s)") % {"label": reference.label}
    lines.append(EstimateLine(first, value))

    def step(label: str, new_value: int, why: str = "") -> None:
        nonlocal value
        lines.append(EstimateLine(label, new_value - value))
        if why and new_value != value:
            factors.append((abs(new_value - value), why))
        value = new_value

    energy_bp = rule.energy_coefficients_bp[car.energy]
    step(
        _("Énergie : %(energy)s (%(factor)s)")
        % {"energy": Energy(car.energy).label, "factor": _factor(energy_bp)},
        _to_euro(value * energy_bp, BASIS),
        _("la demande en occasion pour l'énergie « %(energy)s »")
        % {"energy": Energy(car.energy).label.lower()},
    )
    retention_bp = make_retention_bp(car.make)
    if retention_bp != BASIS:
        step(
            _("Tenue de cote de la marque %(make)s (%(factor)s)")
            % {"make": car.make, "factor": _factor(retention_bp)},
            _to_euro(value * retention_bp, BASIS),
            _("la marque %(make)s garde sa valeur %(how)s que la moyenne")
            % {"make": car.make, "how": _("mieux") if retention_bp > BASIS else _("moins bien")},
        )

    age = max(0, current_year - car.year)
    keep, denominator = age_keep_bp(age, rule.yearly_depreciation_bp)
    step(
        ngettext(
            "Âge : %(age)d an (garde %(share)s du prix neuf)",
            "Âge : %(age)d ans (garde %(share)s du prix neuf)",
            age,
        )
        % {"age": age, "share": _percent(keep * BASIS // denominator)},
        _to_euro(value * keep, denominator),
        ngettext("l'âge (%(age)d an)", "l'âge (%(age)d ans)", age) % {"age": age},
    )

    expected_km = AVERAGE_KM_PER_YEAR * max(1, age)
    difference = car.mileage_km - expected_km
    mileage_bp = rule.mileage_depreciation_bp_per_10k * abs(difference) // 10_000
    if difference > 0:
        mileage_bp = -min(rule.max_mileage_depreciation_bp, mileage_bp)
    else:
        mileage_bp = min(MAX_MILEAGE_BONUS_BP, mileage_bp)
    km = f"{car.mileage_km:,}".replace(",", "\u202f")
    expected = f"{expected_km:,}".replace(",", "\u202f")
    step(
        _("Kilométrage : %(km)s km pour %(expected)s km attendus (%(sign)s%(rate)s)")
        % {
            "km": km,
            "expected": expected,
            "sign": "+" if mileage_bp >= 0 else "−",
            "rate": _percent(abs(mileage_bp)),
        },
        _to_euro(value * (BASIS + mileage_bp), BASIS),
        (
            _("un kilométrage inférieur à la moyenne (13 000 km par an)")
            if mileage_bp > 0
            else _("un kilométrage supérieur à la moyenne (13 000 km par an)")
        ),
    )

    condition_bp = rule.condition_coefficients_bp[car.condition]
    step(
        _("État : %(condition)s (%(factor)s)")
        % {"condition": Condition(car.condition).label, "factor": _factor(condition_bp)},
        _to_euro(value * condition_bp, BASIS),
        _("l'état déclaré (%(condition)s)") % {"condition": Condition(car.condition).label.lower()},
    )

    spread_bp = SPREAD_BP.get(reference.level, SPREAD_BP["segment"])
    prices = sorted(market.asking_prices_cents) if market else []
    if len(prices) >= MARKET_MIN_CARS:
        middle = len(prices) // 2
        median = prices[middle] if len(prices) % 2 else (prices[middle - 1] + prices[middle]) // 2
        market_value = median * BASIS // (BASIS + resale_markup_bp)
        weight = min(MARKET_MAX_WEIGHT_BP, MARKET_WEIGHT_PER_CAR_BP * len(prices))
        step(
            ngettext(
                "Marché : %(n)d voiture comparable en stock (prix médian %(median)s, "
                "reprise %(trade)s), pèse %(weight)s",
                "Marché : %(n)d voitures comparables en stock (prix médian %(median)s, "
                "reprise %(trade)s), pèsent %(weight)s",
                len(prices),
            )
            % {
                "n": len(prices),
                "median": _euros(median),
                "trade": _euros(market_value),
                "weight": _percent(weight),
            },
            _to_euro(value * (BASIS - weight) + market_value * weight, BASIS),
            _("les prix des voitures comparables en vente sur AutoVitrine"),
        )
        spread_bp -= 200
    if age > 10:
        spread_bp += 300
    if car.condition == "poor":
        spread_bp += 300

    if value < rule.floor_cents:
        step(_("Valeur plancher"), rule.floor_cents)
    total = value
    low = max(rule.floor_cents, _round_hundred(total * (BASIS - spread_bp) // BASIS))
    high = max(low, _round_hundred(total * (BASIS + spread_bp) // BASIS))
    ordered = tuple(words for _weight, words in sorted(factors, key=lambda item: -item[0]))
    return Estimate(tuple(lines), low_cents=low, high_cents=high, factors=ordered[:4])

"""Registration cost (carte grise) estimate: regional tax per fiscal horsepower, plus fixed fees.

An estimate shown as such, from data kept here:
- fiscal horsepower (CV, art. 1007 CGI since 2020): ``CO2 / 45 + (P / 40) ^ 1.6``, P the maximum
  power in kW, rounded to the nearest whole number;
- regional tax (Y1) = CV × the rate of the buyer's region (€/CV, voted by each regional council;
  2026 rates below), halved for cars over 10 years old, with the region's exemption for
  electric cars where it keeps one;
- fixed tax (Y4) 11 € and delivery fee (Y5) 2,76 €.
The CO2 malus is shown on its own line, and the weight malus is not estimated.
Rates change each year: update ``REGIONAL_RATES`` (and ``RATES_YEAR``) when regions vote.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from django.conf import settings

RATES_YEAR = 2026
FIXED_TAX_CENTS = 1_100  # Y4
DELIVERY_FEE_CENTS = 276  # Y5
KW_PER_HP = 0.73549875  # 1 ch (metric horsepower) in kW


@dataclass(frozen=True, slots=True)
class RegionalRate:
    name: str
    cents_per_cv: int
    electric_exemption_pct: int = 0


# INSEE region code → 2026 rate (regional councils' votes, as compiled by simulateurmalus.fr).
REGIONAL_RATES: dict[str, RegionalRate] = {
    "84": RegionalRate("Auvergne-Rhône-Alpes", 4_300),
    "27": RegionalRate("Bourgogne-Franche-Comté", 6_000),
    "53": RegionalRate("Bretagne", 6_000, electric_exemption_pct=50),
    "24": RegionalRate("Centre-Val de Loire", 6_000),
    "94": RegionalRate("Corse", 5_300, electric_exemption_pct=100),
    "44": RegionalRate("Grand Est", 6_000),
    "32": RegionalRate("Hauts-de-France", 4_200, electric_exemption_pct=100),
    "11": RegionalRate("Île-de-France", 5_495),
    "28": RegionalRate("Normandie", 6_000),
    "75": RegionalRate("Nouvelle-Aquitaine", 5_300),
    "76": RegionalRate("Occitanie", 5_950),
    "52": RegionalRate("Pays de la Loire", 5_100),
    "93": RegionalRate("Provence-Alpes-Côte d'Azur", 6_000),
    "01": RegionalRate("Guadeloupe", 4_100),
    "02": RegionalRate("Martinique", 3_000),
    "03": RegionalRate("Guyane", 4_250),
    "04": RegionalRate("La Réunion", 6_000),
    "06": RegionalRate("Mayotte", 3_000),
}


@dataclass(frozen=True, slots=True)
class RegistrationEstimate:
    fiscal_hp: int
    region: str
    regional_tax_cents: int
    total_cents: int


def fiscal_horsepower(*, co2_g_km: int, power_hp: int) -> int:
    # A count of horsepower, not money: floats are fine; only the final rounding must be exact.
    value = co2_g_km / 45 + (power_hp * KW_PER_HP / 40) ** 1.6
    return max(1, int(Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def department_of(postcode: str) -> str | None:
    """The department code of a French postcode (``2A``/``2B`` for Corsica, 3 digits overseas)."""
    if len(postcode) != 5 or not postcode.isdigit():
        return None
    if postcode.startswith("20"):
        return "2A" if postcode < "20200" else "2B"
    if postcode.startswith("97"):
        return postcode[:3]
    return postcode[:2]


@cache
def _region_by_department() -> dict[str, str]:
    # The administrative split comes from the npm registry (@etalab/decoupage-administratif).
    path = (
        Path(settings.PROJECT_DIR)
        / "node_modules/@etalab/decoupage-administratif/data/departements.json"
    )
    return {row["code"]: row["region"] for row in json.loads(path.read_text(encoding="utf-8"))}


def region_rate(postcode: str) -> RegionalRate | None:
    department = department_of(postcode)
    region = _region_by_department().get(department or "")
    return REGIONAL_RATES.get(region or "")


def registration_estimate(
    *,
    postcode: str,
    co2_g_km: int,
    power_hp: int,
    electric: bool,
    age_years: int = 0,
    fiscal_hp: int | None = None,
) -> RegistrationEstimate | None:
    """The estimate for a buyer living at ``postcode``, or ``None`` where we have no rate.
    ``fiscal_hp``: the fiscal power printed on a used car's registration certificate (field
    P.6), which wins over the formula."""
    rate = region_rate(postcode)
    if rate is None:
        return None
    cv = fiscal_hp or fiscal_horsepower(co2_g_km=co2_g_km, power_hp=power_hp)
    regional = cv * rate.cents_per_cv
    if electric:
        regional = regional * (100 - rate.electric_exemption_pct) // 100
    if age_years > 10:
        regional //= 2
    return RegistrationEstimate(
        fiscal_hp=cv,
        region=rate.name,
        regional_tax_cents=regional,
        total_cents=regional + FIXED_TAX_CENTS + DELIVERY_FEE_CENTS,
    )

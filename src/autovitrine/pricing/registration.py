"""Registration cost (carte grise) estimate: regional tax per fiscal horsepower, plus fixed fees.

An estimate shown as such, from data kept here (CIBS L421-30: « 1° Pour tous les véhicules, à
une taxe fixe ; 2° Pour tous les véhicules à moteur, à une taxe régionale », read at
legal.tricoteuses.fr LEGIARTI000048844492):
- fiscal horsepower (CV, art. 1007 CGI since 2020): ``CO2 / 45 + (P / 40) ^ 1.6``, P the maximum
  power in kW, rounded to the nearest whole number; a used car's certificate (P.6) wins;
- regional tax (Y1) = CV × the rate of the region of the holder's domicile (€/CV, voted by each
  regional council, dated below), with the region's reduction for electric cars where it keeps
  one, else halved when the first registration is 10 years old or more (L421-45,
  ``l421_45_halved_for_age``); Île-de-France adds 14 € per CV from
  1 March 2026 (loi de finances pour 2026);
- fixed tax (Y4) 11 € and delivery fee (Y5, acheminement) 2,76 € (quechoisir.org).
The region is the buyer's (their postcode); without one, the delivering dealer's
(``registration_postcode``).
Rates change during the year: add a dated ``RateChange`` when a region votes.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone

RATES_YEAR = 2026
FIXED_TAX_CENTS = 1_100  # Y4
DELIVERY_FEE_CENTS = 276  # Y5
KW_PER_HP = 0.73549875  # 1 ch (metric horsepower) in kW

# Where each figure was read (search tool, corpus "pages"); check the regional deliberations.
SOURCE_JAN_2026 = "simulateurmalus.fr/prix-cheval-fiscal-2026.html (tarifs au 1er janvier 2026)"
SOURCE_MAR_2026 = (
    "caradisiac.com, 28 février 2026 (Île-de-France +14 €/CV au 1er mars ; Hauts-de-France 43 € "
    "et fin de l'exonération des électriques au 1er avril) ; mac4ever.com, 27 février 2026 "
    "(Nouvelle-Aquitaine 58 €, La Réunion 60 €)"
)
# Every region's €/CV at 1 January 2026 was checked again (issue 13) against two more lists of the
# eighteen regions: caradisiac.com, 17 February 2026 (« Prix par région », metropolitan
# regions) and auto-pour-vous.fr, « Carte grise en hausse : découvrez où le prix grimpe en
# 2026 » (all eighteen). They agree with the rates below; Martinique was 30 € here, its rate
# before 1 July 2025.
SOURCE_CORSE_2026 = (
    "Corse : 43 €/CV au 1er janvier 2025 puis 53 €/CV au 1er janvier 2026 (budget 2026 adopté par "
    "l'Assemblée de Corse le 17 octobre 2025) : cartegriseminute.fr, 5 décembre 2025 ; "
    "carte-grise.org, 18 décembre 2025 ; caradisiac.com, 17 et 28 février 2026 ; les 43 € lus "
    "chez bfmtv.com (avril 2025) sont le tarif de 2025"
)
SOURCE_MARTINIQUE_2025 = (
    "Martinique : 53 €/CV depuis le 1er juillet 2025 (délibération de la Collectivité territoriale "
    "de Martinique ; 30 € auparavant) : cartegriseminute.fr, 2 juillet 2025 ; carte-grise.org, "
    "22 juillet 2025 ; opinion-internationale.com, 3 juillet 2025 ; auto-pour-vous.fr (2026). Le "
    "tarif de 30 € entré auparavant était celui d'avant juillet 2025"
)


@dataclass(frozen=True, slots=True)
class RegionalRate:
    name: str
    cents_per_cv: int
    electric_exemption_pct: int = 0
    source: str = SOURCE_JAN_2026


@dataclass(frozen=True, slots=True)
class RateChange:
    region: str  # INSEE region code
    valid_from: dt.date
    rate: RegionalRate


# Electric cars: since 1 May 2025 the regional tax of an electric or hydrogen car is what each
# region votes (loi n° 2025-127, art. 119: full, halved or nil; cartegriseminute.fr 23/04/2025),
# and every region but Hauts-de-France charges it in full (Auto Plus, 18 April 2025, reported by
# bfmtv.com, cnews.fr and automobile-electrique.com; caradisiac.com 28/02/2026: « hors
# Hauts-de-France », until that region's exemption too ends on 1 April 2026). So no reduction
# in Bretagne or Corse (simulateurmalus.fr's 50 % and 100 % predate May 2025).
SOURCE_EV_MAY_2025 = (
    "loi n° 2025-127, art. 119 (cartegriseminute.fr, 23 avril 2025) ; fin de l'exonération des "
    "électriques sauf en Hauts-de-France au 1er mai 2025 (bfmtv.com et cnews.fr, avril 2025)"
)

# INSEE region code → rate in force on 1 January 2026.
REGIONAL_RATES: dict[str, RegionalRate] = {
    "84": RegionalRate("Auvergne-Rhône-Alpes", 4_300),
    "27": RegionalRate("Bourgogne-Franche-Comté", 6_000),
    "53": RegionalRate("Bretagne", 6_000, 0, f"{SOURCE_JAN_2026} ; {SOURCE_EV_MAY_2025}"),
    "24": RegionalRate("Centre-Val de Loire", 6_000),
    # 53 € in 2026; the 43 € of some copies is the 2025 rate (SOURCE_CORSE_2026).
    "94": RegionalRate("Corse", 5_300, 0, f"{SOURCE_CORSE_2026} ; {SOURCE_EV_MAY_2025}"),
    "44": RegionalRate("Grand Est", 6_000),
    "32": RegionalRate("Hauts-de-France", 4_200, electric_exemption_pct=100),
    "11": RegionalRate("Île-de-France", 5_495),
    "28": RegionalRate("Normandie", 6_000),
    "75": RegionalRate("Nouvelle-Aquitaine", 5_300),
    "76": RegionalRate("Occitanie", 5_950),
    "52": RegionalRate("Pays de la Loire", 5_100),
    "93": RegionalRate("Provence-Alpes-Côte d'Azur", 6_000),
    "01": RegionalRate("Guadeloupe", 4_100),
    # 53 € since 1 July 2025, not the 30 € of before (SOURCE_MARTINIQUE_2025).
    "02": RegionalRate("Martinique", 5_300, 0, SOURCE_MARTINIQUE_2025),
    "03": RegionalRate("Guyane", 4_250),
    "04": RegionalRate("La Réunion", 5_700),
    "06": RegionalRate("Mayotte", 3_000),
}

# Changes voted during 2026, in date order.
RATE_CHANGES: tuple[RateChange, ...] = (
    RateChange("04", dt.date(2026, 2, 1), RegionalRate("La Réunion", 6_000, 0, SOURCE_MAR_2026)),
    RateChange(
        "11", dt.date(2026, 3, 1), RegionalRate("Île-de-France", 5_495 + 1_400, 0, SOURCE_MAR_2026)
    ),
    RateChange(
        "75", dt.date(2026, 3, 1), RegionalRate("Nouvelle-Aquitaine", 5_800, 0, SOURCE_MAR_2026)
    ),
    RateChange(
        "32", dt.date(2026, 4, 1), RegionalRate("Hauts-de-France", 4_300, 0, SOURCE_MAR_2026)
    ),
)


def regional_rate_on(region: str, day: dt.date) -> RegionalRate | None:
    """The rate of ``region`` in force on ``day`` (the last change on or before it)."""
    rate = REGIONAL_RATES.get(region)
    for change in RATE_CHANGES:
        if change.region == region and change.valid_from <= day:
            rate = change.rate
    return rate


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


def region_rate(postcode: str, day: dt.date | None = None) -> RegionalRate | None:
    department = department_of(postcode)
    region = _region_by_department().get(department or "")
    return regional_rate_on(region or "", day or timezone.localdate())


def registration_postcode(*, buyer_postcode: str, dealer_postcode: str) -> str:
    """The postcode whose region's rate applies: the buyer's domicile when we have it (the
    certificate is issued at the holder's address), else the delivering dealer's."""
    return buyer_postcode if department_of(buyer_postcode or "") else dealer_postcode


def l421_45_halved_for_age(*, age_years: int, particular_tariff: bool) -> bool:
    """CIBS L421-45, al. 2 (read at legifrance.gouv.fr, section LEGISCTA000044599003): the
    regional tariff « est réduit de moitié lorsque la première immatriculation du véhicule est
    antérieure de dix années ou plus et que ce véhicule ne bénéficie pas d'un tarif particulier »
    (the reductions of the following sub-paragraphs, e.g. a region's reduction for electric cars,
    L421-49). ``age_years``: whole years since the first registration, on the registration day."""
    return age_years >= 10 and not particular_tariff


def registration_estimate(
    *,
    postcode: str,
    co2_g_km: int,
    power_hp: int,
    electric: bool,
    age_years: int = 0,
    fiscal_hp: int | None = None,
    day: dt.date | None = None,
) -> RegistrationEstimate | None:
    """The estimate for a buyer living at ``postcode``, or ``None`` where we have no rate.
    ``fiscal_hp``: the fiscal power printed on a used car's registration certificate (field
    P.6), which wins over the formula. ``day``: the registration day whose rates apply."""
    rate = region_rate(postcode, day)
    if rate is None:
        return None
    cv = fiscal_hp or fiscal_horsepower(co2_g_km=co2_g_km, power_hp=power_hp)
    regional = cv * rate.cents_per_cv
    particular_tariff = electric and rate.electric_exemption_pct > 0
    if particular_tariff:
        regional = regional * (100 - rate.electric_exemption_pct) // 100
    if l421_45_halved_for_age(age_years=age_years, particular_tariff=particular_tariff):
        regional //= 2
    return RegistrationEstimate(
        fiscal_hp=cv,
        region=rate.name,
        regional_tax_cents=regional,
        total_cents=regional + FIXED_TAX_CENTS + DELIVERY_FEE_CENTS,
    )

"""The usury ceiling (taux de l'usure) a consumer loan's TAEG may not exceed.

C. consom. L314-6 (read at solent-avocats.com; same text as former L313-3): « Constitue un prêt
usuraire tout prêt conventionnel consenti à un taux effectif global qui excède, au moment où il
est consenti, de plus du tiers, le taux effectif moyen pratiqué au cours du trimestre précédent
par les établissements de crédit et les sociétés de financement pour des opérations de même
nature comportant des risques analogues ». The Banque de France publishes the ceilings each
quarter (avis au Journal officiel at the end of the previous quarter); for loans to individuals
other than property loans the category is the amount of credit: up to 3 000 €, 3 000 to
6 000 €, over 6 000 €. The ceiling is compared with the TAEG, « le prix "tout compris" du
crédit » (fees and required insurance included).

Data: one ``UsuryQuarter`` per quarter, the newest last, each with where it was read. Head
office adds the new quarter when the Banque de France publishes it (a data change, reviewed like
code). A day after the last quarter known uses that quarter and says so (``stale``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class UsuryQuarter:
    valid_from: dt.date  # first day of the quarter
    up_to_3000: Decimal  # loans of 3 000 € or less
    up_to_6000: Decimal  # over 3 000 € and up to 6 000 €
    over_6000: Decimal
    source: str

    @property
    def label(self) -> str:
        quarter = (self.valid_from.month - 1) // 3 + 1
        return f"T{quarter} {self.valid_from.year}"


USURY_QUARTERS: tuple[UsuryQuarter, ...] = (
    UsuryQuarter(
        valid_from=dt.date(2025, 10, 1),
        up_to_3000=Decimal("23.49"),
        up_to_6000=Decimal("15.71"),
        over_6000=Decimal("8.73"),
        source=(
            "Banque de France, seuils de l'usure du 4e trimestre 2025, repris comme « trimestre "
            "précédent » par boursedescredits.com (actualité 29134)"
        ),
    ),
    UsuryQuarter(
        valid_from=dt.date(2026, 1, 1),
        up_to_3000=Decimal("23.56"),
        up_to_6000=Decimal("15.87"),
        over_6000=Decimal("8.67"),
        source=(
            "Banque de France, seuils de l'usure applicables au 1er janvier 2026 (publiés le "
            "29 décembre 2025), lus sur boursedescredits.com (actualité 29134)"
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class UsuryCeiling:
    rate: Decimal
    category: str
    quarter: UsuryQuarter
    stale: bool  # the day is past the quarter: a newer publication is missing from the data


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def l314_6_ceiling(*, credit_cents: int, day: dt.date) -> UsuryCeiling | None:
    """The ceiling for a consumer loan of ``credit_cents`` granted on ``day``; ``None`` before
    the first quarter in the data."""
    quarter = None
    for candidate in USURY_QUARTERS:
        if candidate.valid_from <= day:
            quarter = candidate
    if quarter is None:
        return None
    if credit_cents <= 300_000:
        rate, category = quarter.up_to_3000, "≤ 3 000 €"
    elif credit_cents <= 600_000:
        rate, category = quarter.up_to_6000, "3 000 € – 6 000 €"
    else:
        rate, category = quarter.over_6000, "> 6 000 €"
    return UsuryCeiling(
        rate=rate,
        category=category,
        quarter=quarter,
        stale=_quarter_start(day) != quarter.valid_from,
    )

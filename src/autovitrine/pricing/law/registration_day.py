"""Which malus scale an order states: the one in force on the day of first registration.

CIBS L421-33 3° (ordonnance n° 2021-1843, « Sous-section 2 : Fait générateur », read at
tricoteuses.fr JORFSCTA000044590554): the CO2 tax and the tax on the mass in running order are
due on « la délivrance d'un certificat d'immatriculation résultant de la première
immatriculation en tant que véhicule de tourisme en France ». So the day that counts is the
registration day, not the order day: a scale change (1 January; 1 March in 2025) between the
order and the registration changes the malus. A factory order registered at its planned
delivery shows the scale of today and the scale of its planned registration day when they
differ, and says which applies; an order registered on its delivery day uses that day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


def l421_33_registration_day(
    *, planned_delivery: dt.date | None, registered_on: dt.date | None, today: dt.date
) -> dt.date:
    """The day whose scale applies: the registration day when known, else the planned delivery
    (a new car is registered just before it is handed over), else today."""
    return registered_on or planned_delivery or today


@dataclass(frozen=True, slots=True)
class ScaleChange:
    """A change of scale between today and the planned registration day."""

    today: dt.date
    registration_day: dt.date

    @property
    def crosses(self) -> bool:
        return _scale_key(self.today) != _scale_key(self.registration_day)


# The days a new CO2 or weight scale took or takes effect (1 January each year; 1 March in 2025,
# loi n° 2025-127 du 14 février 2025).
_OFF_CALENDAR_CHANGES = {2025: dt.date(2025, 3, 1)}


def _scale_key(day: dt.date) -> tuple[int, int]:
    change = _OFF_CALENDAR_CHANGES.get(day.year)
    if change is not None and day < change:
        return (day.year - 1, 1)
    return (day.year, 0)


def scale_change(*, today: dt.date, registration_day: dt.date) -> ScaleChange:
    return ScaleChange(today=today, registration_day=registration_day)

"""The consumer's withdrawal right for a car bought at a distance (Code de la consommation,
art. L221-18 to L221-28), as plain functions named after the articles they implement.

- L221-18 2°: for a sale of goods the 14 days run from the day the consumer (or a third party
  they name, other than the carrier) takes possession of the car; before that day the right can
  already be exercised, from the conclusion of the contract.
- The day of delivery is not counted and the 14th day is (Regulation (EEC, Euratom) 1182/71,
  art. 3, applied by the Court of justice to Directive 2011/83 periods; same rule in C. proc.
  civ. art. 641); a period whose last day is a Saturday, a Sunday or a public holiday is
  extended to the end of the next working day (Reg. 1182/71 art. 3 § 4; C. proc. civ. art. 642).
- L221-24: every sum paid is refunded within 14 days of the withdrawal, with the same means of
  payment; for goods the professional may defer the refund until the goods are returned.
- L221-23: the consumer is liable only for the loss of value from handling the goods beyond
  what was needed to establish their nature, characteristics and functioning.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import holidays

WITHDRAWAL_DAYS = 14  # L221-18, first paragraph
REFUND_DAYS = 14  # L221-24, first paragraph


@cache
def _french_holidays(year: int) -> holidays.HolidayBase:
    # Metropolitan public holidays (Code du travail L3133-1), Easter and Whit Monday included.
    return holidays.country_holidays("FR", years=year)


def is_working_day(day: dt.date) -> bool:
    """Neither a Saturday, a Sunday nor a French public holiday."""
    return day.weekday() < 5 and day not in _french_holidays(day.year)


def next_working_day_from(day: dt.date) -> dt.date:
    """``day`` itself if it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def l221_18_withdrawal_deadline(possession_day: dt.date) -> dt.date:
    """Last day (included) to withdraw from a distance sale of a car taken on ``possession_day``.

    The day of taking possession is not counted; a last day on a week-end or holiday moves to
    the next working day.
    """
    return next_working_day_from(possession_day + dt.timedelta(days=WITHDRAWAL_DAYS))


def l221_18_can_withdraw(*, possession_day: dt.date | None, today: dt.date) -> bool:
    """Before the car is taken (``possession_day`` None) the right is open (L221-18, 2°: it can
    be exercised from the conclusion of the contract); after, until the deadline included."""
    if possession_day is None:
        return True
    return today <= l221_18_withdrawal_deadline(possession_day)


def l221_24_refund_due_by(withdrawal_day: dt.date) -> dt.date:
    """The refund is due at the latest 14 days after the professional is told of the
    withdrawal (L221-24); it may be deferred until the car is back."""
    return withdrawal_day + dt.timedelta(days=REFUND_DAYS)

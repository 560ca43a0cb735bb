"""Timed states that end by themselves, with no cron: ``manage.py run_periodic`` (started by
``make run`` and ``make worker``) runs ``run_due_work`` every minute.

- unpaid order drafts expire after 30 minutes and release their car (orders);
- flash-sale holds past their time are released in every open sale (flashsales);
- workshop slots held 5 minutes and never confirmed are released, and the 48 h reminders of
  workshop bookings leave (workshop);
- parts reserved for pick-up and not collected within 48 h go back on the shelf (parts);
- each plant's observed station and leg durations, which the ETA learns from, are measured again
  once an hour (production).
It lives in ``web``, above both apps, so neither app imports the other for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from autovitrine.flashsales.selectors import open_sale_ids
from autovitrine.flashsales.services import holds_release_expired
from autovitrine.orders.services import order_expire_drafts
from autovitrine.parts.services import reservations_release_expired
from autovitrine.production.services import step_durations_refresh
from autovitrine.workshop.services import bookings_expire_holds, bookings_send_reminders


@dataclass(frozen=True, slots=True)
class DueWork:
    drafts_expired: int
    holds_released: int
    workshop_holds_expired: int = 0
    workshop_reminders_sent: int = 0
    part_reservations_released: int = 0
    plants_durations_measured: int = 0


def run_due_work(*, now: dt.datetime | None = None) -> DueWork:
    drafts = order_expire_drafts(now=now)
    holds = sum(holds_release_expired(sale_id=sale_id) for sale_id in open_sale_ids())
    return DueWork(
        drafts_expired=drafts,
        holds_released=holds,
        workshop_holds_expired=bookings_expire_holds(now=now),
        workshop_reminders_sent=bookings_send_reminders(now=now),
        part_reservations_released=reservations_release_expired(now=now),
        plants_durations_measured=step_durations_refresh(now=now),
    )

"""Timed states that end by themselves, with no cron: ``manage.py run_periodic`` (started by
``make run`` and ``make worker``) runs ``run_due_work`` every minute.

- unpaid order drafts expire after 30 minutes and release their car (orders);
- flash-sale holds past their time are released in every open sale (flashsales).
It lives in ``web``, above both apps, so neither app imports the other for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from autovitrine.flashsales.selectors import open_sale_ids
from autovitrine.flashsales.services import holds_release_expired
from autovitrine.orders.services import order_expire_drafts


@dataclass(frozen=True, slots=True)
class DueWork:
    drafts_expired: int
    holds_released: int


def run_due_work(*, now: dt.datetime | None = None) -> DueWork:
    drafts = order_expire_drafts(now=now)
    holds = sum(holds_release_expired(sale_id=sale_id) for sale_id in open_sale_ids())
    return DueWork(drafts_expired=drafts, holds_released=holds)

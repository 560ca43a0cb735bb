"""What the waiting page is told: the status payload and when to ask again (no writes)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from django.conf import settings

from .errors import FlashSaleRefusal
from .models import FlashSale
from .queue import TICKET_RANGE, QueueStatus, pace_window_ms
from .tokens import admission_token_issue

if TYPE_CHECKING:
    from .services.waiting_room import SaleInfo


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


OPENING_SPREAD_MAX_MS = 300_000


def _poll_budget() -> int:
    """Status polls per second the deployment serves for one sale without strain."""
    return _setting("FLASHSALE_POLLS_PER_SECOND", 2000)


# The pre-queue's return after the opening is paced in this many slots of the draw order: a page
# learns its slot, not its rank (issue #11, defect 9: an exact offset revealed each page's draw
# rank before the opening), and picks its moment at random within the slot (``poll_jitter_ms``).
# The slots halve towards the front (the last holds half the tickets, the first two 1/128 each):
# the front, where the units go, is back within a second of the opening even at 270,000 pages;
# with equal slots it took up to 16 s there.
OPENING_SLOTS = 8


def _opening_spread_ms(status: QueueStatus) -> int:
    """The time the whole pre-queue's polls take within the budget (at most 5 minutes)."""
    return min(OPENING_SPREAD_MAX_MS, status.pre_length * 1000 // _poll_budget())


def _opening_slot_ms(status: QueueStatus) -> tuple[int, int]:
    """When, after the opening, a pre-queue page's slot begins, and how long it lasts. A slot's
    time is its share of the tickets of the whole spread, so every slot's polls come at the
    same rate, the budget's: the first in line learn it first instead of waiting behind a
    crowd of pages all asking at the same second."""
    ticket, lower, upper = status.ticket or 0, 0, TICKET_RANGE
    for slot in range(1, OPENING_SLOTS + 1):
        upper = TICKET_RANGE >> (OPENING_SLOTS - slot)
        if ticket < upper:
            break
        lower = upper
    spread = _opening_spread_ms(status)
    return spread * lower // TICKET_RANGE, spread * (upper - lower) // TICKET_RANGE


def _watching_ms(status: QueueStatus) -> int:
    """How often a page without a place asks: it only follows the units left (its button works
    without asking), so all such pages together take at most half the poll budget."""
    return max(5000, status.visitors * 2000 // _poll_budget())


def _admissions_per_second(status: QueueStatus, *, now_ms: int) -> float:
    """The line's pace: admissions over the last two minutes (at least 30 s) since the opening."""
    if not status.opened_at_ms:
        return 0.0
    window_ms = pace_window_ms(now_ms=now_ms, opened_at_ms=status.opened_at_ms)
    return status.admissions_in_window / (window_ms / 1000)


def _line_poll_ms(status: QueueStatus, *, now_ms: int) -> int:
    """A page in line asks again after a time proportional to its position: ``position ÷ R``
    seconds, ``R`` being positions per second. Its position cannot change much before then,
    and the front, where admissions happen, asks most often.

    ``R`` is the poll budget ÷ (ln(length) + 2), and at least 4 × the line's pace. A page then
    asks again before the line has covered a quarter of its distance, so it sees its admission
    well within the admission's 2 minutes. The wait is capped at twice ``length ÷ budget``
    (1 to 10 minutes), so that the back learns of a sell-out in minutes. With the cap, the
    whole line's polls stay within the budget.

    Before, every page far back asked every ``length ÷ budget`` seconds: 135 s at 270,000
    places. That is longer than an admission lasts, and the admissions lapsed unseen."""
    budget, length = _poll_budget(), max(status.line_length, 1)
    per_second = max(
        budget / (math.log(length) + 2), 4 * _admissions_per_second(status, now_ms=now_ms)
    )
    longest = min(600_000, max(60_000, 2 * length * 1000 // budget))
    return max(2000, min(longest, int((status.position or 1) * 1000 / per_second)))


def _poll_after_ms(status: QueueStatus, *, now_ms: int, sold_out: bool) -> int:
    """When the page should ask again: soon near the front, rarely far back, never when done."""
    if sold_out or status.state == FlashSale.Status.CLOSED:
        return 0
    if status.place in ("admitted", "holding", "done", "removed"):
        return 0
    if status.state == FlashSale.Status.PUBLISHED:
        until_opening = status.opens_at_ms - now_ms
        if status.place == "pre" and until_opening <= 600_000:
            return max(1000, until_opening + _opening_slot_ms(status)[0])
        if status.place == "none" and until_opening <= 600_000:
            # After the pre-queue has learnt its places: they are the ones with a turn coming.
            return max(1000, until_opening + _opening_spread_ms(status))
        # Nothing changes before the opening: come back then (or in 10 minutes at most).
        return max(1000, min(until_opening, 600_000))
    if status.place == "waiting" and status.position is not None:
        if status.position <= max(50, 2 * status.total):
            return 2000
        return _line_poll_ms(status, now_ms=now_ms)
    if status.place == "none":
        return _watching_ms(status)
    return 5000


def _poll_jitter_ms(status: QueueStatus, poll_ms: int) -> int:
    """The random spread the page adds to ``poll_ms``: its opening slot's width in the
    pre-queue; the whole watching interval for pages without a place (thousands of them would
    otherwise come back in the same two seconds); else up to 2 s."""
    if status.place == "pre":
        return _opening_slot_ms(status)[1]
    if status.place == "none" and poll_ms:
        return _watching_ms(status)
    return min(2000, poll_ms * 3 // 10)


def status_payload(
    *, info: SaleInfo, status: QueueStatus, customer_id: int | None, now_ms: int
) -> dict[str, Any]:
    if not status.found:
        raise FlashSaleRefusal("queue_unavailable")
    if status.limited:
        raise FlashSaleRefusal("rate_limited")
    sold_out = status.state == FlashSale.Status.SOLD_OUT or (
        status.total > 0 and status.available + status.held == 0
    )
    eta_seconds = None
    if status.place == "waiting" and status.position:
        per_second = _admissions_per_second(status, now_ms=now_ms)
        if per_second > 0 and status.available + status.held > 0:
            eta_seconds = math.ceil(status.position / per_second)
    admission = None
    if status.place == "admitted" and customer_id is not None:
        admission = {
            "token": admission_token_issue(
                sale_id=info.sale_id,
                customer_id=customer_id,
                admitted_at_ms=status.admitted_at_ms,
                until_ms=status.admitted_until_ms,
            ),
            "expires_in_ms": max(0, status.admitted_until_ms - now_ms),
        }
    poll_ms = _poll_after_ms(status, now_ms=now_ms, sold_out=sold_out)
    return {
        "state": status.state,
        "place": status.place,
        "position": status.position,
        "eta_seconds": eta_seconds,
        "units": {
            "available": status.available,
            "held": status.held,
            "sold": status.sold,
            "total": status.total,
            "left": status.available + status.held,
        },
        "all_held": not sold_out and status.available == 0 and status.held > 0,
        "sold_out": sold_out,
        # More people ahead than cars not yet sold: honest about the odds.
        "unlikely": bool(status.position and status.position > status.available + status.held),
        "line_length": status.line_length,
        "pre_length": status.pre_length,
        "opens_in_ms": max(0, status.opens_at_ms - now_ms),
        "admission": admission,
        "poll_ms": poll_ms,
        "poll_jitter_ms": _poll_jitter_ms(status, poll_ms),
        "opening_offset_ms": _opening_slot_ms(status)[0] if status.place == "pre" else None,
    }

"""The waiting room, on both backends: the draw, first come first served, admissions, recovery."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

import pytest
from django.utils import timezone

from autovitrine.flashsales import services
from autovitrine.flashsales.errors import FlashSaleRefusal
from autovitrine.flashsales.models import Hold, QueueEntry, SaleEvent, SaleUnit
from autovitrine.flashsales.queue import TICKET_RANGE, QueueStatus, waiting_room
from autovitrine.testing.isolation import forget_redis_keys

from .factories import claim, join, poll_all, status


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def backend(request, settings):
    """Run the test on the in-process room and, where Redis is configured, on Redis."""
    if request.param == "memory":
        settings.REDIS_URL = ""
    waiting_room.cache_clear()
    return request.param


def _lose_the_room(backend: str) -> None:
    if backend == "redis":
        forget_redis_keys()
    else:
        waiting_room.cache_clear()  # a restarted process starts with an empty room


def _line_order(kit, customers) -> list:
    """Admitted buyers first, then the others by position."""
    pages = {c: status(kit, c) for c in customers}
    admitted = [c for c, p in pages.items() if p["place"] == "admitted"]
    waiting = sorted(
        (c for c, p in pages.items() if p["place"] == "waiting"), key=lambda c: pages[c]["position"]
    )
    return admitted + waiting


def test_the_pre_queue_is_served_in_the_order_of_its_recorded_draw_tickets(
    backend, sale_kit, buyers
):
    # Given six buyers in the pre-queue of a one-unit sale, each with a secret ticket
    kit = sale_kit(units=1)
    early = buyers(6)
    for buyer in early:
        answer = join(kit, buyer)
        assert answer["place"] == "pre" and "ticket" not in answer
    tickets = dict(QueueEntry.objects.values_list("customer_id", "ticket"))
    assert len(set(tickets.values())) == 6 and all(0 <= t < TICKET_RANGE for t in tickets.values())

    # When the sale opens
    kit.open()

    # Then the line is the pre-queue in ticket order, whatever the order of arrival
    expected = sorted(tickets, key=tickets.get)
    assert [b.pk for b in _line_order(kit, early)] == expected
    assert SaleEvent.objects.filter(sale=kit.sale, to_status="drawn").count() == 1
    # and opening again does not draw again
    services.sale_open(sale_id=kit.sale.pk, early=True)
    assert [b.pk for b in _line_order(kit, early)] == expected
    assert SaleEvent.objects.filter(sale=kit.sale, to_status="drawn").count() == 1


def test_pre_queue_pages_come_back_after_the_opening_in_ticket_order(sale_kit, buyers, settings):
    # Given a pre-queue of 40 pages, 10 minutes before the opening, with 20 polls/s to spare
    settings.FLASHSALE_POLLS_PER_SECOND = 20
    kit = sale_kit(units=1, opens_at=timezone.now() + dt.timedelta(minutes=10))
    crowd = buyers(40)
    for buyer in crowd:
        join(kit, buyer)
    tickets = dict(QueueEntry.objects.values_list("customer_id", "ticket"))

    # When each page asks for its status
    pages = {b.pk: status(kit, b) for b in crowd}

    # Then each comes back at the opening plus an offset that follows its ticket, the whole
    # pre-queue spread over the 2 s its 40 polls take: a page learns only its slot of the draw
    # (one of 8), not its rank, and picks its moment at random within the slot; the slots
    # halve towards the front, each lasting as long as all those before it
    offsets = [pages[pk]["opening_offset_ms"] for pk in sorted(tickets, key=tickets.get)]
    assert offsets == sorted(offsets) and offsets[0] >= 0 and offsets[-1] < 2000
    assert len(set(offsets)) <= 8
    for page in pages.values():
        assert 590_000 < page["poll_ms"] - page["opening_offset_ms"] <= 600_000
        assert page["opening_offset_ms"] + page["poll_jitter_ms"] <= 2000
        if page["opening_offset_ms"] == 0:
            assert page["poll_jitter_ms"] == 2000 // 128
        else:
            assert page["poll_jitter_ms"] == page["opening_offset_ms"]


def test_at_270_000_pages_the_front_of_the_draw_is_back_within_a_second():
    # Given 270,000 pages in the pre-queue, 2,000 polls/s to spare, 10 minutes before the opening
    info = services.SaleInfo(1, "s", "published", 120, 0)

    def slot(ticket: int) -> tuple[int, int]:
        seen = QueueStatus(
            found=True,
            state="published",
            place="pre",
            available=97,
            total=97,
            pre_length=270_000,
            opens_at_ms=600_000,
            ticket=ticket,
        )
        page = services.status_payload(info=info, status=seen, customer_id=7, now_ms=0)
        return page["opening_offset_ms"], page["poll_jitter_ms"]

    # When pages of tickets spread evenly over the draw are told their slot
    samples = 4096
    pages_per_slot = Counter(slot(t) for t in range(0, TICKET_RANGE, TICKET_RANGE // samples))
    slots = sorted(pages_per_slot)

    # Then the draw's first 2,109 (1/128), among them the 97 admitted, are back within 1.06 s
    # of the opening (with eight equal slots: within 16.9 s), the last within the 135 s that the
    # whole pre-queue's polls take
    assert slots[0] == (0, 1054)
    assert slots[-1][0] + slots[-1][1] <= 135_000
    assert len(slots) == 8
    # and each slot's pages ask at the budget's rate, not faster (widths are rounded down to
    # the millisecond)
    for (_offset, width), sampled in pages_per_slot.items():
        assert 270_000 * sampled / samples <= 2_000 * (width + 1) / 1000


@pytest.mark.parametrize("admissions_in_two_minutes", [97, 2_000])
def test_a_long_line_polls_within_the_budget_and_sees_its_admissions(admissions_in_two_minutes):
    # Given a line of 270,000 pages, two minutes after the opening, admitting at some pace
    # (97 or 2,000 in the last two minutes), with 2,000 polls/s to spare
    opened, now = 1_000_000, 1_120_000
    info = services.SaleInfo(1, "s", "open", 120, 0)
    pace = admissions_in_two_minutes / 120

    def poll_ms(position: int) -> int:
        seen = QueueStatus(
            found=True,
            state="open",
            place="waiting",
            position=position,
            available=97,
            total=97,
            line_length=270_000,
            admissions_in_window=admissions_in_two_minutes,
            opened_at_ms=opened,
        )
        return services.status_payload(info=info, status=seen, customer_id=7, now_ms=now)["poll_ms"]

    # When every page is told when to ask again
    intervals = {position: poll_ms(position) for position in range(1, 270_001, 7)}

    # Then the whole line's polls (each page asking once per interval, jitter aside) stay within
    # the budget unless the line moves fast, and the front asks most often
    polls_per_second = 7 * sum(1000 / ms for ms in intervals.values())
    assert polls_per_second <= (2_000 if pace < 10 else 4 * 2_000)
    assert intervals[1] == 2000 and max(intervals.values()) == 270_000  # twice length ÷ budget
    assert list(intervals.values()) == sorted(intervals.values())
    # and near the front, where admissions happen, pages ask every 2 s; further back no page
    # waits so long that the line could cover half its distance meanwhile (so an admission,
    # which lasts 120 s, is seen within seconds), except where the cap holds pages far from the
    # front at this pace
    for position, ms in intervals.items():
        if position <= 2 * 97:
            assert ms == 2000
        else:
            assert pace * ms / 1000 <= position / 2 or ms == 270_000
    # Before, every page past the first 2,000 asked every 135 s, longer than an admission lasts.
    assert intervals[1_002] < 20_000


def test_pages_without_a_place_share_half_the_poll_budget(backend, sale_kit, buyers, settings):
    # Given 4 polls/s to spare, a sale opening in 5 minutes, 10 pages in its pre-queue and
    # 20 more watching without a place
    settings.FLASHSALE_POLLS_PER_SECOND = 4
    kit = sale_kit(units=1, opens_at=timezone.now() + dt.timedelta(minutes=5))
    early, watching = buyers(10), buyers(20)
    for buyer in early:
        join(kit, buyer)
    for buyer in early + watching:
        status(kit, buyer)

    # When a watching page asks before the opening, then after it
    before = status(kit, watching[0])
    kit.open()
    after = status(kit, watching[0])
    in_line = status(kit, early[0])

    # Then it comes back once the pre-queue has had its turn (10 polls at 4/s: 2.5 s) and
    # afterwards every 30 visitors x 2 / 4 = 15 s, at a random moment within that, so all the
    # watching pages together take half the budget; a page in line keeps its own pace
    assert before["place"] == "none" and before["opening_offset_ms"] is None
    assert 297_000 < before["poll_ms"] <= 302_500
    assert (before["poll_jitter_ms"], after["poll_ms"], after["poll_jitter_ms"]) == (
        15_000,
        15_000,
        15_000,
    )
    assert in_line["place"] in ("waiting", "admitted") and in_line["poll_ms"] <= 2000


def test_later_arrivals_queue_first_come_first_served_behind_the_pre_queue(
    backend, sale_kit, buyers
):
    kit = sale_kit(units=1)
    for buyer in buyers(3):
        join(kit, buyer)
    kit.open()
    late = buyers(2)

    answers = [join(kit, buyer) for buyer in late]

    assert [a["position"] for a in answers] == [3, 4]
    assert [status(kit, b)["position"] for b in late] == [3, 4]
    assert not QueueEntry.objects.filter(customer__in=late, pre_queue=True).exists()


def test_as_many_buyers_are_admitted_as_units_are_free(backend, sale_kit, buyers):
    kit = sale_kit(units=5)
    group = buyers(8)
    for buyer in group:
        join(kit, buyer)
    kit.open()

    tokens, waiting = poll_all(kit, group)

    assert len(tokens) == 5
    assert sorted(status(kit, b)["position"] for b in waiting) == [1, 2, 3]
    assert status(kit, None)["units"]["available"] == 5


def test_an_admission_not_used_in_time_lapses_and_the_next_buyer_is_admitted(
    backend, sale_kit, buyers
):
    kit = sale_kit(units=1, admission_seconds=30)
    group = buyers(2)
    for buyer in group:
        join(kit, buyer)
    kit.open()
    tokens, [second] = poll_all(kit, group)
    [first] = tokens

    later = int(time.time() * 1000) + 31_000
    room = waiting_room()
    after = room.status(sale_id=kit.sale.pk, customer_id=second.pk, now_ms=later, poll_limit=100)
    lapsed = room.status(sale_id=kit.sale.pk, customer_id=first.pk, now_ms=later, poll_limit=100)

    assert after.place == "admitted"
    assert lapsed.place == "none"  # may join again, at the back


def test_an_admission_runs_from_when_its_page_is_first_told(backend, sale_kit, buyers):
    """On a busy morning a page may hear of its admission late: the buyer still gets the whole
    time to click, from the first answer that tells them; an admission nobody is told of lapses
    on time, so it never blocks a unit for more than twice its length."""
    kit = sale_kit(units=2, admission_seconds=30)
    group = {buyer.pk: buyer for buyer in buyers(3)}
    for buyer in group.values():
        join(kit, buyer)  # into the pre-queue: the join's answer tells of no admission
    tickets = dict(QueueEntry.objects.values_list("customer_id", "ticket"))
    late, absent, third = (group[pk] for pk in sorted(tickets, key=tickets.get))
    kit.open()
    room = waiting_room()
    granted = int(time.time() * 1000)
    room.status(sale_id=kit.sale.pk, customer_id=None, now_ms=granted, poll_limit=100)

    def asks(buyer, at_ms):
        return room.status(sale_id=kit.sale.pk, customer_id=buyer.pk, now_ms=at_ms, poll_limit=100)

    told = asks(late, granted + 25_000)
    again = asks(late, granted + 40_000)
    third_then = asks(third, granted + 40_000)

    assert told.place == "admitted"
    assert told.admitted_until_ms == granted + 25_000 + 30_000
    assert again.place == "admitted"  # past the grant's 30 s, within the 30 s since told
    assert again.admitted_until_ms == told.admitted_until_ms  # told once: never extended again
    assert asks(absent, granted + 40_000).place == "none"  # lapsed at grant + 30 s
    assert third_then.place == "admitted"  # took the unit the absent buyer left
    gone = asks(late, granted + 56_000)
    assert (gone.place, gone.admitted_until_ms) == ("none", 0), gone


def test_the_estimated_wait_follows_the_observed_pace():
    # 60 admissions over the last two minutes: half a buyer per second
    now = 1_000_000_000
    seen = QueueStatus(
        found=True,
        state="open",
        place="waiting",
        position=30,
        available=0,
        held=10,
        total=50,
        admissions_in_window=60,
        opened_at_ms=now - 600_000,
    )
    info = services.SaleInfo(1, "s", "open", 120, 0)

    page = services.status_payload(info=info, status=seen, customer_id=7, now_ms=now)

    assert page["eta_seconds"] == 60
    assert page["unlikely"] is True  # 30 people ahead of only 10 cars not yet sold
    assert page["poll_ms"] == 2000


def test_losing_the_room_rebuilds_it_from_the_database_in_the_same_order(backend, sale_kit, buyers):
    # Given a drawn pre-queue, FCFS arrivals and one hold
    kit = sale_kit(units=1)
    early = buyers(5)
    for buyer in early:
        join(kit, buyer)
    kit.open()
    tokens, _ = poll_all(kit, early)
    [(holder, token)] = tokens.items()
    claim(kit, holder, token)
    late = buyers(2)
    for buyer in late:
        join(kit, buyer)
    before = {b: status(kit, b)["position"] for b in early + late if b != holder}

    # When the room is lost (Redis flushed, or the process restarted)
    _lose_the_room(backend)

    # Then the next poll rebuilds it from the database: same positions, same hold
    assert {b: status(kit, b)["position"] for b in before} == before
    page = status(kit, holder)
    assert (page["place"], page["units"]["held"], page["all_held"]) == ("holding", 1, True)


def test_staff_remove_an_abusive_account_and_its_hold(backend, sale_kit, buyers):
    kit = sale_kit(units=1)
    group = buyers(2)
    for buyer in group:
        join(kit, buyer)
    kit.open()
    tokens, [other] = poll_all(kit, group)
    [(abuser, token)] = tokens.items()
    claim(kit, abuser, token)
    entry = QueueEntry.objects.get(customer=abuser)

    services.queue_entry_remove(
        sale_id=kit.sale.pk, entry_id=entry.pk, by=kit.head_office, reason="50 comptes, même IP"
    )

    assert SaleUnit.objects.get().status == SaleUnit.Status.AVAILABLE
    assert Hold.objects.get().status == Hold.Status.RELEASED
    assert status(kit, abuser)["place"] == "removed"
    assert status(kit, other)["place"] == "admitted"
    with pytest.raises(FlashSaleRefusal) as refused:
        join(kit, abuser)
    assert refused.value.code == "removed"


def test_a_published_sale_opens_by_itself_when_its_time_comes(backend, sale_kit, buyers):
    kit = sale_kit(units=1)
    [buyer] = buyers(1)
    join(kit, buyer)
    type(kit.sale).objects.filter(pk=kit.sale.pk).update(
        opens_at=kit.sale.opens_at.replace(year=2020)
    )
    services.waiting_room_restore(sale_id=kit.sale.pk)

    page = status(kit, buyer)

    kit.sale.refresh_from_db()
    assert kit.sale.status == "open" and kit.sale.opened_at is not None
    assert page["place"] == "admitted"

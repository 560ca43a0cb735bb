"""The waiting room: sale info for the hot paths, status reads, joins, removals."""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .. import selectors
from ..batching import GroupCommit
from ..errors import FlashSaleRefusal
from ..models import (
    FlashSale,
    Hold,
    QueueEntry,
    SaleEvent,
    SaleUnit,
)
from ..networks import client_network
from ..presentation import status_payload
from ..queue import (
    TICKET_BITS,
    JoinOutcome,
    QueueStatus,
    RateAnswer,
    RateCheck,
    waiting_room,
)
from ..tokens import (
    challenge_difficulty,
    challenge_expired,
    challenge_issue,
    proof_of_work_valid,
)
from ._base import (
    QUEUE_ERRORS,
    _event,
    _now_ms,
    _on_postgres,
    _sale_info_cache,
    _setting,
    in_db_thread,
)
from .claims import holds_release_expired
from .sale import (
    holds_extend_after_outage,
    queue_outage_seen,
    sale_open,
    sale_sync,
    waiting_room_restore,
)

# --- The waiting room -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SaleInfo:
    """What the hot paths need to know about a sale, cached a few seconds per process."""

    sale_id: int
    slug: str
    status: str
    admission_seconds: int
    pow_difficulty_bits: int
    opens_at_ms: int = 0
    limit_per_customer: int = 1
    updated_ms: int = 0  # the sale row's last change: a new one means a new sale page


SALE_INFO_TTL_SECONDS = 5.0


def sale_info_cached(slug: str) -> tuple[bool, SaleInfo | None]:
    """``(True, info)`` when this process read the sale less than 5 s ago; no database access."""
    cached = _sale_info_cache.get(slug)
    if cached and cached[0] > time.monotonic():
        return True, cached[1]
    return False, None


def sale_info(slug: str, *, fresh: bool = False) -> SaleInfo | None:
    """The public sale behind ``slug`` (None for a draft or unknown one), at most 5 s old
    (read now with ``fresh``)."""
    hit, info = sale_info_cached(slug)
    if hit and not fresh:
        return info
    sale = selectors.sale_for_public(slug)
    info = (
        SaleInfo(
            sale.pk,
            sale.slug,
            sale.status,
            sale.admission_seconds,
            sale.pow_difficulty_bits,
            int(sale.opens_at.timestamp() * 1000),
            sale.limit_per_customer,
            int(sale.updated_at.timestamp() * 1000),
        )
        if sale
        else None
    )
    _sale_info_cache[slug] = (time.monotonic() + SALE_INFO_TTL_SECONDS, info)
    return info


# While one request reads a stale sale again, the others keep its last value this long.
SALE_INFO_REFRESH_SECONDS = 1.0


async def asale_info(slug: str) -> SaleInfo | None:
    """``sale_info`` for the async hot paths: the database is read only when the cache is stale,
    and then by one request: the others meanwhile answer from the value it replaces (at the
    peak, every request arriving in the instant the value went stale read the sale, issue #11)."""
    hit, info = sale_info_cached(slug)
    if hit:
        return info
    stale = _sale_info_cache.get(slug)
    if stale is not None:
        _sale_info_cache[slug] = (time.monotonic() + SALE_INFO_REFRESH_SECONDS, stale[1])
    return await in_db_thread(sale_info, slug, fresh=True)


def _poll_limit() -> int:
    return _setting("FLASHSALE_POLLS_PER_ACCOUNT_PER_MINUTE", 120)


def _attend(sale_id: int, status: QueueStatus) -> bool:
    """Do the database work a status read found due; ``True`` if the room should be read again."""
    room = waiting_room()
    if not status.found:
        if room.try_lock(sale_id=sale_id, name="restore", ttl_ms=10_000):
            waiting_room_restore(sale_id=sale_id)
            return True
        return False
    if status.open_due:
        sale_open(sale_id=sale_id)
        return True
    if status.sweep_due:
        holds_release_expired(sale_id=sale_id)
    elif status.resync_due:
        sale_sync(sale_id=sale_id)
    return False


def queue_status(*, info: SaleInfo, customer_id: int | None) -> dict[str, Any]:
    """What the waiting page shows; a read of the waiting room only, unless work is due."""
    room = waiting_room()
    limit = _poll_limit()
    status = room.status(
        sale_id=info.sale_id, customer_id=customer_id, now_ms=_now_ms(), poll_limit=limit
    )
    if (not status.found or status.open_due or status.sweep_due or status.resync_due) and _attend(
        info.sale_id, status
    ):
        status = room.status(
            sale_id=info.sale_id, customer_id=customer_id, now_ms=_now_ms(), poll_limit=limit + 1
        )
    return status_payload(info=info, status=status, customer_id=customer_id, now_ms=_now_ms())


# The sales for which this process has seen the waiting room unreachable and not yet back.
_outages_seen: set[int] = set()


async def aqueue_outage_seen(*, sale_id: int) -> None:
    """The waiting room of ``sale_id`` is unreachable: note when that began, once per process."""
    if sale_id in _outages_seen:
        return
    _outages_seen.add(sale_id)
    await in_db_thread(queue_outage_seen, sale_id=sale_id)


async def aqueue_status(*, info: SaleInfo, customer_id: int | None) -> dict[str, Any]:
    """``queue_status`` for async views: one Redis round trip in the common case."""
    limit = _poll_limit()
    status = await waiting_room().astatus(
        sale_id=info.sale_id, customer_id=customer_id, now_ms=_now_ms(), poll_limit=limit
    )
    if info.sale_id in _outages_seen:
        # Back after an outage this process saw (a room rebuilt from the database has already
        # done it): the holds that ran meanwhile get its length.
        _outages_seen.discard(info.sale_id)
        await in_db_thread(holds_extend_after_outage, sale_id=info.sale_id)
    return await _astatus_payload(info=info, customer_id=customer_id, status=status)


async def _astatus_payload(
    *, info: SaleInfo, customer_id: int | None, status: QueueStatus
) -> dict[str, Any]:
    """The page's answer for a status just read; the database work it found due is done first."""
    due = not status.found or status.open_due or status.sweep_due or status.resync_due
    if due and await in_db_thread(_attend, info.sale_id, status):
        status = await waiting_room().astatus(
            sale_id=info.sale_id,
            customer_id=customer_id,
            now_ms=_now_ms(),
            poll_limit=_poll_limit() + 1,
        )
    return status_payload(info=info, status=status, customer_id=customer_id, now_ms=_now_ms())


def queue_join(
    *,
    info: SaleInfo,
    customer: Any,
    client_ip: str | None,
    challenge: str,
    nonce: str,
    idempotency_key: str = "",
) -> dict[str, Any]:
    """Take one place in the waiting room (the pre-queue before the opening, then the line).

    A retried join (same key) or a second join of the same account returns the same place.
    """
    _refuse_join_if_over(info)
    if getattr(customer, "kind", "") != "customer":
        raise FlashSaleRefusal("customers_only")
    new_account = _new_account(account_created_s(customer))
    network = client_network(client_ip) or ""
    checks = _join_rate_checks(customer.pk, client_ip, network, new_account)
    try:
        gate = waiting_room().allow(sale_id=info.sale_id, checks=checks, network=network)
    except QUEUE_ERRORS:
        gate = RateAnswer()  # without Redis, the proof of work and the one-place rule still stand
    _refuse_if_limited(gate)
    key = (idempotency_key or "").strip()[:64]
    proof_ok = proof_of_work_valid(
        challenge=challenge,
        nonce=nonce,
        sale_id=info.sale_id,
        customer_id=customer.pk,
        difficulty_bits=_accepted_difficulty(info, gate.network_places, new_account),
    )
    now = timezone.now()
    pre_queue = (
        info.status == FlashSale.Status.PUBLISHED and now.timestamp() * 1000 < info.opens_at_ms
    )
    # The common case, a first join, is one statement; anything else reads the existing place.
    place = NewPlace(info.sale_id, customer.pk, pre_queue, now, key, client_ip, _draw_ticket())
    ticket = place.ticket
    if not (proof_ok and queue_entries_insert([place])):
        entry = QueueEntry.objects.filter(sale_id=info.sale_id, customer_id=customer.pk).first()
        if not proof_ok and not (entry is not None and key and entry.join_key == key):
            raise _proof_refusal(
                info, customer.pk, challenge, network=network, gate=gate, new_account=new_account
            )
        if entry is None:  # only possible if the sale itself was deleted meanwhile
            raise FlashSaleRefusal("not_in_queue")
        entry = _queue_entry_rejoin(
            info=info, entry=entry, pre_queue=pre_queue, now=now, key=key, client_ip=client_ip
        )
        if entry.status != QueueEntry.Status.WAITING:
            return queue_status(info=info, customer_id=customer.pk)
        ticket = entry.ticket or 0
    _place_in_room(info=info, customer_id=customer.pk, ticket=ticket, network=network)
    return queue_status(info=info, customer_id=customer.pk)


# --- Join limits by account age and network (issue #11, defect 8) ---------------------------
#
# 300,000 people may sign up the morning of a sale, so a new account is never locked out by
# default: it joins under a tighter budget of its own per address and per network, and solves a
# harder proof of work. Settings (defaults): an account is new for FLASHSALE_NEW_ACCOUNT_HOURS (24)
# after its creation; new accounts get FLASHSALE_NEW_ACCOUNT_JOINS_PER_IP_PER_MINUTE (20) and
# FLASHSALE_NEW_ACCOUNT_JOINS_PER_NETWORK_PER_MINUTE (100) joins, counted besides the shared
# budgets, and FLASHSALE_NEW_ACCOUNT_POW_EXTRA_BITS (2) more bits of proof of work.
# FLASHSALE_MIN_ACCOUNT_AGE_MINUTES (0, off) refuses accounts younger than that outright.
# The proof of work also grows with the places the caller's /24 or /64 already took in the sale:
# one bit per FLASHSALE_POW_PLACES_PER_EXTRA_BIT (100) places, at most
# FLASHSALE_POW_MAX_NETWORK_EXTRA_BITS (4) bits.

MAX_DIFFICULTY_BITS = 32


def account_created_s(customer: Any) -> int:
    """When an account was created (Unix seconds), as the queue pass carries it."""
    joined = getattr(customer, "date_joined", None)
    return int(joined.timestamp()) if joined else 0


def _new_account(created_s: int) -> bool:
    """Whether an account created at ``created_s`` is new; refused if younger than the minimum."""
    age_s = time.time() - created_s
    minimum_s = _setting("FLASHSALE_MIN_ACCOUNT_AGE_MINUTES", 0) * 60
    if age_s < minimum_s:
        raise FlashSaleRefusal("account_too_new", retry_seconds=max(1, int(minimum_s - age_s)))
    return age_s < _setting("FLASHSALE_NEW_ACCOUNT_HOURS", 24) * 3600


def join_difficulty(info: SaleInfo, *, network_places: int, new_account: bool) -> int:
    """The proof of work a join asks: the sale's, plus a bit per block of places already taken
    from the caller's network (capped), plus the new-account bits."""
    per_bit = _setting("FLASHSALE_POW_PLACES_PER_EXTRA_BIT", 100)
    extra = (
        min(network_places // per_bit, _setting("FLASHSALE_POW_MAX_NETWORK_EXTRA_BITS", 4))
        if per_bit > 0
        else 0
    )
    if new_account:
        extra += _setting("FLASHSALE_NEW_ACCOUNT_POW_EXTRA_BITS", 2)
    return min(info.pow_difficulty_bits + extra, MAX_DIFFICULTY_BITS)


def _accepted_difficulty(info: SaleInfo, network_places: int, new_account: bool) -> int:
    """The least difficulty a join's challenge may state: one block of places of grace, for the
    places the network took while the page solved its challenge."""
    grace = max(_setting("FLASHSALE_POW_PLACES_PER_EXTRA_BIT", 100), 0)
    return join_difficulty(
        info, network_places=max(network_places - grace, 0), new_account=new_account
    )


def _proof_refusal(
    info: SaleInfo,
    customer_id: int,
    challenge: str,
    *,
    network: str,
    gate: RateAnswer,
    new_account: bool,
) -> FlashSaleRefusal:
    """A refusal the page gets over by itself, with a fresh challenge, when a genuine one has
    expired (``challenge_expired``) or states too low a difficulty because the network took
    places since it was issued (``pow_harder``); else ``pow_invalid``."""
    if challenge_expired(challenge=challenge, sale_id=info.sale_id, customer_id=customer_id):
        code = "challenge_expired"
    else:
        stated = challenge_difficulty(
            challenge=challenge, sale_id=info.sale_id, customer_id=customer_id
        )
        accepted = _accepted_difficulty(info, gate.network_places, new_account)
        if stated is None or stated >= accepted:
            return FlashSaleRefusal("pow_invalid")
        code = "pow_harder"
    difficulty = join_difficulty(info, network_places=gate.network_places, new_account=new_account)
    fresh = challenge_issue(
        sale_id=info.sale_id, customer_id=customer_id, difficulty_bits=difficulty
    )
    return FlashSaleRefusal(code, extra={"challenge": fresh, "difficulty": difficulty})


def _challenge_payload(
    info: SaleInfo, customer_id: int, *, network_places: int, new_account: bool
) -> dict[str, Any]:
    difficulty = join_difficulty(info, network_places=network_places, new_account=new_account)
    challenge = challenge_issue(
        sale_id=info.sale_id, customer_id=customer_id, difficulty_bits=difficulty
    )
    return {"challenge": challenge, "difficulty": difficulty}


def join_challenge(
    *, info: SaleInfo, customer_id: int, account_created_s: int, client_ip: str | None
) -> dict[str, Any]:
    """A proof-of-work challenge for this customer at the difficulty their join will need."""
    network = _counted_network(client_ip)
    places = 0
    if network:
        # Redis down: the sale's own difficulty; the join itself says if more was needed.
        with contextlib.suppress(*QUEUE_ERRORS):
            places = waiting_room().network_places(sale_id=info.sale_id, network=network)
    new_account = _new_account_or_not(account_created_s)
    return _challenge_payload(info, customer_id, network_places=places, new_account=new_account)


async def ajoin_challenge(
    *, info: SaleInfo, customer_id: int, account_created_s: int, client_ip: str | None
) -> dict[str, Any]:
    """``join_challenge`` for the fast path: one Redis read (the network's places)."""
    network = _counted_network(client_ip)
    places = 0
    if network:
        with contextlib.suppress(*QUEUE_ERRORS):
            places = await waiting_room().anetwork_places(sale_id=info.sale_id, network=network)
    new_account = _new_account_or_not(account_created_s)
    return _challenge_payload(info, customer_id, network_places=places, new_account=new_account)


def _counted_network(client_ip: str | None) -> str | None:
    """The network whose places a challenge's difficulty depends on; none when that rule is off
    (then a challenge reads nothing in Redis)."""
    if _setting("FLASHSALE_POW_PLACES_PER_EXTRA_BIT", 100) <= 0:
        return None
    return client_network(client_ip)


def _new_account_or_not(created_s: int) -> bool:
    """A challenge is given even to an account too young to join yet (the join says so)."""
    try:
        return _new_account(created_s)
    except FlashSaleRefusal:
        return True


def _refuse_join_if_over(info: SaleInfo) -> None:
    if info.status == FlashSale.Status.SOLD_OUT:
        raise FlashSaleRefusal("sold_out")
    if info.status == FlashSale.Status.CLOSED:
        raise FlashSaleRefusal("closed")


JOIN_WINDOW_MS = 60_000
NEW_ACCOUNT_CHECKS = "join:new:"


def _join_rate_checks(
    customer_id: int, client_ip: str | None, network: str, new_account: bool
) -> list[RateCheck]:
    checks = [
        RateCheck(
            f"join:acct:{customer_id}",
            _setting("FLASHSALE_JOINS_PER_ACCOUNT_PER_MINUTE", 10),
            JOIN_WINDOW_MS,
        ),
    ]
    if client_ip:
        limit = _setting("FLASHSALE_JOINS_PER_IP_PER_MINUTE", 120)
        checks.append(RateCheck(f"join:ip:{client_ip}", limit, JOIN_WINDOW_MS))
        if network:
            # A bot spreads over the addresses of one network (a /24, an IPv6 /64): the whole
            # network gets a budget of its own, a few offices' worth of buyers a minute.
            limit = _setting("FLASHSALE_JOINS_PER_NETWORK_PER_MINUTE", 600)
            checks.append(RateCheck(f"join:net:{network}", limit, JOIN_WINDOW_MS))
    if client_ip and new_account:
        # Accounts made for the sale by one bot come from few places: new accounts share a
        # tighter budget per address and network, besides the shared one.
        limit = _setting("FLASHSALE_NEW_ACCOUNT_JOINS_PER_IP_PER_MINUTE", 20)
        checks.append(RateCheck(f"{NEW_ACCOUNT_CHECKS}ip:{client_ip}", limit, JOIN_WINDOW_MS))
        if network:
            limit = _setting("FLASHSALE_NEW_ACCOUNT_JOINS_PER_NETWORK_PER_MINUTE", 100)
            checks.append(RateCheck(f"{NEW_ACCOUNT_CHECKS}net:{network}", limit, JOIN_WINDOW_MS))
    return checks


def _refuse_if_limited(gate: RateAnswer) -> None:
    if gate.refused.startswith(NEW_ACCOUNT_CHECKS):
        raise FlashSaleRefusal("new_account_limited")
    if gate.refused:
        raise FlashSaleRefusal("rate_limited")


async def aqueue_join_first(
    *,
    info: SaleInfo,
    customer_id: int,
    account_created_s: int,
    client_ip: str | None,
    challenge: str,
    nonce: str,
    idempotency_key: str = "",
) -> dict[str, Any] | None:
    """``queue_join`` for the common case, an account's first join, without Django's stack.

    The caller vouches that ``customer_id`` is a signed-in customer (the queue pass). The new
    place is written by a group commit shared with the joins arriving meanwhile (one INSERT for
    all of them) before the waiting room is told. ``None`` when this is not a plain first join
    (the account already has a place, or the proof of work does not hold, which a retry key may
    excuse): ``queue_join`` decides those.
    """
    _refuse_join_if_over(info)
    room = waiting_room()
    new_account = _new_account(account_created_s)
    network = client_network(client_ip) or ""
    checks = _join_rate_checks(customer_id, client_ip, network, new_account)
    try:
        gate = await room.aallow(sale_id=info.sale_id, checks=checks, network=network)
    except QUEUE_ERRORS:
        gate = RateAnswer()
    _refuse_if_limited(gate)
    proof_ok = proof_of_work_valid(
        challenge=challenge,
        nonce=nonce,
        sale_id=info.sale_id,
        customer_id=customer_id,
        difficulty_bits=_accepted_difficulty(info, gate.network_places, new_account),
    )
    if not proof_ok:
        return None
    now = timezone.now()
    pre_queue = (
        info.status == FlashSale.Status.PUBLISHED and now.timestamp() * 1000 < info.opens_at_ms
    )
    key = (idempotency_key or "").strip()[:64]
    place = NewPlace(info.sale_id, customer_id, pre_queue, now, key, client_ip, _draw_ticket())
    if not await _place_writer.submit(place):
        return None
    try:
        placed = await room.ajoin_then_status(
            sale_id=info.sale_id,
            customer_id=customer_id,
            now_ms=_now_ms(),
            ticket=place.ticket,
            poll_limit=_poll_limit(),
            network=network,
        )
    except QUEUE_ERRORS as exc:
        raise FlashSaleRefusal("queue_unavailable") from exc
    if not isinstance(placed, QueueStatus) or (placed.place == "pre") != pre_queue:
        # A lost waiting room, a sale that ended meanwhile, the opening in between: full rules.
        await in_db_thread(
            _place_in_room,
            info=info,
            customer_id=customer_id,
            ticket=place.ticket,
            network=network,
        )
        return await aqueue_status(info=info, customer_id=customer_id)
    return await _astatus_payload(info=info, customer_id=customer_id, status=placed)


@dataclass(frozen=True, slots=True)
class NewPlace:
    sale_id: int
    customer_id: int
    pre_queue: bool
    joined_at: dt.datetime
    join_key: str
    client_ip: str | None
    ticket: int


def _draw_ticket() -> int:
    """A place's ticket in the pre-queue draw: secret, uniform, drawn once per place."""
    return secrets.randbits(TICKET_BITS)


async def _insert_places(places: Sequence[NewPlace]) -> list[bool]:
    """One INSERT for a batch of joins: ``True`` for each new place. A customer twice in one batch
    gets one place, the first."""
    created = await in_db_thread(queue_entries_insert, places)
    answers = []
    for place in places:
        answers.append(place.customer_id in created)
        created.discard(place.customer_id)
    return answers


PLACE_BATCH_SIZE = 500
# Group commit of new places: while one INSERT runs, the joins arriving queue up for the next one.
# A join is answered only once its row is in.
_place_writer: GroupCommit[NewPlace, bool] = GroupCommit(_insert_places, PLACE_BATCH_SIZE)


def queue_entries_insert(places: Sequence[NewPlace]) -> set[int]:
    """Record new places in one statement; returns the customers whose place is new."""
    if not places:
        return set()
    table = QueueEntry._meta.db_table
    columns = "sale_id, customer_id, status, pre_queue, joined_at, join_key, client_ip, ticket"
    conflict = "ON CONFLICT (sale_id, customer_id) DO NOTHING RETURNING customer_id"
    if _on_postgres():
        # One array per column: a short statement whatever the batch, so psycopg parses it once
        # (a VALUES list of 500 rows has 4,000 placeholders, parsed again for every batch: most of
        # the INSERT's CPU, issue #11).
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({columns}, removed_reason) "
                "SELECT * , '' FROM unnest(%s::bigint[], %s::bigint[], %s::varchar[], "
                "%s::boolean[], %s::timestamptz[], %s::varchar[], %s::inet[], %s::bigint[]) "
                f"{conflict}",
                [
                    [p.sale_id for p in places],
                    [p.customer_id for p in places],
                    [QueueEntry.Status.WAITING.value] * len(places),
                    [p.pre_queue for p in places],
                    [p.joined_at for p in places],
                    [p.join_key for p in places],
                    [p.client_ip for p in places],
                    [p.ticket for p in places],
                ],
            )
            return {row[0] for row in cursor.fetchall()}
    adapt = connection.ops.adapt_datetimefield_value
    params: list[Any] = []
    for p in places:
        params += [p.sale_id, p.customer_id, QueueEntry.Status.WAITING, p.pre_queue]
        params += [adapt(p.joined_at), p.join_key, p.client_ip, p.ticket]
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, '')"] * len(places))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}, removed_reason) VALUES {rows} {conflict}", params
        )
        return {row[0] for row in cursor.fetchall()}


def _queue_entry_rejoin(
    *,
    info: SaleInfo,
    entry: QueueEntry,
    pre_queue: bool,
    now: dt.datetime,
    key: str,
    client_ip: str | None,
) -> QueueEntry:
    """An account that already has a place: keep it, or put it back in line if it may."""
    if entry.status == QueueEntry.Status.REMOVED:
        raise FlashSaleRefusal("removed")
    if entry.status == QueueEntry.Status.CLAIMED:
        if selectors.active_hold_of(sale_id=info.sale_id, customer_id=entry.customer_id):
            return entry
        holds_release_expired(sale_id=info.sale_id)
        entry.refresh_from_db()
    if (
        entry.status == QueueEntry.Status.PURCHASED
        and selectors.customer_units_bought(sale_id=info.sale_id, customer_id=entry.customer_id)
        >= info.limit_per_customer
    ):
        raise FlashSaleRefusal("already_bought")
    if entry.status in (QueueEntry.Status.LAPSED, QueueEntry.Status.PURCHASED):
        # Back in line after a lapsed turn or a purchase under the limit: at the back.
        with transaction.atomic():
            moved = QueueEntry.objects.filter(pk=entry.pk, status=entry.status).update(
                status=QueueEntry.Status.WAITING,
                joined_at=now,
                pre_queue=pre_queue,
                ticket=_draw_ticket(),
                join_key=key,
                client_ip=client_ip,
            )
            if moved:
                _event(
                    info.sale_id, SaleEvent.Subject.QUEUE, entry.pk, entry.status, "waiting"
                ).save()
        entry.refresh_from_db()
    return entry


def _place_in_room(*, info: SaleInfo, customer_id: int, ticket: int, network: str = "") -> None:
    room = waiting_room()

    def join() -> JoinOutcome:
        return room.join(
            sale_id=info.sale_id,
            customer_id=customer_id,
            now_ms=_now_ms(),
            ticket=ticket,
            network=network,
        )

    try:
        outcome = join()
        if outcome.result == "missing":
            _attend(info.sale_id, QueueStatus(found=False))
            outcome = join()
    except QUEUE_ERRORS as exc:
        raise FlashSaleRefusal("queue_unavailable") from exc
    if outcome.result == "removed":
        raise FlashSaleRefusal("removed")
    if outcome.result in ("sold_out", "closed"):
        raise FlashSaleRefusal(outcome.result)
    if outcome.result == "missing":
        raise FlashSaleRefusal("queue_unavailable")
    if outcome.result in ("pre", "line"):
        # The room decides whether a new place is in the draw (the opening may have come between).
        in_draw = outcome.result == "pre"
        QueueEntry.objects.filter(
            sale_id=info.sale_id, customer_id=customer_id, pre_queue=not in_draw
        ).update(pre_queue=in_draw)


def queue_entry_remove(*, sale_id: int, entry_id: int, by: Any, reason: str = "") -> QueueEntry:
    """Staff take an abusive account out of the sale: its place and any live hold are given up."""
    with transaction.atomic():
        entry = QueueEntry.objects.select_for_update().get(pk=entry_id, sale_id=sale_id)
        if entry.status == QueueEntry.Status.REMOVED:
            return entry
        previous = entry.status
        entry.status = QueueEntry.Status.REMOVED
        entry.removed_reason = reason[:200]
        entry.save(update_fields=["status", "removed_reason"])
        events = [
            _event(
                sale_id,
                SaleEvent.Subject.QUEUE,
                entry.pk,
                previous,
                entry.status,
                by=by,
                note=reason,
            )
        ]
        held = list(
            SaleUnit.objects.filter(
                sale_id=sale_id, holder_id=entry.customer_id, status=SaleUnit.Status.HELD
            ).values_list("pk", "hold_ref")
        )
        if held:
            SaleUnit.objects.filter(
                pk__in=[pk for pk, _ in held], status=SaleUnit.Status.HELD
            ).update(status=SaleUnit.Status.AVAILABLE, holder=None, held_until=None, hold_ref=None)
            Hold.objects.filter(ref__in=[ref for _, ref in held], status=Hold.Status.ACTIVE).update(
                status=Hold.Status.RELEASED
            )
            events += [
                _event(sale_id, SaleEvent.Subject.UNIT, pk, "held", "available", by=by, note=reason)
                for pk, _ in held
            ]
        SaleEvent.objects.bulk_create(events)
    sale_sync(sale_id=sale_id, changes=[(entry.customer_id, "x")])
    return entry

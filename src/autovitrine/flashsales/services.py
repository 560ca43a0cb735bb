"""Writes of flash sales: create, publish, open and close a sale; join the waiting room; claim a
unit; pay the deposit. The database decides every sale; the waiting room is told afterwards, and
a waiting room that fails (Redis down or flushed) costs fairness, never correctness.

Lock rules: a unit is claimed by one conditional statement (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL; SQLite serializes writers with ``BEGIN IMMEDIATE``); a payment confirmation locks only
its own purchase row; no row lock is held while the payment provider is called.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import secrets
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import redis
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Subquery
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from autovitrine.core.vin import validate_vin
from autovitrine.dealers.services import dealer_staff_notify
from autovitrine.inventory.models import StockVehicle
from autovitrine.inventory.services import vehicle_set_status
from autovitrine.payments.models import Payment
from autovitrine.payments.services import payment_refund, payment_start

from . import selectors
from .batching import GroupCommit
from .errors import FlashSaleRefusal
from .models import (
    FlashSale,
    Hold,
    IdempotencyRecord,
    Purchase,
    QueueEntry,
    SaleEvent,
    SaleUnit,
)
from .queue import (
    TICKET_BITS,
    TICKET_RANGE,
    JoinOutcome,
    QueueStatus,
    RateCheck,
    UnitCounts,
    pace_window_ms,
    waiting_room,
)
from .tokens import admission_token_issue, admission_token_read, proof_of_work_valid

logger = logging.getLogger(__name__)

# What a waiting-room failure looks like; the database work around it goes on.
QUEUE_ERRORS = (redis.RedisError, OSError)
RESERVED_SLUGS = {"siege", "reservation", "paiement-simule", "commande"}


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _now_ms() -> int:
    return int(time.time() * 1000)


def _on_postgres() -> bool:
    return connection.vendor == "postgresql"


def _db_now() -> Any:
    """The database clock on PostgreSQL (shared by every web worker), this process's elsewhere."""
    return Now() if _on_postgres() else timezone.now()


def _event(
    sale_id: int,
    subject: str,
    subject_id: int | None,
    from_status: str,
    to_status: str,
    *,
    by: Any = None,
    note: str = "",
) -> SaleEvent:
    return SaleEvent(
        sale_id=sale_id,
        subject=subject,
        subject_id=subject_id,
        from_status=from_status,
        to_status=to_status,
        by=by if getattr(by, "is_authenticated", False) else None,
        note=note[:200],
    )


def _clean_key(idempotency_key: str) -> str:
    """A client's idempotency key, or a fresh one when it sent none (then nothing is replayed)."""
    key = (idempotency_key or "").strip()[:64]
    return key or uuid.uuid4().hex


# --- The sale -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SaleData:
    brand_id: int
    title: str
    slug: str
    price_ttc: int
    deposit_ttc: int
    opens_at: dt.datetime
    hold_seconds: int = 600
    admission_seconds: int = 120
    limit_per_customer: int = 1
    dealer_choice_allowed: bool = False
    pow_difficulty_bits: int = 16
    description: str = ""


def _sale_move(
    *, sale_id: int, to_status: str, by: Any = None, note: str = "", **fields: Any
) -> bool:
    """Move a sale along ``FlashSale.TRANSITIONS`` with one conditional UPDATE and an event."""
    sources = [src for src, targets in FlashSale.TRANSITIONS.items() if to_status in targets]
    with transaction.atomic():
        current = (
            FlashSale.objects.filter(pk=sale_id, status__in=sources)
            .values_list("status", flat=True)
            .first()
        )
        if current is None:
            return False
        moved = FlashSale.objects.filter(pk=sale_id, status=current).update(
            status=to_status, updated_at=timezone.now(), **fields
        )
        if moved:
            _event(
                sale_id, SaleEvent.Subject.SALE, sale_id, current, to_status, by=by, note=note
            ).save()
        return bool(moved)


def sale_create(*, data: SaleData, vins: Sequence[str], by: Any) -> FlashSale:
    """A draft sale of exactly these stock vehicles, each reserved in the dealer's stock."""
    cleaned: list[str] = []
    for raw in vins:
        if raw.strip():
            try:
                cleaned.append(validate_vin(raw))
            except ValidationError as exc:
                raise ValidationError(
                    _("VIN %(vin)s : %(error)s") % {"vin": raw.strip(), "error": exc.messages[0]},
                    code="vin_invalid",
                ) from exc
    if not cleaned:
        raise ValidationError(_("Indiquez au moins un VIN."), code="vin_missing")
    if len(set(cleaned)) != len(cleaned):
        raise ValidationError(_("Un même VIN est indiqué deux fois."), code="vin_duplicate")
    if data.slug in RESERVED_SLUGS:
        raise ValidationError(
            _("Cette adresse est réservée : choisissez-en une autre."), code="slug"
        )
    if FlashSale.objects.filter(slug=data.slug).exists():
        raise ValidationError(_("Une vente utilise déjà cette adresse."), code="slug_taken")
    if not 0 < data.deposit_ttc <= data.price_ttc:
        raise ValidationError(
            _("L'acompte doit être positif et ne pas dépasser le prix."), code="deposit"
        )
    vehicles = selectors.vehicles_by_vin(cleaned)
    unknown = [vin for vin in cleaned if vin not in vehicles]
    if unknown:
        raise ValidationError(
            _("VIN absents du stock : %(vins)s") % {"vins": ", ".join(unknown)}, code="vin_unknown"
        )
    other_brand = [vin for vin in cleaned if vehicles[vin].dealer.brand_id != data.brand_id]
    if other_brand:
        raise ValidationError(
            _("Ces véhicules appartiennent à une concession d'une autre marque : %(vins)s")
            % {"vins": ", ".join(other_brand)},
            code="vin_brand",
        )
    unavailable = [vin for vin in cleaned if vehicles[vin].status != StockVehicle.Status.AVAILABLE]
    if unavailable:
        raise ValidationError(
            _("Ces véhicules ne sont pas disponibles : %(vins)s")
            % {"vins": ", ".join(unavailable)},
            code="vin_unavailable",
        )
    with transaction.atomic():
        sale = FlashSale.objects.create(
            brand_id=data.brand_id,
            title=data.title,
            slug=data.slug,
            description=data.description,
            price_ttc=data.price_ttc,
            deposit_ttc=data.deposit_ttc,
            opens_at=data.opens_at,
            hold_seconds=data.hold_seconds,
            admission_seconds=data.admission_seconds,
            limit_per_customer=data.limit_per_customer,
            dealer_choice_allowed=data.dealer_choice_allowed,
            pow_difficulty_bits=data.pow_difficulty_bits,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        try:
            with transaction.atomic():
                SaleUnit.objects.bulk_create(
                    SaleUnit(
                        sale=sale,
                        stock_vehicle=vehicles[vin],
                        dealer_id=vehicles[vin].dealer_id,
                        one_per_customer=data.limit_per_customer == 1,
                    )
                    for vin in cleaned
                )
        except IntegrityError as exc:
            raise ValidationError(
                _("Un de ces véhicules est déjà dans une autre vente flash en cours."),
                code="vin_in_other_sale",
            ) from exc
        for vin in cleaned:
            vehicle_set_status(
                vehicle_id=vehicles[vin].pk,
                to_status=StockVehicle.Status.RESERVED,
                by=by,
                reason=_("Vente flash %(slug)s") % {"slug": sale.slug},
            )
        _event(sale.pk, SaleEvent.Subject.SALE, sale.pk, "", sale.status, by=by).save()
    return sale


def sale_publish(*, sale_id: int, by: Any) -> None:
    """Show the teaser and open the pre-queue."""
    if not _sale_move(sale_id=sale_id, to_status=FlashSale.Status.PUBLISHED, by=by):
        raise ValidationError(_("Seule une vente en brouillon peut être annoncée."), code="status")
    transaction.on_commit(lambda: waiting_room_restore(sale_id=sale_id))


def sale_open(*, sale_id: int, by: Any = None, early: bool = False) -> bool:
    """Open an announced sale whose time has come (or now, for head office with ``early``).

    The winner of the conditional UPDATE opens it; the waiting room then puts the pre-queue at
    the head of the line in the order of its draw tickets, in one step (retried by the next poll
    if the waiting room was unreachable).
    """
    now = timezone.now()
    fields: dict[str, Any] = {"opened_at": now}
    if early:
        fields["opens_at"] = now
    elif not FlashSale.objects.filter(pk=sale_id, opens_at__lte=now).exists():
        return False
    moved = _sale_move(sale_id=sale_id, to_status=FlashSale.Status.OPEN, by=by, **fields)
    sale = FlashSale.objects.get(pk=sale_id)
    if sale.status == FlashSale.Status.OPEN and sale.opened_at:
        try:
            drawn = waiting_room().draw(
                sale_id=sale_id, now_ms=int(sale.opened_at.timestamp() * 1000)
            )
        except QUEUE_ERRORS:
            logger.warning("Flash sale %s: waiting room unavailable at the opening", sale_id)
        else:
            if drawn:
                _event(sale_id, SaleEvent.Subject.QUEUE, None, "", "drawn").save()
    return moved


def sale_close(*, sale_id: int, by: Any) -> None:
    """End the sale: live holds are released, unsold cars go back to their dealer's stock."""
    with transaction.atomic():
        if not _sale_move(sale_id=sale_id, to_status=FlashSale.Status.CLOSED, by=by):
            raise ValidationError(_("Cette vente est déjà terminée."), code="status")
        live = list(
            SaleUnit.objects.filter(sale_id=sale_id, status=SaleUnit.Status.HELD).values_list(
                "hold_ref", flat=True
            )
        )
        SaleUnit.objects.filter(sale_id=sale_id, status=SaleUnit.Status.HELD).update(
            status=SaleUnit.Status.AVAILABLE, holder=None, held_until=None, hold_ref=None
        )
        Hold.objects.filter(ref__in=[r for r in live if r], status=Hold.Status.ACTIVE).update(
            status=Hold.Status.RELEASED
        )
        unsold = list(
            SaleUnit.objects.filter(sale_id=sale_id)
            .exclude(status=SaleUnit.Status.SOLD)
            .values_list("stock_vehicle_id", flat=True)
        )
        SaleUnit.objects.filter(sale_id=sale_id).update(is_active=False)
        for vehicle_id in unsold:
            vehicle_set_status(
                vehicle_id=vehicle_id,
                to_status=StockVehicle.Status.AVAILABLE,
                by=by,
                reason=_("Fin de la vente flash"),
            )
    _mirror(sale_id=sale_id, state=FlashSale.Status.CLOSED)


def waiting_room_restore(*, sale_id: int) -> None:
    """(Re)build the sale's waiting room from the database: at publication, or after Redis lost it."""
    sale = FlashSale.objects.get(pk=sale_id)
    if sale.status == FlashSale.Status.DRAFT:
        return
    try:
        waiting_room().load(
            sale=selectors.sale_snapshot(sale),
            counts=selectors.unit_counts(sale_id=sale_id),
            places=selectors.queue_places(sale_id=sale_id),
        )
    except QUEUE_ERRORS:
        logger.warning("Flash sale %s: waiting room unavailable, not restored", sale_id)


def sale_sync(*, sale_id: int, changes: Sequence[tuple[int, str]] = ()) -> UnitCounts:
    """Re-read the unit counts, mark the sale sold out when every unit is sold, tell the room."""
    counts = selectors.unit_counts(sale_id=sale_id)
    state = None
    if counts.total and counts.sold == counts.total:
        _sale_move(sale_id=sale_id, to_status=FlashSale.Status.SOLD_OUT)
        state = FlashSale.Status.SOLD_OUT
    _mirror(sale_id=sale_id, counts=counts, state=state, changes=changes)
    return counts


def _mirror(
    *,
    sale_id: int,
    counts: UnitCounts | None = None,
    state: str | None = None,
    changes: Sequence[tuple[int, str]] = (),
) -> None:
    try:
        waiting_room().apply(
            sale_id=sale_id, now_ms=_now_ms(), counts=counts, state=state, changes=changes
        )
    except QUEUE_ERRORS:
        logger.warning("Flash sale %s: waiting room unavailable, change not mirrored", sale_id)


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


_sale_info_cache: dict[str, tuple[float, SaleInfo | None]] = {}
SALE_INFO_TTL_SECONDS = 5.0


def sale_info_cached(slug: str) -> tuple[bool, SaleInfo | None]:
    """``(True, info)`` when this process read the sale less than 5 s ago; no database access."""
    cached = _sale_info_cache.get(slug)
    if cached and cached[0] > time.monotonic():
        return True, cached[1]
    return False, None


def sale_info(slug: str) -> SaleInfo | None:
    """The public sale behind ``slug`` (None for a draft or unknown one), at most 5 s old."""
    hit, info = sale_info_cached(slug)
    if hit:
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
        )
        if sale
        else None
    )
    _sale_info_cache[slug] = (time.monotonic() + SALE_INFO_TTL_SECONDS, info)
    return info


async def asale_info(slug: str) -> SaleInfo | None:
    """``sale_info`` for the async hot paths: the database is read only when the cache is stale."""
    hit, info = sale_info_cached(slug)
    return info if hit else await in_db_thread(sale_info, slug)


def _poll_limit() -> int:
    return _setting("FLASHSALE_POLLS_PER_ACCOUNT_PER_MINUTE", 120)


async def in_db_thread(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ORM work from an async view on asgiref's shared thread pool (a few threads per process).

    Under ASGI, Django's thread-sensitive calls get a new thread, so a new database connection,
    per request; the pool's threads live on and keep theirs (at most one per thread), replaced
    only when broken. ``FLASHSALE_DB_THREAD_POOL = False`` keeps the work on the request's thread
    instead (tests that wrap each test in a transaction need that: other threads cannot see it).
    """
    from asgiref.sync import sync_to_async

    if not getattr(settings, "FLASHSALE_DB_THREAD_POOL", True):
        return await sync_to_async(function)(*args, **kwargs)

    def call() -> Any:
        _keep_connection_healthy()
        return function(*args, **kwargs)

    return await sync_to_async(call, thread_sensitive=False)()


def _keep_connection_healthy() -> None:
    """Django's own check (``close_if_unusable_or_obsolete``) minus the age limit."""
    if connection.connection is None:
        return
    if connection.errors_occurred:
        if connection.is_usable():
            connection.errors_occurred = False
        else:
            connection.close()
    elif not connection.get_autocommit():
        connection.close()


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


async def aqueue_status(*, info: SaleInfo, customer_id: int | None) -> dict[str, Any]:
    """``queue_status`` for async views: one Redis round trip in the common case."""
    limit = _poll_limit()
    status = await waiting_room().astatus(
        sale_id=info.sale_id, customer_id=customer_id, now_ms=_now_ms(), poll_limit=limit
    )
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


OPENING_SPREAD_MAX_MS = 300_000


def _poll_budget() -> int:
    """Status polls per second the deployment serves for one sale without strain."""
    return _setting("FLASHSALE_POLLS_PER_SECOND", 2000)


def _opening_offset_ms(status: QueueStatus) -> int:
    """When, after the opening, a pre-queue page asks for its place: in the order of its draw
    ticket, spread over the time the whole pre-queue's polls take within the budget. The line
    follows the tickets, so the first in line learn it first instead of waiting behind a crowd of
    pages all asking at the same second."""
    spread_ms = min(OPENING_SPREAD_MAX_MS, status.pre_length * 1000 // _poll_budget())
    return spread_ms * (status.ticket or 0) // TICKET_RANGE


def _poll_after_ms(status: QueueStatus, *, now_ms: int, sold_out: bool) -> int:
    """When the page should ask again: soon near the front, rarely far back, never when done."""
    if sold_out or status.state == FlashSale.Status.CLOSED:
        return 0
    if status.place in ("admitted", "holding", "done", "removed"):
        return 0
    if status.state == FlashSale.Status.PUBLISHED:
        until_opening = status.opens_at_ms - now_ms
        if status.place == "pre" and until_opening <= 600_000:
            return max(1000, until_opening + _opening_offset_ms(status))
        # Nothing changes before the opening: come back then (or in 10 minutes at most).
        return max(1000, min(until_opening, 600_000))
    if status.place == "waiting" and status.position is not None:
        if status.position <= max(50, 2 * status.total):
            return 2000
        # Far back: often enough to follow the line, rarely enough that all its pages together
        # stay within the poll budget.
        floor = 5000 if status.position <= 2000 else 10_000
        return max(floor, status.line_length * 1000 // _poll_budget())
    return 5000


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
    if status.place == "waiting" and status.position and status.opened_at_ms:
        window_ms = pace_window_ms(now_ms=now_ms, opened_at_ms=status.opened_at_ms)
        per_second = status.admissions_in_window / (window_ms / 1000)
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
        "poll_jitter_ms": 0 if status.place == "pre" else min(2000, poll_ms * 3 // 10),
        "opening_offset_ms": _opening_offset_ms(status) if status.place == "pre" else None,
    }


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
    try:
        allowed = waiting_room().allow(
            sale_id=info.sale_id, checks=_join_rate_checks(customer.pk, client_ip)
        )
    except QUEUE_ERRORS:
        allowed = True  # without Redis, the proof of work and the one-place rule still stand
    if not allowed:
        raise FlashSaleRefusal("rate_limited")
    key = (idempotency_key or "").strip()[:64]
    proof_ok = proof_of_work_valid(
        challenge=challenge,
        nonce=nonce,
        sale_id=info.sale_id,
        customer_id=customer.pk,
        difficulty_bits=info.pow_difficulty_bits,
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
            raise FlashSaleRefusal("pow_invalid")
        if entry is None:  # only possible if the sale itself was deleted meanwhile
            raise FlashSaleRefusal("not_in_queue")
        entry = _queue_entry_rejoin(
            info=info, entry=entry, pre_queue=pre_queue, now=now, key=key, client_ip=client_ip
        )
        if entry.status != QueueEntry.Status.WAITING:
            return queue_status(info=info, customer_id=customer.pk)
        ticket = entry.ticket or 0
    _place_in_room(info=info, customer_id=customer.pk, ticket=ticket)
    return queue_status(info=info, customer_id=customer.pk)


def _refuse_join_if_over(info: SaleInfo) -> None:
    if info.status == FlashSale.Status.SOLD_OUT:
        raise FlashSaleRefusal("sold_out")
    if info.status == FlashSale.Status.CLOSED:
        raise FlashSaleRefusal("closed")


def _join_rate_checks(customer_id: int, client_ip: str | None) -> list[RateCheck]:
    checks = [
        RateCheck(
            f"join:acct:{customer_id}",
            _setting("FLASHSALE_JOINS_PER_ACCOUNT_PER_MINUTE", 10),
            60_000,
        ),
    ]
    if client_ip:
        limit = _setting("FLASHSALE_JOINS_PER_IP_PER_MINUTE", 120)
        checks.append(RateCheck(f"join:ip:{client_ip}", limit, 60_000))
    return checks


async def aqueue_join_first(
    *,
    info: SaleInfo,
    customer_id: int,
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
    try:
        allowed = await room.aallow(
            sale_id=info.sale_id, checks=_join_rate_checks(customer_id, client_ip)
        )
    except QUEUE_ERRORS:
        allowed = True
    if not allowed:
        raise FlashSaleRefusal("rate_limited")
    proof_ok = proof_of_work_valid(
        challenge=challenge,
        nonce=nonce,
        sale_id=info.sale_id,
        customer_id=customer_id,
        difficulty_bits=info.pow_difficulty_bits,
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
        )
    except QUEUE_ERRORS as exc:
        raise FlashSaleRefusal("queue_unavailable") from exc
    if not isinstance(placed, QueueStatus) or (placed.place == "pre") != pre_queue:
        # A lost waiting room, a sale that ended meanwhile, the opening in between: full rules.
        await in_db_thread(_place_in_room, info=info, customer_id=customer_id, ticket=place.ticket)
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
    adapt = connection.ops.adapt_datetimefield_value
    params: list[Any] = []
    for p in places:
        params += [p.sale_id, p.customer_id, QueueEntry.Status.WAITING, p.pre_queue]
        params += [adapt(p.joined_at), p.join_key, p.client_ip, p.ticket]
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, '')"] * len(places))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (sale_id, customer_id, status, pre_queue, joined_at, join_key, "
            f"client_ip, ticket, removed_reason) VALUES {rows} "
            "ON CONFLICT (sale_id, customer_id) DO NOTHING RETURNING customer_id",
            params,
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


def _place_in_room(*, info: SaleInfo, customer_id: int, ticket: int) -> None:
    room = waiting_room()

    def join() -> JoinOutcome:
        return room.join(
            sale_id=info.sale_id, customer_id=customer_id, now_ms=_now_ms(), ticket=ticket
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


# --- Claiming a unit ------------------------------------------------------------------------

_PG_CLAIM = """
UPDATE {table}
   SET status = 'held', holder_id = %s, hold_ref = %s,
       held_until = now() + make_interval(secs => %s)
 WHERE id = (
       SELECT id FROM {table}
        WHERE sale_id = %s AND is_active
          AND (status = 'available' OR (status = 'held' AND held_until < now()))
        ORDER BY id
        LIMIT 1
          FOR UPDATE SKIP LOCKED)
RETURNING id, held_until, dealer_id
"""


def _claim_one_unit(
    *, sale_id: int, customer_id: int, ref: uuid.UUID, hold_seconds: int
) -> tuple[int, dt.datetime, int] | None:
    """Hold the first free unit (or one whose hold ran out) for this customer, in one statement."""
    if _on_postgres():
        with connection.cursor() as cursor:
            cursor.execute(
                _PG_CLAIM.format(table=SaleUnit._meta.db_table),
                [customer_id, ref, hold_seconds, sale_id],
            )
            row = cursor.fetchone()
        return (row[0], row[1], row[2]) if row else None
    # SQLite: the transaction began with BEGIN IMMEDIATE, so no other writer runs until commit.
    now = timezone.now()
    free = (
        SaleUnit.objects.filter(sale_id=sale_id, is_active=True)
        .filter(
            Q(status=SaleUnit.Status.AVAILABLE) | Q(status=SaleUnit.Status.HELD, held_until__lt=now)
        )
        .order_by("id")
        .values("id")[:1]
    )
    held_until = now + dt.timedelta(seconds=hold_seconds)
    if not SaleUnit.objects.filter(pk__in=Subquery(free)).update(
        status=SaleUnit.Status.HELD, holder_id=customer_id, held_until=held_until, hold_ref=ref
    ):
        return None
    unit_id, dealer_id = SaleUnit.objects.filter(hold_ref=ref).values_list("id", "dealer_id").get()
    return unit_id, held_until, dealer_id


@dataclass(frozen=True, slots=True)
class ClaimAnswer:
    hold_ref: str
    unit_id: int
    expires_at: str


def _stored_answer(*, customer_id: int, action: str, key: str) -> dict[str, Any] | None:
    record = IdempotencyRecord.objects.filter(
        customer_id=customer_id, action=action, key=key
    ).first()
    return record.response if record and record.response else None


def unit_claim(
    *, sale_id: int, customer: Any, token: str, idempotency_key: str = ""
) -> ClaimAnswer:
    """An admitted buyer holds one unit for the sale's hold duration.

    The admission token is consumed in the same transaction (single use); a retried claim with the
    same key returns the first hold, and the database refuses a second unit per customer.
    """
    sale = FlashSale.objects.get(pk=sale_id)
    if sale.status == FlashSale.Status.SOLD_OUT:
        raise FlashSaleRefusal("sold_out")
    if sale.status == FlashSale.Status.CLOSED:
        raise FlashSaleRefusal("closed")
    key = _clean_key(idempotency_key)
    stored = _stored_answer(customer_id=customer.pk, action=IdempotencyRecord.Action.CLAIM, key=key)
    if stored:
        return ClaimAnswer(**stored)
    if sale.status != FlashSale.Status.OPEN:
        raise FlashSaleRefusal("not_open")
    admission = admission_token_read(
        token,
        sale_id=sale.pk,
        customer_id=customer.pk,
        now_ms=_now_ms(),
        max_age_seconds=sale.admission_seconds + 30,
    )
    try:
        with transaction.atomic():
            # The key is taken first: a concurrent retry waits here, then replays this answer.
            record = IdempotencyRecord.objects.create(
                customer=customer, sale=sale, action=IdempotencyRecord.Action.CLAIM, key=key
            )
            _consume_admission(
                sale=sale, customer_id=customer.pk, admitted_at_ms=admission.admitted_at_ms
            )
            own_expired = _release_own_expired_hold(sale_id=sale.pk, customer_id=customer.pk)
            if (
                sale.limit_per_customer > 1
                and selectors.customer_units_taken(sale_id=sale.pk, customer_id=customer.pk)
                >= sale.limit_per_customer
            ):
                raise FlashSaleRefusal("limit_reached")
            ref = uuid.uuid4()
            claimed = _claim_one_unit(
                sale_id=sale.pk, customer_id=customer.pk, ref=ref, hold_seconds=sale.hold_seconds
            )
            if claimed is None:
                raise FlashSaleRefusal("no_unit")
            unit_id, held_until, dealer_id = claimed
            hold = Hold.objects.create(
                ref=ref,
                sale=sale,
                unit_id=unit_id,
                customer=customer,
                delivering_dealer_id=dealer_id,
                expires_at=held_until,
            )
            displaced = _expire_displaced_holds(sale_id=sale.pk, unit_id=unit_id, keep=hold)
            SaleEvent.objects.bulk_create(
                [
                    _event(
                        sale.pk, SaleEvent.Subject.UNIT, unit_id, "available", "held", by=customer
                    ),
                    _event(sale.pk, SaleEvent.Subject.HOLD, hold.pk, "", hold.status, by=customer),
                ]
                + own_expired
            )
            answer = ClaimAnswer(
                hold_ref=str(ref), unit_id=unit_id, expires_at=held_until.isoformat()
            )
            record.response = asdict(answer)
            record.save(update_fields=["response"])
    except IntegrityError as exc:
        stored = _stored_answer(
            customer_id=customer.pk, action=IdempotencyRecord.Action.CLAIM, key=key
        )
        if stored:
            return ClaimAnswer(**stored)
        raise FlashSaleRefusal("already_holding") from exc
    sale_sync(sale_id=sale.pk, changes=[(customer.pk, "c")] + [(c, "") for c in displaced])
    return answer


def _consume_admission(*, sale: FlashSale, customer_id: int, admitted_at_ms: int) -> None:
    """Move the buyer's place from waiting to claimed, once per admission."""
    consumed = (
        QueueEntry.objects.filter(
            sale=sale, customer_id=customer_id, status=QueueEntry.Status.WAITING
        )
        .filter(Q(last_admission_ms__isnull=True) | Q(last_admission_ms__lt=admitted_at_ms))
        .update(status=QueueEntry.Status.CLAIMED, last_admission_ms=admitted_at_ms)
    )
    if consumed:
        return
    entry = QueueEntry.objects.filter(sale=sale, customer_id=customer_id).first()
    if entry is None:
        raise FlashSaleRefusal("not_in_queue")
    if entry.status == QueueEntry.Status.REMOVED:
        raise FlashSaleRefusal("removed")
    if entry.last_admission_ms is not None and entry.last_admission_ms >= admitted_at_ms:
        raise FlashSaleRefusal("admission_used")
    if entry.status == QueueEntry.Status.CLAIMED:
        raise FlashSaleRefusal("already_holding")
    raise FlashSaleRefusal("not_in_queue")


def _release_own_expired_hold(*, sale_id: int, customer_id: int) -> list[SaleEvent]:
    """A returning buyer's own lapsed hold still blocks the one-unit rule: give it back first."""
    lapsed = list(
        SaleUnit.objects.filter(
            sale_id=sale_id,
            holder_id=customer_id,
            status=SaleUnit.Status.HELD,
            held_until__lt=_db_now(),
        ).values_list("pk", "hold_ref")
    )
    if not lapsed:
        return []
    SaleUnit.objects.filter(pk__in=[pk for pk, _ in lapsed], status=SaleUnit.Status.HELD).update(
        status=SaleUnit.Status.AVAILABLE, holder=None, held_until=None, hold_ref=None
    )
    Hold.objects.filter(ref__in=[ref for _, ref in lapsed], status=Hold.Status.ACTIVE).update(
        status=Hold.Status.EXPIRED
    )
    return [_event(sale_id, SaleEvent.Subject.UNIT, pk, "held", "available") for pk, _ in lapsed]


def _expire_displaced_holds(*, sale_id: int, unit_id: int, keep: Hold) -> list[int]:
    """Holds that ran out on the unit just claimed: mark them expired, free their buyers' places."""
    displaced = list(
        Hold.objects.filter(unit_id=unit_id, status=Hold.Status.ACTIVE)
        .exclude(pk=keep.pk)
        .values_list("pk", "customer_id")
    )
    if not displaced:
        return []
    Hold.objects.filter(pk__in=[pk for pk, _ in displaced]).update(status=Hold.Status.EXPIRED)
    customers = [customer_id for _, customer_id in displaced]
    QueueEntry.objects.filter(
        sale_id=sale_id, customer_id__in=customers, status=QueueEntry.Status.CLAIMED
    ).update(status=QueueEntry.Status.LAPSED)
    SaleEvent.objects.bulk_create(
        _event(sale_id, SaleEvent.Subject.HOLD, pk, "active", "expired") for pk, _ in displaced
    )
    return customers


def holds_release_expired(*, sale_id: int) -> int:
    """Give back every unit whose hold ran out; the next buyers in line are then admitted."""
    with transaction.atomic():
        lapsed = list(
            SaleUnit.objects.select_for_update(skip_locked=True)
            .filter(sale_id=sale_id, status=SaleUnit.Status.HELD, held_until__lt=_db_now())
            .values_list("pk", "hold_ref", "holder_id")
        )
        if lapsed:
            SaleUnit.objects.filter(
                pk__in=[pk for pk, _, _ in lapsed], status=SaleUnit.Status.HELD
            ).update(status=SaleUnit.Status.AVAILABLE, holder=None, held_until=None, hold_ref=None)
            holds = list(
                Hold.objects.filter(
                    ref__in=[ref for _, ref, _ in lapsed], status=Hold.Status.ACTIVE
                ).values_list("pk", flat=True)
            )
            Hold.objects.filter(pk__in=holds).update(status=Hold.Status.EXPIRED)
            QueueEntry.objects.filter(
                sale_id=sale_id,
                customer_id__in=[holder for _, _, holder in lapsed],
                status=QueueEntry.Status.CLAIMED,
            ).update(status=QueueEntry.Status.LAPSED)
            SaleEvent.objects.bulk_create(
                [
                    _event(sale_id, SaleEvent.Subject.UNIT, pk, "held", "available")
                    for pk, _, _ in lapsed
                ]
                + [_event(sale_id, SaleEvent.Subject.HOLD, pk, "active", "expired") for pk in holds]
            )
    sale_sync(sale_id=sale_id, changes=[(holder, "") for _, _, holder in lapsed])
    return len(lapsed)


def hold_choose_dealer(*, hold_ref: Any, customer: Any, dealer_id: int) -> Hold:
    """The buyer picks the dealer that will deliver the car, when the sale allows it."""
    hold = selectors.hold_for_customer(ref=hold_ref, customer_id=customer.pk)
    if hold is None:
        raise Hold.DoesNotExist
    if not hold.sale.dealer_choice_allowed:
        raise FlashSaleRefusal("dealer_choice_closed")
    if hold.status != Hold.Status.ACTIVE:
        raise FlashSaleRefusal("hold_not_active")
    if hold.expires_at <= timezone.now():
        raise FlashSaleRefusal("hold_expired")
    if not selectors.delivery_dealers(brand_id=hold.sale.brand_id).filter(pk=dealer_id).exists():
        raise FlashSaleRefusal("dealer_unknown")
    with transaction.atomic():
        Hold.objects.filter(pk=hold.pk, status=Hold.Status.ACTIVE).update(
            delivering_dealer_id=dealer_id
        )
        Purchase.objects.filter(hold=hold, status=Purchase.Status.PENDING).update(
            delivering_dealer_id=dealer_id
        )
    hold.refresh_from_db()
    return hold


# --- Paying the deposit ---------------------------------------------------------------------


def _new_reference() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "VF-" + "".join(secrets.choice(alphabet) for _ in range(8))


# Deposits of flash-sale purchases, as the payments app knows them (see ``apps.py``).
PAYMENT_PURPOSE = "flashsale_deposit"


@dataclass(frozen=True, slots=True)
class PaymentStep:
    purchase: Purchase
    redirect_url: str | None  # the provider's page, or None when the purchase is already settled


def purchase_start(
    *, hold_ref: Any, customer: Any, idempotency_key: str = "", site_url: str = ""
) -> PaymentStep:
    """Start the deposit payment for a live hold; a retried "pay" returns the same payment.
    The provider sends the buyer back to the order page on ``site_url`` (this site's address).

    No row lock is held here: the hold's time limit stands in for it, and the confirmation
    checks again that the hold is still this buyer's.
    """
    hold = selectors.hold_for_customer(ref=hold_ref, customer_id=customer.pk)
    if hold is None:
        raise Hold.DoesNotExist
    key = _clean_key(idempotency_key)
    purchase = Purchase.objects.filter(hold=hold).first()
    if purchase is None:
        if hold.status != Hold.Status.ACTIVE:
            raise FlashSaleRefusal("hold_not_active")
        live = SaleUnit.objects.filter(
            pk=hold.unit_id,
            status=SaleUnit.Status.HELD,
            hold_ref=hold.ref,
            held_until__gt=_db_now(),
        ).exists()
        if not live:
            raise FlashSaleRefusal("hold_expired")
        try:
            with transaction.atomic():
                purchase = Purchase.objects.create(
                    reference=_new_reference(),
                    hold=hold,
                    sale_id=hold.sale_id,
                    unit_id=hold.unit_id,
                    customer=customer,
                    delivering_dealer_id=hold.delivering_dealer_id,
                    amount_ttc=hold.sale.deposit_ttc,
                )
                IdempotencyRecord.objects.create(
                    customer=customer,
                    sale_id=hold.sale_id,
                    action=IdempotencyRecord.Action.PAY,
                    key=key,
                    response={"reference": purchase.reference},
                )
                _event(
                    hold.sale_id,
                    SaleEvent.Subject.PURCHASE,
                    purchase.pk,
                    "",
                    purchase.status,
                    by=customer,
                ).save()
        except IntegrityError:
            purchase = Purchase.objects.get(hold=hold)
    if purchase.status != Purchase.Status.PENDING:
        return PaymentStep(purchase=purchase, redirect_url=None)
    payment = payment_start(
        purpose=PAYMENT_PURPOSE,
        reference=purchase.reference,
        amount_cents=purchase.amount_ttc,
        idempotency_key=f"flashsale-{purchase.reference}",
        return_url=site_url.rstrip("/")
        + reverse("flashsales:order", kwargs={"reference": purchase.reference}),
    )
    if purchase.payment_ref != str(payment.pk):
        Purchase.objects.filter(pk=purchase.pk, payment_ref__isnull=True).update(
            payment_ref=str(payment.pk)
        )
        purchase.refresh_from_db()
    if not payment.redirect_url:
        # The provider did not answer: the hold keeps running, paying again retries safely.
        raise FlashSaleRefusal("payment_unavailable")
    return PaymentStep(purchase=purchase, redirect_url=payment.redirect_url)


def purchase_on_payment(payment: Payment, previous_status: str) -> None:
    """Payments listener, inside the payment's transaction: paid, the held unit is sold (or the
    money goes back if the hold ended); refused, the unit goes back on sale."""
    if not Purchase.objects.filter(payment_ref=str(payment.pk)).exists():
        return
    if payment.status == Payment.Status.SUCCEEDED:
        purchase_confirm(payment_ref=str(payment.pk))
    elif payment.status == Payment.Status.FAILED:
        purchase_fail(payment_ref=str(payment.pk))


def _refund_late_payment(payment_id: int) -> None:
    """After commit, with no lock held: give back a deposit that arrived after its hold."""
    if Payment.objects.filter(pk=payment_id, status=Payment.Status.SUCCEEDED).exists():
        payment_refund(payment_id=payment_id)


def _tell_dealer_unit_sold(purchase: Purchase) -> None:
    """The unit's dealer learns of the sale at once: the car must be kept for its buyer."""
    unit = SaleUnit.objects.select_related("stock_vehicle").get(pk=purchase.unit_id)
    dealer_staff_notify(
        dealer_id=unit.dealer_id,
        subject=_("Vente flash : %(vehicle)s vendu") % {"vehicle": unit.stock_vehicle.title},
        body=_(
            "Bonjour,\n\nDans la vente flash « %(sale)s », %(vehicle)s (VIN %(vin)s) de votre "
            "stock est vendu (acompte payé, référence %(reference)s).\nSuivi de la vente : %(url)s\n"
        )
        % {
            "sale": purchase.sale.title,
            "vehicle": unit.stock_vehicle.title,
            "vin": unit.stock_vehicle.vin,
            "reference": purchase.reference,
            "url": settings.PUBLIC_BASE_URL.rstrip("/")
            + reverse("flashsales:dashboard", kwargs={"slug": purchase.sale.slug}),
        },
    )


def purchase_confirm(*, payment_ref: str) -> Purchase:
    """The provider says the deposit is paid: the held unit becomes sold, if the hold still stands.

    A confirmation for a hold that expired (or was taken over) is refunded, never a second sale.
    Confirming twice is harmless.
    """
    purchase = Purchase.objects.filter(payment_ref=payment_ref).first()
    if purchase is None:
        raise Purchase.DoesNotExist
    refund = False
    changes: list[tuple[int, str]] = []
    with transaction.atomic():
        purchase = (
            # Only the purchase row: locking its hold too would deadlock with a claim that
            # takes the unit, then expires the hold it displaces.
            Purchase.objects.select_for_update(of=("self",))
            .select_related("hold", "sale")
            .get(pk=purchase.pk)
        )
        if purchase.status != Purchase.Status.PENDING:
            return purchase
        hold, now = purchase.hold, timezone.now()
        sold = SaleUnit.objects.filter(
            pk=purchase.unit_id,
            status=SaleUnit.Status.HELD,
            hold_ref=hold.ref,
            holder_id=purchase.customer_id,
            held_until__gte=_db_now(),
        ).update(
            status=SaleUnit.Status.SOLD,
            sold_to_id=purchase.customer_id,
            sold_at=now,
            payment_ref=payment_ref,
        )
        if sold:
            purchase.status, purchase.settled_at = Purchase.Status.PAID, now
            purchase.save(update_fields=["status", "settled_at"])
            Hold.objects.filter(pk=hold.pk).update(status=Hold.Status.PAID)
            QueueEntry.objects.filter(
                sale_id=purchase.sale_id,
                customer_id=purchase.customer_id,
                status=QueueEntry.Status.CLAIMED,
            ).update(status=QueueEntry.Status.PURCHASED)
            events = [
                _event(purchase.sale_id, SaleEvent.Subject.UNIT, purchase.unit_id, "held", "sold"),
                _event(purchase.sale_id, SaleEvent.Subject.HOLD, hold.pk, "active", "paid"),
                _event(
                    purchase.sale_id, SaleEvent.Subject.PURCHASE, purchase.pk, "pending", "paid"
                ),
            ]
            _mark_vehicle_sold(purchase=purchase, events=events)
            _tell_dealer_unit_sold(purchase)
            bought = selectors.customer_units_bought(
                sale_id=purchase.sale_id, customer_id=purchase.customer_id
            )
            changes.append(
                (purchase.customer_id, "s" if bought >= purchase.sale.limit_per_customer else "")
            )
        else:
            refund = True
            purchase.status, purchase.settled_at = Purchase.Status.REFUNDED, now
            purchase.save(update_fields=["status", "settled_at"])
            events = [
                _event(
                    purchase.sale_id,
                    SaleEvent.Subject.PURCHASE,
                    purchase.pk,
                    "pending",
                    "refunded",
                    note="payment confirmed after the hold ended",
                )
            ]
            events += _end_hold(purchase=purchase, to_status=Hold.Status.EXPIRED)
            changes.append((purchase.customer_id, ""))
        SaleEvent.objects.bulk_create(events)
    if refund:
        transaction.on_commit(partial(_refund_late_payment, int(payment_ref)))
    sale_sync(sale_id=purchase.sale_id, changes=changes)
    return purchase


def purchase_fail(*, payment_ref: str) -> Purchase:
    """The provider refused the payment: the unit goes back and the next buyer is admitted."""
    purchase = Purchase.objects.filter(payment_ref=payment_ref).first()
    if purchase is None:
        raise Purchase.DoesNotExist
    with transaction.atomic():
        purchase = (
            Purchase.objects.select_for_update(of=("self",))
            .select_related("hold")
            .get(pk=purchase.pk)
        )
        if purchase.status != Purchase.Status.PENDING:
            return purchase
        purchase.status, purchase.settled_at = Purchase.Status.FAILED, timezone.now()
        purchase.save(update_fields=["status", "settled_at"])
        events = [
            _event(purchase.sale_id, SaleEvent.Subject.PURCHASE, purchase.pk, "pending", "failed")
        ]
        events += _end_hold(purchase=purchase, to_status=Hold.Status.RELEASED)
        SaleEvent.objects.bulk_create(events)
    sale_sync(sale_id=purchase.sale_id, changes=[(purchase.customer_id, "")])
    return purchase


def _end_hold(*, purchase: Purchase, to_status: str) -> list[SaleEvent]:
    """Give the purchase's unit back if its hold still sits on it, and end the hold."""
    hold = purchase.hold
    events: list[SaleEvent] = []
    if SaleUnit.objects.filter(
        pk=purchase.unit_id, status=SaleUnit.Status.HELD, hold_ref=hold.ref
    ).update(status=SaleUnit.Status.AVAILABLE, holder=None, held_until=None, hold_ref=None):
        events.append(
            _event(purchase.sale_id, SaleEvent.Subject.UNIT, purchase.unit_id, "held", "available")
        )
    if Hold.objects.filter(pk=hold.pk, status=Hold.Status.ACTIVE).update(status=to_status):
        events.append(
            _event(purchase.sale_id, SaleEvent.Subject.HOLD, hold.pk, "active", to_status)
        )
    # The buyer's place lapses, unless they already hold another unit of this sale.
    if not Hold.objects.filter(
        sale_id=purchase.sale_id, customer_id=purchase.customer_id, status=Hold.Status.ACTIVE
    ).exists():
        QueueEntry.objects.filter(
            sale_id=purchase.sale_id,
            customer_id=purchase.customer_id,
            status=QueueEntry.Status.CLAIMED,
        ).update(status=QueueEntry.Status.LAPSED)
    return events


def _mark_vehicle_sold(*, purchase: Purchase, events: list[SaleEvent]) -> None:
    """Mark the stock vehicle sold; a stock record changed meanwhile must not undo the sale."""
    vehicle_id = (
        SaleUnit.objects.filter(pk=purchase.unit_id)
        .values_list("stock_vehicle_id", flat=True)
        .get()
    )
    try:
        with transaction.atomic():
            vehicle_set_status(
                vehicle_id=vehicle_id,
                to_status=StockVehicle.Status.SOLD,
                reason=_("Vente flash, commande %(ref)s") % {"ref": purchase.reference},
            )
    except ValidationError:
        events.append(
            _event(
                purchase.sale_id,
                SaleEvent.Subject.UNIT,
                purchase.unit_id,
                "sold",
                "sold",
                note="stock vehicle status could not be set to sold",
            )
        )

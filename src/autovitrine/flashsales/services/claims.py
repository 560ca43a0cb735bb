"""Claiming a unit and the holds that follow: one conditional statement per claim."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict, dataclass
from typing import Any, cast

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Subquery
from django.utils import timezone

from .. import selectors
from ..errors import FlashSaleRefusal
from ..models import (
    FlashSale,
    Hold,
    IdempotencyRecord,
    Purchase,
    QueueEntry,
    SaleEvent,
    SaleUnit,
)
from ..tokens import admission_token_read
from ._base import (
    _clean_key,
    _db_now,
    _event,
    _now_ms,
    _on_postgres,
)
from .sale import sale_share_lock, sale_sync

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
            status_now = sale_share_lock(sale_id=sale.pk)
            if status_now != FlashSale.Status.OPEN:
                raise FlashSaleRefusal(
                    "closed" if status_now == FlashSale.Status.CLOSED else "not_open"
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
    released = []
    for pk, held_ref in lapsed:
        ref = cast(uuid.UUID, held_ref)  # saleunit_status_matches_holder: a held unit has its ref
        # Between the read and this write another buyer may have taken the unit over (its hold
        # had run out): only the hold read above is given back, never the newcomer's.
        if SaleUnit.objects.filter(
            pk=pk,
            status=SaleUnit.Status.HELD,
            hold_ref=ref,
            holder_id=customer_id,
            held_until__lt=_db_now(),
        ).update(status=SaleUnit.Status.AVAILABLE, holder=None, held_until=None, hold_ref=None):
            Hold.objects.filter(ref=ref, status=Hold.Status.ACTIVE).update(
                status=Hold.Status.EXPIRED
            )
            released.append(_event(sale_id, SaleEvent.Subject.UNIT, pk, "held", "available"))
    return released


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

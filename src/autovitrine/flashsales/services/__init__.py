"""Writes of flash sales, by responsibility: the sale's life (``sale``), the waiting room
(``waiting_room``), claims and holds (``claims``), purchases and payments (``purchases``).
The database decides every sale; the waiting room is told afterwards, and a waiting room that
fails (Redis down or flushed) costs fairness, never correctness.

Lock order of the whole app: payment → purchase → sale → units (by id) → holds → queue entries.
A close takes the sale row ``FOR UPDATE`` first; claims and payment confirmations take it
``FOR KEY SHARE`` (``sale_share_lock``) before touching a unit, so a close waits for them and
nothing is held or sold after it. A unit is claimed by one conditional statement (``FOR UPDATE
SKIP LOCKED`` on PostgreSQL; SQLite serializes writers with ``BEGIN IMMEDIATE``); no row lock is
held while the payment provider is called.
"""

from ..presentation import status_payload
from ._base import DATABASE_ERRORS, QUEUE_ERRORS, RESERVED_SLUGS, in_db_thread
from .claims import ClaimAnswer, hold_choose_dealer, holds_release_expired, unit_claim
from .purchases import (
    PAYMENT_PURPOSE,
    PaymentStep,
    purchase_confirm,
    purchase_fail,
    purchase_on_payment,
    purchase_start,
)
from .sale import (
    SaleData,
    holds_extend_after_outage,
    queue_outage_seen,
    sale_close,
    sale_create,
    sale_open,
    sale_publish,
    sale_sync,
    waiting_room_restore,
)
from .waiting_room import (
    NewPlace,
    SaleInfo,
    _outages_seen,
    _sale_info_cache,
    account_created_s,
    ajoin_challenge,
    aqueue_join_first,
    aqueue_outage_seen,
    aqueue_status,
    asale_info,
    join_challenge,
    join_difficulty,
    queue_entries_insert,
    queue_entry_remove,
    queue_join,
    queue_status,
    sale_info,
    sale_info_cached,
)

__all__ = [
    "PAYMENT_PURPOSE",
    "DATABASE_ERRORS",
    "QUEUE_ERRORS",
    "RESERVED_SLUGS",
    "ClaimAnswer",
    "NewPlace",
    "PaymentStep",
    "SaleData",
    "SaleInfo",
    "_outages_seen",
    "_sale_info_cache",
    "account_created_s",
    "ajoin_challenge",
    "aqueue_join_first",
    "aqueue_outage_seen",
    "aqueue_status",
    "asale_info",
    "hold_choose_dealer",
    "holds_extend_after_outage",
    "queue_outage_seen",
    "holds_release_expired",
    "in_db_thread",
    "purchase_confirm",
    "purchase_fail",
    "purchase_on_payment",
    "purchase_start",
    "join_challenge",
    "join_difficulty",
    "queue_entries_insert",
    "queue_entry_remove",
    "queue_join",
    "queue_status",
    "sale_close",
    "sale_create",
    "sale_info",
    "sale_info_cached",
    "sale_open",
    "sale_publish",
    "sale_sync",
    "status_payload",
    "unit_claim",
    "waiting_room_restore",
]

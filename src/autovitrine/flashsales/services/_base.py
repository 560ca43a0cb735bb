"""What every flash-sale service shares: the clocks, events, keys and the database thread pool."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import redis
from django.conf import settings
from django.db import connection
from django.db.models.functions import Now
from django.utils import timezone

from ..models import (
    SaleEvent,
)

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

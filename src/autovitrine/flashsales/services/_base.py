"""What every flash-sale service shares: the clocks, events, keys and the database thread pool."""

from __future__ import annotations

import logging
import select
import time
import uuid
from typing import Any

import redis
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.db.models.functions import Now
from django.utils import timezone

from ..models import (
    SaleEvent,
)

logger = logging.getLogger(__name__)

# What a waiting-room failure looks like; the database work around it goes on.
QUEUE_ERRORS = (redis.RedisError, OSError)
# What a database that cannot be reached looks like (stopped, restarting, no connection left in
# the pool within its timeout). The waiting room answers 503 ``database_unavailable`` then.
DATABASE_ERRORS = (OperationalError, InterfaceError)
# After a failure to reach the database, the hot paths stop asking it for this long: a crowd of
# polls would otherwise each wait for the pool's timeout on the few database threads.
DATABASE_PAUSE_SECONDS = 2.0
_database_down_until = 0.0
RESERVED_SLUGS = {"siege", "reservation", "paiement-simule", "commande"}
# What the hot paths and the sale page know of each sale, by slug: (read until, SaleInfo or None).
_sale_info_cache: dict[str, tuple[float, Any]] = {}


def sale_info_forget(*, sale_id: int) -> None:
    """This process reads the sale again at once (the others within their 5 s): its state just
    changed here."""
    for slug, (_, info) in list(_sale_info_cache.items()):
        if info is not None and info.sale_id == sale_id:
            _sale_info_cache.pop(slug, None)


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
        global _database_down_until
        if time.monotonic() < _database_down_until:
            raise OperationalError("database unreachable (paused after a failure)")
        _keep_connection_healthy()
        try:
            return function(*args, **kwargs)
        except DATABASE_ERRORS as exc:
            if database_unreachable(exc):
                _database_down_until = time.monotonic() + DATABASE_PAUSE_SECONDS
                connection.close()
            raise

    return await sync_to_async(call, thread_sensitive=False)()


def database_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached (rather than, say, a deadlock)."""
    cause = exc.__cause__ or exc
    sqlstate = getattr(cause, "sqlstate", None)
    # No SQLSTATE: the connection failed or the pool timed out; class 08: connection exception;
    # 57P01-57P03: the server is shutting down, crashed, or not accepting connections yet.
    return sqlstate is None or sqlstate.startswith("08") or sqlstate in {"57P01", "57P02", "57P03"}


def _keep_connection_healthy() -> None:
    """Django's own check (``close_if_unusable_or_obsolete``) minus the age limit, plus a look at
    the socket: an idle connection the server has closed (a restart) is replaced before use."""
    if connection.connection is None:
        return
    if _server_hung_up():
        connection.close()
    elif connection.errors_occurred:
        if connection.is_usable():
            connection.errors_occurred = False
        else:
            connection.close()
    elif not connection.get_autocommit():
        connection.close()


def _server_hung_up() -> bool:
    """An idle PostgreSQL connection with something to read has been closed by the server (it
    sends its "terminating connection" notice, or the socket is at its end): a non-blocking
    ``select``, a few microseconds, not a round trip. Only then is a query run to be sure."""
    if not _on_postgres():
        return False
    raw = connection.connection
    if raw.closed or raw.broken:
        return True
    try:
        readable, _, _ = select.select([raw.fileno()], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable) and not connection.is_usable()

"""The live timeline: Server-Sent Events fed by Redis pub/sub (several web workers) or, on the
embedded default, by polling the event table.

A stream holds no database connection while idle: it reads the backlog (events after
``Last-Event-ID``) and each poll in a short call that closes its connection. With Redis, each
worker process keeps one pattern subscription and fans messages out to its open streams; a
stream subscribes before it reads its backlog and drops ids it has already sent, so a message
published in between is neither lost nor sent twice. Within one order, event ids grow in commit
order (each event locks its order's progress row), which makes "the largest id sent" a safe
resume point. Two workers may still *publish* one order's events out of that order, so each
message names the order's event before it: a message whose previous event the stream has not
sent means one is on its way, and the stream reads the table instead (which has both).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncGenerator, Callable
from functools import lru_cache, partial
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

T = TypeVar("T")

HEARTBEAT_SECONDS = 15.0
POLL_SECONDS = 0.5
RETRY_MILLISECONDS = 1000


def _channel(order_id: int | str) -> str:
    return f"{settings.REDIS_KEY_PREFIX}:production:order:{order_id}"


@lru_cache(maxsize=1)
def _sync_redis() -> Any:
    import redis

    return redis.Redis.from_url(settings.REDIS_URL)


def publish_many(messages: list[tuple[int, int, dict[str, Any]]]) -> None:
    """Tell the streams of each order (on every worker) about a batch's accepted events, given
    as (order id, the order's previous event id or 0, message), after the commit, in one round
    trip to Redis (a pipeline). Without Redis the streams poll the table: nothing to do."""
    if not settings.REDIS_URL or not messages:
        return
    try:
        pipe = _sync_redis().pipeline(transaction=False)
        for order_id, previous, message in messages:
            # "<id> <previous> <json>": the hub hands the JSON on as it is, parsing the ids.
            pipe.publish(_channel(order_id), f"{message['id']} {previous} {json.dumps(message)}")
        pipe.execute()
    except Exception:  # Redis down: the streams' reconnect reads the backlog from the table.
        logger.warning("live publish failed for %d events", len(messages), exc_info=True)


async def run_sync(func: Callable[..., T], *args: Any) -> T:
    """Run blocking code (the ORM, the cache) on the loop's thread pool, in that thread's own
    context. Not ``sync_to_async``: it copies the context variables the call set back into
    the calling task, and Django's caches live in context variables, so each open stream kept
    a cache client of its own, with its own Redis connection (~45 KB a stream, measured)."""
    return await asyncio.get_running_loop().run_in_executor(None, partial(func, *args))


def close_db_connections() -> None:
    """Give back this thread's connections (to the pool on PostgreSQL) unless a transaction uses
    them (a test's)."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


def _events_after(order_id: int, last_id: int) -> list[dict[str, Any]]:
    from .selectors import live_messages_after

    try:
        return live_messages_after(order_id=order_id, last_id=last_id)
    finally:
        close_db_connections()


# What the hub hands a stream: (event id, the order's previous event id, its message as JSON),
# or None after Redis came back (what was published meanwhile is lost: the stream reads the
# table again).
Item = tuple[int, int, str] | None


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class _Inbox:
    """An open stream's mailbox: a list and one future while it waits (an ``asyncio.Queue``
    holds four deques and ``wait_for`` a task per wait: several KB per open stream)."""

    __slots__ = ("items", "waiter")

    def __init__(self) -> None:
        self.items: list[Item] = []
        self.waiter: asyncio.Future[None] | None = None

    def put(self, item: Item) -> None:
        self.items.append(item)
        if self.waiter is not None:
            _wake(self.waiter)

    async def wait(self, timeout: float) -> list[Item]:
        """What arrived, waiting ``timeout`` seconds at most for something (then ``[]``)."""
        if not self.items:
            loop = asyncio.get_running_loop()
            self.waiter = waiter = loop.create_future()
            timer = loop.call_later(timeout, _wake, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self.waiter = None
        items, self.items = self.items, []
        return items


class _Hub:
    """One Redis pattern subscription per process and event loop, fanned out to inboxes."""

    def __init__(self) -> None:
        self.inboxes: dict[int, list[_Inbox]] = {}
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        import redis.asyncio as aioredis

        prefix = len(_channel("").encode())
        while True:
            client = aioredis.Redis.from_url(settings.REDIS_URL)
            pubsub = client.pubsub()
            try:
                await pubsub.psubscribe(_channel("*"))
                async for item in pubsub.listen():
                    if item["type"] == "psubscribe":
                        self.ready.set()
                    elif item["type"] == "pmessage":
                        # Every worker hears every order: read only what a stream here follows.
                        order = item["channel"][prefix:]
                        inboxes = self.inboxes.get(int(order)) if order.isdigit() else None
                        if inboxes:
                            head, previous, body = item["data"].split(b" ", 2)
                            entry = (int(head), int(previous), body.decode())
                            for inbox in inboxes:
                                inbox.put(entry)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("live hub lost Redis, reconnecting", exc_info=True)
                self.ready.clear()
                for inboxes in self.inboxes.values():
                    for inbox in inboxes:
                        inbox.put(None)
                await asyncio.sleep(1)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                    await client.aclose()

    async def subscribe(self, order_id: int) -> _Inbox:
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())
        inbox = _Inbox()
        self.inboxes.setdefault(order_id, []).append(inbox)
        if not self.ready.is_set():
            try:
                await asyncio.wait_for(self.ready.wait(), timeout=5)
            except BaseException:
                self.unsubscribe(order_id, inbox)
                raise
        return inbox

    def unsubscribe(self, order_id: int, inbox: _Inbox) -> None:
        inboxes = self.inboxes.get(order_id)
        if inboxes is not None and inbox in inboxes:
            inboxes.remove(inbox)
            if not inboxes:
                del self.inboxes[order_id]


_hubs: dict[int, _Hub] = {}


def _hub() -> _Hub:
    loop = asyncio.get_running_loop()
    hub = _hubs.get(id(loop))
    if hub is None:
        hub = _hubs[id(loop)] = _Hub()
    return hub


def sse_message(message: dict[str, Any]) -> str:
    return _sse(message["id"], json.dumps(message))


def _sse(event_id: int, data: str) -> str:
    return f"id: {event_id}\nevent: progress\ndata: {data}\n\n"


async def order_stream(
    *,
    order_id: int,
    last_id: int,
    heartbeat: float = HEARTBEAT_SECONDS,
    poll: float = POLL_SECONDS,
) -> AsyncGenerator[str]:
    """The SSE body for one order: the backlog after ``last_id``, then each new event, and a
    comment line every ``heartbeat`` seconds of silence (keeps proxies from closing it)."""
    # The request's own thread may hold the connection its middleware used (session, user).
    await sync_to_async(close_db_connections, thread_sensitive=True)()
    yield f"retry: {RETRY_MILLISECONDS}\n\n"
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + settings.PRODUCTION_STREAM_MAX_SECONDS
    inbox = await _hub().subscribe(order_id) if settings.REDIS_URL else None
    try:
        for chunk in await _backlog(order_id, last_id):
            last_id = chunk[0]
            yield chunk[1]
        silent = 0.0
        while loop.time() < ends_at:
            if inbox is not None:
                wait = min(heartbeat, max(ends_at - loop.time(), 0.0))
                items = await inbox.wait(wait)
                if not items:
                    if wait == heartbeat:
                        yield ": heartbeat\n\n"
                    continue
                for item in items:
                    if item is not None and item[0] <= last_id:
                        continue  # already sent (from the table)
                    if item is None or item[1] > last_id:
                        # Redis came back (what it published meanwhile is lost), or the event
                        # before this one is not sent yet (published later by another worker):
                        # the table has both, in order.
                        for chunk in await _backlog(order_id, last_id):
                            last_id = chunk[0]
                            yield chunk[1]
                        continue
                    last_id = item[0]
                    yield _sse(item[0], item[2])
            else:
                await asyncio.sleep(poll)
                batch = await _backlog(order_id, last_id)
                if not batch:
                    silent += poll
                    if silent >= heartbeat:
                        silent = 0.0
                        yield ": heartbeat\n\n"
                    continue
                silent = 0.0
                for chunk in batch:
                    last_id = chunk[0]
                    yield chunk[1]
    finally:
        if inbox is not None:
            _hub().unsubscribe(order_id, inbox)


async def _backlog(order_id: int, last_id: int) -> list[tuple[int, str]]:
    """The events after ``last_id``, as (id, SSE text): a stream waiting keeps no message."""
    messages = await run_sync(_events_after, order_id, last_id)
    return [(message["id"], sse_message(message)) for message in messages]

"""The live timeline: Server-Sent Events fed by Redis pub/sub (several web workers) or, on the
embedded default, by polling the event table.

A stream holds no database connection while idle: it reads the backlog (events after
``Last-Event-ID``) and each poll in a short call that closes its connection. With Redis, each
worker process keeps one pattern subscription and fans messages out to its open streams; a
stream subscribes before it reads its backlog and drops ids it has already sent, so a message
published in between is neither lost nor sent twice. Within one order, event ids grow in commit
order (each event locks its order's progress row), which makes "the largest id sent" a safe
resume point.
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


def publish(*, order_id: int, message: dict[str, Any]) -> None:
    """Tell the streams of this order (on every worker) about an accepted event; called after
    the commit. Without Redis the streams poll the table, so there is nothing to do."""
    publish_many([(order_id, message)])


def publish_many(messages: list[tuple[int, dict[str, Any]]]) -> None:
    """``publish`` for a batch's events, in one round trip to Redis (a pipeline), in order."""
    if not settings.REDIS_URL or not messages:
        return
    try:
        pipe = _sync_redis().pipeline(transaction=False)
        for order_id, message in messages:
            pipe.publish(_channel(order_id), json.dumps(message))
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


class _Hub:
    """One Redis pattern subscription per process and event loop, fanned out to queues."""

    def __init__(self) -> None:
        self.queues: dict[str, set[asyncio.Queue[dict[str, Any]]]] = {}
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        import redis.asyncio as aioredis

        prefix = _channel("")
        while True:
            client = aioredis.Redis.from_url(settings.REDIS_URL)
            pubsub = client.pubsub()
            try:
                await pubsub.psubscribe(_channel("*"))
                async for item in pubsub.listen():
                    if item["type"] == "psubscribe":
                        self.ready.set()
                    elif item["type"] == "pmessage":
                        # Every worker hears every order: parse only what a stream here follows.
                        queues = self.queues.get(item["channel"].decode()[len(prefix) :])
                        if queues:
                            message = json.loads(item["data"])
                            for queue in queues:
                                queue.put_nowait(message)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("live hub lost Redis, reconnecting", exc_info=True)
                self.ready.clear()
                # Streams notice nothing: they resync from the table on their next wake-up.
                for queues in self.queues.values():
                    for queue in queues:
                        queue.put_nowait({"resync": True})
                await asyncio.sleep(1)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                    await client.aclose()

    async def subscribe(self, order_id: int) -> asyncio.Queue[dict[str, Any]]:
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.queues.setdefault(str(order_id), set()).add(queue)
        await asyncio.wait_for(self.ready.wait(), timeout=5)
        return queue

    def unsubscribe(self, order_id: int, queue: asyncio.Queue[dict[str, Any]]) -> None:
        queues = self.queues.get(str(order_id))
        if queues is not None:
            queues.discard(queue)
            if not queues:
                del self.queues[str(order_id)]


_hubs: dict[int, _Hub] = {}


def _hub() -> _Hub:
    loop = asyncio.get_running_loop()
    hub = _hubs.get(id(loop))
    if hub is None:
        hub = _hubs[id(loop)] = _Hub()
    return hub


def sse_message(message: dict[str, Any]) -> str:
    return f"id: {message['id']}\nevent: progress\ndata: {json.dumps(message)}\n\n"


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
    use_redis = bool(settings.REDIS_URL)
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + settings.PRODUCTION_STREAM_MAX_SECONDS
    queue = await _hub().subscribe(order_id) if use_redis else None
    try:

        async def read(order_id: int, last_id: int) -> list[dict[str, Any]]:
            return await run_sync(_events_after, order_id, last_id)

        for message in await read(order_id, last_id):
            last_id = message["id"]
            yield sse_message(message)
        silent = 0.0
        while loop.time() < ends_at:
            if queue is not None:
                wait = min(heartbeat, max(ends_at - loop.time(), 0.0))
                try:
                    message = await asyncio.wait_for(queue.get(), timeout=wait)
                except TimeoutError:
                    if wait == heartbeat:
                        yield ": heartbeat\n\n"
                    continue
                batch = await read(order_id, last_id) if message.get("resync") else [message]
            else:
                await asyncio.sleep(poll)
                batch = await read(order_id, last_id)
                if not batch:
                    silent += poll
                    if silent >= heartbeat:
                        silent = 0.0
                        yield ": heartbeat\n\n"
                    continue
                silent = 0.0
            for message in batch:
                if message["id"] > last_id:
                    last_id = message["id"]
                    yield sse_message(message)
    finally:
        if queue is not None:
            _hub().unsubscribe(order_id, queue)

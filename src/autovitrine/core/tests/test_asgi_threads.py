"""The ASGI application runs each request's synchronous work on one thread, and reuses threads."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from django.core.signals import request_started

from autovitrine.testing.asgi import bodiless_request


async def _get(query: bytes) -> int | None:
    return await bodiless_request("GET", "/api/health", query=query)


def test_requests_reuse_threads_and_never_wait_behind_a_busy_one():
    threads: dict[bytes, threading.Thread] = {}  # the objects: a thread's ident may be reused
    slow_started, release_slow = threading.Event(), threading.Event()

    def on_request_started(sender, scope, **kwargs):  # runs on the request's thread
        threads[scope["query_string"]] = threading.current_thread()
        if scope["query_string"] == b"slow":
            slow_started.set()
            release_slow.wait(30)

    async def scenario() -> list[int | None]:
        statuses = [await _get(b"%d" % n) for n in range(30)]
        slow = asyncio.create_task(_get(b"slow"))
        assert await asyncio.to_thread(slow_started.wait, 30)
        # Answered while the slow request still holds its thread: not queued behind it.
        statuses.append(await asyncio.wait_for(_get(b"meanwhile"), 30))
        release_slow.set()
        statuses.append(await slow)
        return statuses

    request_started.connect(on_request_started)
    try:
        # In a thread of its own: the browser tests leave an event loop running in this one.
        with ThreadPoolExecutor(max_workers=1) as pool:
            statuses = pool.submit(asyncio.run, scenario()).result(timeout=120)
    finally:
        request_started.disconnect(on_request_started)
        release_slow.set()

    assert statuses == [200] * 32
    one_after_another = {threads[b"%d" % n] for n in range(30)}
    # Django's own handler starts a thread per request (30 here); a thread goes back to the pool
    # a moment after its request, so a second may be started meanwhile.
    assert len(one_after_another) <= 3
    assert threads[b"meanwhile"] is not threads[b"slow"]

"""The ASGI application runs each request's synchronous work on one thread, and reuses threads."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from django.core.signals import request_started

from autovitrine.config.asgi import application


async def _get(query: bytes) -> int:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/api/health",
        "raw_path": b"/api/health",
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }
    body_sent = False
    statuses = []

    async def receive():
        nonlocal body_sent
        if body_sent:
            await asyncio.Event().wait()  # the client stays connected
        body_sent = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await application(scope, receive, send)
    return statuses[0]


def test_requests_reuse_threads_and_never_wait_behind_a_busy_one():
    threads: dict[bytes, threading.Thread] = {}  # the objects: a thread's ident may be reused
    slow_started, release_slow = threading.Event(), threading.Event()

    def on_request_started(sender, scope, **kwargs):  # runs on the request's thread
        threads[scope["query_string"]] = threading.current_thread()
        if scope["query_string"] == b"slow":
            slow_started.set()
            release_slow.wait(30)

    async def scenario() -> list[int]:
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

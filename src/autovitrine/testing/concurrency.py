"""Real concurrent clients for tests: threads released at the same instant, each with its own
database connection, and a proof that they did run at the same time."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from asgiref.sync import async_to_sync
from django.db import connection

T = TypeVar("T")


class NoOverlap(AssertionError):
    """The clients ran one after the other: the test proved nothing about concurrency."""


def overlapping_pairs(spans: list[tuple[float, float]]) -> int:
    """How many pairs of ``(entered, left)`` spans were both running at one moment."""
    return sum(
        1
        for i, (enter_a, leave_a) in enumerate(spans)
        for enter_b, leave_b in spans[i + 1 :]
        if enter_a < leave_b and enter_b < leave_a
    )


def race(count: int, action: Callable[[int], T]) -> tuple[list[T], list[BaseException]]:
    """Run ``action(i)`` in ``count`` threads released at the same instant; results and errors.

    Raises ``NoOverlap`` unless at least two actions were running at the same moment (each one's
    start came before the other's end), so a passing test did see concurrent clients."""
    barrier = threading.Barrier(count)
    results: list[T] = []
    errors: list[BaseException] = []
    spans: list[tuple[float, float]] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            entered = time.perf_counter()
            try:
                results.append(action(i))
            finally:
                spans.append((entered, time.perf_counter()))
        except BaseException as exc:  # noqa: BLE001 — collected for the assertions
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if count > 1 and overlapping_pairs(spans) == 0:
        raise NoOverlap(f"les {count} clients n'ont jamais tourné en même temps : {spans}")
    return results, errors


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end from a test, as ``async_to_sync`` does (thread-sensitive sync
    calls come back to this thread: its database connection, the test's transaction), even
    after a browser test: Playwright's sync API leaves its event loop marked as running in this
    thread, and ``async_to_sync`` refuses to start there. The mark is lifted for the call."""

    async def awaited() -> T:
        return await coroutine

    running = asyncio.events._get_running_loop()
    asyncio.events._set_running_loop(None)
    try:
        return async_to_sync(awaited)()
    finally:
        asyncio.events._set_running_loop(running)

"""Real concurrent clients for tests: threads released at the same instant, each with its own
database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def race(count: int, action: Callable[[int], T]) -> tuple[list[T], list[BaseException]]:
    """Run ``action(i)`` in ``count`` threads released at the same instant; results and errors."""
    barrier = threading.Barrier(count)
    results: list[T] = []
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results.append(action(i))
        except BaseException as exc:  # noqa: BLE001 — collected for the assertions
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors

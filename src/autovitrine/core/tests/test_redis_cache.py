"""Concurrent requests share the process's Redis connections (Django gave each request's cache
object a pool of its own: a new TCP connection to Redis for every signed-in request)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core.cache import caches

from autovitrine.testing.concurrency import run_async

pytestmark = pytest.mark.redis


def test_concurrent_requests_use_one_connection_pool():
    def pool_of_this_request() -> int:
        cache: Any = caches["default"]
        cache.get("anything")
        return id(cache._cache._get_connection_pool(False))

    async def requests() -> set[int]:
        # Each request is a task of its own, its cache work on a thread (as under ASGI).
        tasks = [
            asyncio.create_task(sync_to_async(pool_of_this_request, thread_sensitive=False)())
            for _ in range(20)
        ]
        return set(await asyncio.gather(*tasks))

    assert len(run_async(requests())) == 1

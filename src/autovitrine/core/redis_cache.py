"""Django's Redis cache with one connection pool per process (``CACHES`` backend).

Django makes a cache object per thread and per async context (``caches`` is an asgiref
``Local``), and its Redis backend gives each object a connection pool of its own. Under ASGI each
request, and each piece of work handed to a thread, runs in a new context: every session read
opened a new TCP connection to Redis (connect, handshake, then a close when the pool was
collected), measured as ~1 connection per signed-in request and most of the CPU of the waiting
room's session check (issue #11). Here the pools are shared by every cache object of the process
(redis-py's pool is thread-safe, and replaces its connections itself after a fork).
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_pools: dict[tuple[str, str], Any] = {}
_lock = threading.Lock()


class _SharedPoolClient(RedisCacheClient):
    def _get_connection_pool(self, write: bool) -> Any:
        client: Any = self  # Django's private attributes, not in its type stubs
        server = client._servers[client._get_connection_pool_index(write)]
        key = (server, repr(sorted(client._pool_options.items())))
        pool = _pools.get(key)
        if pool is None:
            with _lock:
                pool = _pools.get(key)
                if pool is None:
                    pool = _pools[key] = client._pool_class.from_url(server, **client._pool_options)
        return pool


class SharedPoolRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` whose connections are shared process-wide."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _SharedPoolClient

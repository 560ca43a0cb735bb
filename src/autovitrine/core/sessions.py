"""Sessions on the database, with the cache as an accelerator only (``SESSION_ENGINE``).

Django's ``cached_db`` store writes a session it loaded from the database back to the cache
without catching errors, so with Redis stopped every signed-in page answered 500. Here every
cache call is guarded: a cache that fails is skipped (and logged), the database answers.
A sign-out during an outage cannot delete the cached copy; the cache entry of a session is
therefore kept no longer than ``SESSION_CACHE_SECONDS`` (default 5 minutes).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.core.cache import caches

logger = logging.getLogger(__name__)


class _TolerantCache:
    """The cache calls the session store makes, each one allowed to fail."""

    def __init__(self, cache: Any) -> None:
        self._cache = cache

    def _guard(self, name: str, default: Any, *args: Any) -> Any:
        try:
            return getattr(self._cache, name)(*args)
        except Exception as exc:  # noqa: BLE001 — any cache failure: the database answers
            logger.warning("Session cache unavailable (%s): %r", name, exc)
            return default

    async def _aguard(self, name: str, default: Any, *args: Any) -> Any:
        try:
            return await getattr(self._cache, name)(*args)
        except Exception as exc:  # noqa: BLE001
            logger.warning("Session cache unavailable (%s): %r", name, exc)
            return default

    @staticmethod
    def _bounded(timeout: Any) -> int:
        ceiling = int(getattr(settings, "SESSION_CACHE_SECONDS", 300))
        return ceiling if timeout is None else max(0, min(int(timeout), ceiling))

    def get(self, key: str, default: Any = None) -> Any:
        return self._guard("get", default, key, default)

    async def aget(self, key: str, default: Any = None) -> Any:
        return await self._aguard("aget", default, key, default)

    def set(self, key: str, value: Any, timeout: Any = None) -> None:
        self._guard("set", None, key, value, self._bounded(timeout))

    async def aset(self, key: str, value: Any, timeout: Any = None) -> None:
        await self._aguard("aset", None, key, value, self._bounded(timeout))

    def delete(self, key: str) -> None:
        self._guard("delete", None, key)

    async def adelete(self, key: str) -> None:
        await self._aguard("adelete", None, key)

    def __contains__(self, key: str) -> bool:
        return bool(self._guard("has_key", False, key))


class SessionStore(cached_db.SessionStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self._cache: Any = _TolerantCache(caches[settings.SESSION_CACHE_ALIAS])

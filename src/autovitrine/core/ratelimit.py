"""Fixed-window rate limits on the shared cache (Redis in production)."""

from __future__ import annotations

from django.core.cache import cache


def over_limit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt under ``key``; ``True`` once more than ``limit`` fall in the window."""
    cache.add(key, 0, timeout=window_seconds)
    try:
        attempts = cache.incr(key)
    except ValueError:  # the window expired between add() and incr()
        cache.set(key, 1, timeout=window_seconds)
        attempts = 1
    return attempts > limit

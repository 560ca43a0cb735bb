"""What keeps tests apart: per-run, per-worker names, and the reset of process-wide state.

Two test runs on one machine (two engineers, two CI jobs) and the two workers of one run
(``pytest -n 2``) share PostgreSQL and Redis: each worker gets its own test database and its own
Redis key prefix, and cleans only what carries that prefix.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.cache import cache


def run_tag() -> str:
    """``<run>_<worker>``: unique to this test run (xdist's run id, else the process) and worker."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")[:8] or f"p{os.getpid()}"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"{run}_{worker}"


def redis_key_prefix() -> str:
    return f"test_{run_tag()}"


def forget_redis_keys() -> None:
    """Delete every Redis key of this worker (cache, waiting rooms), never another's (no FLUSHDB)."""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        batch: list[bytes] = []
        for key in client.scan_iter(match=f"{settings.REDIS_KEY_PREFIX}:*", count=1000):
            batch.append(key)
            if len(batch) >= 500:
                client.delete(*batch)
                batch.clear()
        if batch:
            client.delete(*batch)
    finally:
        client.close()


def reset_process_state(*, forget_redis: bool = True) -> None:
    """Everything a process keeps between requests, forgotten between tests. The granian server
    the browser tests share passes ``forget_redis=False``: the test process empties the worker's
    Redis keys itself, after which a fixture may already have written new ones."""
    from autovitrine.configurator import services as configurator_services
    from autovitrine.core.forms import field_groups_cache_clear
    from autovitrine.dealers import selectors as dealer_selectors
    from autovitrine.flashsales import asgi as flashsale_asgi
    from autovitrine.flashsales import services as flashsale_services
    from autovitrine.flashsales.queue import waiting_room
    from autovitrine.inventory.selectors import reaches_cache_clear
    from autovitrine.inventory.views import cards_cache_clear
    from autovitrine.production import reference as production_reference
    from autovitrine.workshop import selectors as workshop_selectors

    if settings.REDIS_URL:
        if forget_redis:
            forget_redis_keys()
    else:
        cache.clear()
    waiting_room.cache_clear()
    field_groups_cache_clear()
    reaches_cache_clear()
    cards_cache_clear()
    dealer_selectors._local_positions = None
    workshop_selectors.catalogue_cache_clear()
    production_reference.reference_cache_clear()
    flashsale_services._sale_info_cache.clear()
    flashsale_services._outages_seen.clear()
    flashsale_asgi._live_sessions.clear()
    with configurator_services._compiled_guard:
        configurator_services._compiled.clear()

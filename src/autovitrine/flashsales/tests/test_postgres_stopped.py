"""PostgreSQL stopped in the middle of a sale, then started again (issue #11, defect 7): the
waiting room's hot requests answer a JSON 503 with a French message and a retry delay within a
bounded time (not a 13 s hang then a plain-text 500), and once the database is back nothing
fails, although every connection the pools and the database threads held died with the server.

The shared PostgreSQL server is never stopped: the application runs on a private cluster (a copy
of the test database) for this test. Requests go through the production ASGI application."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time

import pytest
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from autovitrine.flashsales import services
from autovitrine.flashsales.services._base import DATABASE_PAUSE_SECONDS
from autovitrine.testing.postgres_server import private_postgres

from .asgi_buyers import new_buyer, run

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def private_database(transactional_db):
    """The default database moved to a private cluster that the test may stop."""
    connection = connections["default"]
    shared = connection.settings_dict
    saved = {key: shared[key] for key in ("HOST", "PORT", "NAME")}
    with private_postgres() as server:
        server.copy_database(name="sale_outage", source=shared)
        _close_connections_everywhere()
        # One settings dict for every thread's connection: the pool is rebuilt from it.
        shared.update(HOST="127.0.0.1", PORT=server.port, NAME="sale_outage")
        try:
            yield server
        finally:
            _close_connections_everywhere()
            shared.update(saved)
    connection.close_pool()


def _close_connections_everywhere() -> None:
    """Close the default database's connection in every thread (asgiref's long-lived threads
    keep theirs between tests) and its pool, so that every later connection uses the settings
    as they now are. Another thread's connection object is only detached here, never used."""
    connections.close_all()
    for wrapper in gc.get_objects():
        # type(), not isinstance(): a lazy object would be evaluated by its __class__.
        if issubclass(type(wrapper), BaseDatabaseWrapper) and wrapper.alias == "default":
            raw, wrapper.connection = wrapper.connection, None
            if raw is not None:
                with contextlib.suppress(Exception):
                    raw.close()
    connections["default"].close_pool()  # type: ignore[attr-defined]  # PostgreSQL's wrapper


def test_with_postgres_stopped_the_waiting_room_answers_503_then_recovers(
    private_database, sale_kit, buyers
):
    # Given a sale in its pre-queue with a buyer in it, another about to join
    kit = sale_kit(units=1, slug="postgres-stopped")
    first, second = buyers(2)

    async def scenario():
        waiting, joining = await new_buyer(first), await new_buyer(second)
        await waiting.open_page(kit.sale.slug)
        await joining.open_page(kit.sale.slug)
        assert (await waiting.join()).status_code == 200
        assert (await waiting.status()).status_code == 200

        # When PostgreSQL stops (and the 5 s copy of the sale this process keeps runs out)
        private_database.stop()
        services._sale_info_cache.clear()
        started = time.monotonic()
        polled = await waiting.status()
        poll_seconds = time.monotonic() - started
        joined = await joining.join()
        challenge = await joining.client.get(f"/ventes-flash/{kit.sale.slug}/file/defi/")

        # and comes back
        private_database.start()
        services._sale_info_cache.clear()
        await asyncio.sleep(DATABASE_PAUSE_SECONDS)  # the hot paths' pause after a failure
        after = [await waiting.status() for _ in range(3)]
        page = await joining.open_page(kit.sale.slug)
        rejoined = await joining.join()
        await waiting.close()
        await joining.close()
        return polled, poll_seconds, joined, challenge, after, page, rejoined

    polled, poll_seconds, joined, challenge, after, page, rejoined = run(scenario())

    # Then the page is told, quickly and in French, to try again in a few seconds
    for refused in (polled, joined, challenge):
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"] == "application/json"
        error = refused.json()["error"]
        assert error["code"] == "database_unavailable"
        assert "réessayez" in error["message"]
        assert int(refused.headers["Retry-After"]) > 0
        assert refused.json()["retry_ms"] > 0
    assert poll_seconds < 6
    # and once the database is back, no request fails on a connection that died with it
    assert [answer.status_code for answer in after] == [200, 200, 200], [a.text for a in after]
    assert after[0].json()["place"] == "pre"
    assert page.status_code == 200
    assert rejoined.status_code == 200, rejoined.text
    assert rejoined.json()["place"] == "pre"

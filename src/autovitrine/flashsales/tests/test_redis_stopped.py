"""A real Redis stopped in the middle of a sale (issue #11, defect 6): signed-in buyers keep their
sessions (the database has them; the cache only speeds them up), the admitted buyer claims and
pays, the waiting room answers its JSON 503 with a French message and a retry delay, and all of
it comes back once Redis is started again. Requests go through the production ASGI application
(the waiting room's fast path, then Django) on PostgreSQL."""

from __future__ import annotations

import asyncio
import time

import pytest

from autovitrine.flashsales import services
from autovitrine.flashsales.models import Hold, Purchase, SaleUnit
from autovitrine.flashsales.queue import waiting_room
from autovitrine.payments.models import Payment
from autovitrine.testing.redis_server import private_redis

from .asgi_buyers import application, new_buyer, run, webhook
from .factories import join, poll_all

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_server(settings, tmp_path):
    """This test's own Redis, as cache, session accelerator and waiting room."""
    with private_redis(tmp_path) as server:
        settings.REDIS_URL = server.url
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": server.url,
                "KEY_PREFIX": "outage",
            }
        }
        waiting_room.cache_clear()
        services._sale_info_cache.clear()
        yield server
        waiting_room.cache_clear()
        services._sale_info_cache.clear()


def test_with_redis_stopped_buyers_stay_signed_in_claim_and_pay(redis_server, sale_kit, buyers):
    # Given an open sale of one car: the first buyer is admitted, the second waits
    kit = sale_kit(units=1, slug="redis-stopped")
    first, second = buyers(2)
    for buyer in (first, second):
        join(kit, buyer)
    kit.open()
    tokens, [waiting] = poll_all(kit, [first, second])
    [(admitted, token)] = tokens.items()

    async def scenario():
        buying, queued = await new_buyer(admitted), await new_buyer(waiting)
        await buying.open_page(kit.sale.slug)
        await queued.open_page(kit.sale.slug)

        # When Redis stops
        redis_server.stop()
        page = await buying.client.get(f"/ventes-flash/{kit.sale.slug}/")
        account = await buying.client.get("/compte/")
        claimed = await buying.claim(token)
        hold_page = await buying.client.get(claimed.headers.get("location", "/"))
        hold_ref = claimed.headers.get("location", "").rstrip("/").rsplit("/", 1)[-1]
        paying = await buying.pay(hold_ref)
        polled = await queued.status()

        # and comes back
        redis_server.start()
        again = await queued.status()
        await buying.close()
        await queued.close()
        return page, account, claimed, hold_page, paying, polled, again

    page, account, claimed, hold_page, paying, polled, again = run(scenario())

    # Then signed-in pages still answer, and the admitted buyer holds the car and pays
    assert page.status_code == 200
    assert account.status_code == 200
    assert claimed.status_code == 302 and "/reservation/" in claimed.headers["location"]
    assert hold_page.status_code == 200
    assert paying.status_code == 302
    payment = Payment.objects.get(reference=Purchase.objects.get(sale=kit.sale).reference)
    assert run(webhook(application(), payment)).status_code == 200
    assert SaleUnit.objects.get(sale=kit.sale).sold_to_id == admitted.pk
    # the waiting page is told, in French, when to try again
    assert polled.status_code == 503
    error = polled.json()["error"]
    assert error["code"] == "queue_unavailable"
    assert "réessayez" in error["message"]
    assert int(polled.headers["Retry-After"]) > 0
    assert polled.json()["retry_ms"] > 0
    # and once Redis is back (its data lost), the waiting room answers again, rebuilt from the
    # database: the waiting buyer is still first in line behind the held car
    assert again.status_code == 200, again.text
    assert (again.json()["place"], again.json()["position"]) == ("waiting", 1)
    assert again.json()["units"]["held"] == 1


def test_holds_running_while_redis_is_down_are_extended_by_the_outage(
    redis_server, sale_kit, buyers
):
    # Given an open sale: one buyer holds a car, another waits
    kit = sale_kit(units=2, slug="redis-outage-holds")
    holder, waiting = buyers(2)
    for buyer in (holder, waiting):
        join(kit, buyer)
    kit.open()
    tokens, _ = poll_all(kit, [holder])
    [(_, token)] = tokens.items()

    async def scenario():
        buying, queued = await new_buyer(holder), await new_buyer(waiting)
        await buying.open_page(kit.sale.slug)
        await queued.open_page(kit.sale.slug)
        claimed = await buying.claim(token)
        assert claimed.status_code == 302, claimed.text
        before = await services.in_db_thread(
            lambda: SaleUnit.objects.get(sale=kit.sale, holder=holder).held_until
        )

        # When Redis is down for about 3 s (the waiting page sees it), then back
        redis_server.stop()
        down_at = time.monotonic()
        refused = await queued.status()
        await asyncio.sleep(3)
        redis_server.start()
        again = await queued.status()
        outage = time.monotonic() - down_at
        await buying.close()
        await queued.close()
        return before, refused, again, outage

    before, refused, again, outage = run(scenario())

    # Then the hold runs on for the outage's length, on the unit and on the buyer's hold alike
    assert refused.status_code == 503
    assert again.status_code == 200, again.text
    unit = SaleUnit.objects.get(sale=kit.sale, holder=holder)
    extension = (unit.held_until - before).total_seconds()
    assert 2.5 <= extension <= outage + 1, (extension, outage)
    hold = Hold.objects.get(unit=unit, status=Hold.Status.ACTIVE)
    assert hold.expires_at == unit.held_until
    # and a second return of the waiting room does not extend it again
    run(services.aqueue_status(info=kit.info, customer_id=waiting.pk))
    unit.refresh_from_db()
    assert (unit.held_until - before).total_seconds() == extension

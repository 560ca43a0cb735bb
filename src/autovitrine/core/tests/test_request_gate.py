"""Requests inside Django are bounded per process; a purchase under way goes before the crowd."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from django.core.signals import request_started
from django.urls import reverse

from autovitrine.config.asgi import django_handler, first_served
from autovitrine.core.request_gate import RequestGate
from autovitrine.testing.asgi import bodiless_request
from autovitrine.testing.concurrency import run_async


def test_a_purchase_under_way_enters_before_the_visits_that_came_earlier():
    async def scenario() -> list[str]:
        gate = RequestGate(2)
        entered: list[str] = []

        async def request(name: str, purchase: bool) -> None:
            await gate.enter(lambda: purchase)
            entered.append(name)

        await request("a", False)
        await request("b", False)  # the gate is full
        waiting = [
            asyncio.create_task(request(name, purchase))
            for name, purchase in (("page 1", False), ("page 2", False), ("claim", True))
        ]
        await asyncio.sleep(0)
        assert entered == ["a", "b"] and gate.waiting == 3
        for _ in range(3):
            gate.leave()
            await asyncio.sleep(0)
        await asyncio.gather(*waiting)
        return entered

    assert run_async(scenario()) == ["a", "b", "claim", "page 1", "page 2"]


def test_a_client_that_leaves_while_waiting_loses_no_slot():
    async def scenario() -> tuple[int, int]:
        gate = RequestGate(1)
        await gate.enter(lambda: False)
        gone = asyncio.create_task(gate.enter(lambda: False))
        handed = asyncio.create_task(gate.enter(lambda: False))
        await asyncio.sleep(0)
        gone.cancel()  # the client hung up while waiting
        gate.leave()  # its slot goes to the next one still there
        await handed
        # A waiter cancelled just after the slot was handed to it passes the slot on.
        late = asyncio.create_task(gate.enter(lambda: False))
        after = asyncio.create_task(gate.enter(lambda: False))
        await asyncio.sleep(0)
        gate.leave()
        late.cancel()
        await asyncio.gather(late, return_exceptions=True)
        await after
        return gate.inside, gate.waiting

    assert run_async(scenario()) == (1, 0)


@pytest.mark.django_db
def test_the_views_that_finish_a_purchase_are_first_served():
    ref = uuid.uuid4()
    assert first_served(reverse("flashsales:claim", kwargs={"slug": "terra"}))
    assert first_served(reverse("flashsales:pay", kwargs={"ref": ref}))
    assert first_served(reverse("api:payments_webhook", kwargs={"provider": "stripe"}))
    assert first_served(reverse("orders:pay_deposit", kwargs={"number": "AV-1"}))
    assert not first_served(reverse("flashsales:teaser", kwargs={"slug": "terra"}))
    assert not first_served(reverse("inventory:search"))
    assert not first_served("/no/such/page/")


async def _call(method: str, path: str, answered: list[str], leaves: asyncio.Event | None = None):
    status = await bodiless_request(method, path, leaves=leaves)
    if status is not None:
        answered.append(f"{method} {path} {status}")


def test_when_django_is_full_the_claim_sent_last_is_answered_first():
    gate = django_handler.gate
    answered: list[str] = []

    async def scenario() -> None:
        for _ in range(gate.limit):  # every slot taken, as by a crowd
            await gate.enter(lambda: False)
        try:
            health = asyncio.create_task(_call("GET", "/api/health", answered))
            await asyncio.sleep(0.2)
            # Without a CSRF token the claim is refused (403), but only once inside Django.
            claim = asyncio.create_task(_call("POST", "/ventes-flash/terra/reserver/", answered))
            await asyncio.sleep(0.2)
            assert answered == [] and gate.waiting == 2
            gate.leave()  # one slot frees up: the claim takes it, the page waits on
            await asyncio.wait_for(claim, 30)
            assert not health.done()
        finally:
            for _ in range(gate.limit - 1):
                gate.leave()
        await asyncio.wait_for(health, 30)

    run_async(scenario())
    assert answered == ["POST /ventes-flash/terra/reserver/ 403", "GET /api/health 200"]
    assert django_handler.gate.inside == 0


def test_requests_waiting_for_django_hold_no_thread_and_clients_that_leave_are_not_served():
    gate = django_handler.gate
    answered: list[str] = []
    started: list[object] = []

    def on_request_started(sender, **kwargs):
        started.append(sender)

    async def scenario() -> None:
        for _ in range(gate.limit):  # every slot taken, as by a crowd
            await gate.enter(lambda: False)
        idle_threads = len(django_handler._idle_threads)
        left = asyncio.Event()
        try:
            staying = [
                asyncio.create_task(_call("GET", "/api/health", answered)) for _ in range(20)
            ]
            leaving = [
                asyncio.create_task(_call("GET", "/api/health", answered, left)) for _ in range(5)
            ]
            await asyncio.sleep(0.2)
            # 25 requests wait: none has run anything of Django's or taken a thread
            assert gate.waiting == 25 and started == [] and answered == []
            assert len(django_handler._idle_threads) == idle_threads
            # 5 clients give up: they leave the line, and nothing is answered to them
            left.set()
            await asyncio.wait_for(asyncio.gather(*leaving), 30)
            assert gate.waiting == 20 and answered == []
        finally:
            for _ in range(gate.limit):
                gate.leave()
        await asyncio.wait_for(asyncio.gather(*staying), 30)

    request_started.connect(on_request_started)
    try:
        run_async(scenario())
    finally:
        request_started.disconnect(on_request_started)
    assert answered == ["GET /api/health 200"] * 20 and len(started) == 20
    assert gate.inside == 0 and gate.waiting == 0

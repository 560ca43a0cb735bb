"""Buyers that drive the production ASGI application (``config/asgi.py``: Django behind the
waiting room's fast path) in this process, through httpx: cookies, CSRF token and ``Origin`` as a
browser sends them, and a ``receive`` channel that only says "disconnect" once the response is
complete, as a real server does. Tests using them need committed rows
(``django_db(transaction=True)``) because the application's database work runs on pool threads.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import html
import re
import threading
import uuid
from importlib import import_module
from typing import Any
from urllib.parse import urlencode

import httpx
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

from autovitrine.flashsales.tokens import proof_of_work_solve
from autovitrine.payments import conf
from autovitrine.payments.models import Payment
from autovitrine.payments.providers.simulated import SimulatedProvider

HOST = "testserver"
ORIGIN = f"http://{HOST}"


def run(coroutine: Any) -> Any:
    """Run ``coroutine`` on the test process's server loop, as a granian worker runs requests.

    The loop runs in a thread of its own (Playwright's sync API may already run one in the test
    thread) and lives as long as the process, like a server's: its default executor's threads
    (``services.in_db_thread``) keep one pooled database connection each. A loop per call would
    end its threads with their connections still out of the pool, which then runs dry.
    Several threads may call this at once: their coroutines overlap on the one loop."""
    return asyncio.run_coroutine_threadsafe(coroutine, _server_loop()).result()


@functools.cache
def _server_loop() -> asyncio.AbstractEventLoop:
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, name="asgi-test-server", daemon=True).start()
    return loop


def stop_server_loop() -> None:
    """End the server loop's threads, so their database connections close with them (before the
    test database is dropped)."""
    if _server_loop.cache_info().currsize:
        loop = _server_loop()
        asyncio.run_coroutine_threadsafe(loop.shutdown_default_executor(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        _server_loop.cache_clear()
        gc.collect()  # the threads' connections sit in reference cycles


def application() -> Any:
    from autovitrine.config.asgi import application as app

    return app


def signed_in_session(user: Any) -> str:
    """A session of ``user`` as the sign-in page leaves it (without hashing a password)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def _attribute(page: str, name: str) -> str:
    found = re.search(rf'{name}="([^"]*)"', page)
    return html.unescape(found.group(1)) if found else ""


async def new_buyer(user: Any, **options: Any) -> Buyer:
    """A browser signed in as ``user`` (the session is written from a thread: async context)."""
    session_key = await sync_to_async(signed_in_session)(user)
    return Buyer(user, session_key=session_key, **options)


class Buyer:
    """One browser: its own cookie jar and client address."""

    def __init__(
        self, user: Any | None, *, session_key: str = "", ip: str = "203.0.113.7", app: Any = None
    ) -> None:
        self.user = user
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app or application(), client=(ip, 40000)),
            base_url=ORIGIN,
            follow_redirects=False,
            timeout=60,
        )
        if session_key:
            self.client.cookies.set(settings.SESSION_COOKIE_NAME, session_key)
        self.page: dict[str, str] = {}

    async def close(self) -> None:
        await self.client.aclose()

    def _csrf(self) -> dict[str, str]:
        return {"X-CSRFToken": self.client.cookies.get("csrftoken") or "", "Origin": ORIGIN}

    async def open_page(self, slug: str) -> httpx.Response:
        """The sale page, as the browser loads it: the challenge, the join key, the queue pass."""
        response = await self.client.get(f"/ventes-flash/{slug}/")
        assert response.status_code == 200, response.status_code
        text = response.text
        self.slug = slug
        self.page = {
            "challenge": _attribute(text, "data-challenge"),
            "difficulty": _attribute(text, "data-difficulty") or "0",
            "join_key": _attribute(text, "data-join-key"),
            "claim_key": _attribute(text, 'name="idempotency_key" value'),
        }
        return response

    async def join(
        self, *, nonce: str | None = None, key: str | None = None, challenge: str | None = None
    ) -> httpx.Response:
        challenge = self.page["challenge"] if challenge is None else challenge
        if nonce is None:
            nonce = proof_of_work_solve(challenge, int(self.page["difficulty"]))
        return await self.client.post(
            f"/ventes-flash/{self.slug}/file/rejoindre/",
            content=urlencode({"challenge": challenge, "nonce": nonce}),
            headers={
                **self._csrf(),
                "Content-Type": "application/x-www-form-urlencoded",
                "Idempotency-Key": self.page["join_key"] if key is None else key,
            },
        )

    async def fresh_challenge(self) -> None:
        response = await self.client.get(f"/ventes-flash/{self.slug}/file/defi/")
        issued = response.json()
        self.page["challenge"], self.page["difficulty"] = (
            issued["challenge"],
            str(issued["difficulty"]),
        )

    async def status(self) -> httpx.Response:
        return await self.client.get(f"/ventes-flash/{self.slug}/file/statut/")

    async def claim(self, token: str, *, key: str | None = None) -> httpx.Response:
        return await self.client.post(
            f"/ventes-flash/{self.slug}/reserver/",
            content=urlencode({"token": token, "idempotency_key": key or uuid.uuid4().hex}),
            headers={**self._csrf(), "Content-Type": "application/x-www-form-urlencoded"},
        )

    async def pay(self, hold_ref: str) -> httpx.Response:
        return await self.client.post(
            f"/ventes-flash/reservation/{hold_ref}/payer/",
            content=urlencode({"idempotency_key": uuid.uuid4().hex}),
            headers={**self._csrf(), "Content-Type": "application/x-www-form-urlencoded"},
        )


async def webhook(
    app: Any, payment: Payment, *, paid: bool = True, amount_cents: int | None = None
) -> httpx.Response:
    """The simulated provider posting its signed outcome to the payments webhook endpoint."""
    provider = SimulatedProvider(secret=conf.simulator_secret())
    body, signature = provider.webhook_for(
        provider_id=payment.provider_id,
        amount_cents=payment.amount_cents if amount_cents is None else amount_cents,
        paid=paid,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=ORIGIN, timeout=60
    ) as client:
        return await client.post(
            "/api/payments/webhooks/simulated",
            content=body,
            headers={"X-Simulator-Signature": signature, "Content-Type": "application/json"},
        )

"""The live tracking stream as a plain ASGI endpoint, in front of Django.

Through Django's handler each open stream would keep its request's thread (and the middleware's
objects) for as long as it stays open: ~280 KB a connection, measured. Here a stream is one
coroutine: the session and the access check run once in a short call that gives its database
connection back, then the body is ``live.order_stream`` until the client goes away.
Same answer as ``views.stream`` (which still serves the test client and any other handler).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from importlib import import_module
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings
from django.contrib.auth import get_user
from django.http import HttpRequest
from django.http.cookie import parse_cookie

from . import live, selectors

STREAM_PATH = re.compile(r"^/commandes/(?P<number>[A-Za-z0-9-]{1,20})/suivi/direct/$")
HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache, no-transform"),
    (b"x-accel-buffering", b"no"),
    (b"x-content-type-options", b"nosniff"),
]


def _header(scope: dict, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return ""


def _viewer_order_id(cookie_header: str, number: str) -> int | None:
    """The order's id if the session's user may follow it (the same rule as the page)."""
    try:
        session_key = parse_cookie(cookie_header).get(settings.SESSION_COOKIE_NAME)
        if not session_key:
            return None
        request = HttpRequest()
        request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
        order = selectors.order_for_viewer(number=number, user=get_user(request))
        return order.pk if order is not None else None
    finally:
        live.close_db_connections()


def with_live_stream_fast_path(application: Any) -> Any:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        match = (
            STREAM_PATH.match(scope["path"])
            if scope["type"] == "http" and scope.get("method") == "GET"
            else None
        )
        if match is None:
            return await application(scope, receive, send)
        order_id = await live.run_sync(_viewer_order_id, _header(scope, b"cookie"), match["number"])
        if order_id is None:
            await send(
                {
                    "type": "http.response.start",
                    "status": 404,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8")],
                }
            )
            await send({"type": "http.response.body", "body": b"Introuvable."})
            return
        raw_last = (
            _header(scope, b"last-event-id")
            or (parse_qs(scope.get("query_string", b"").decode()).get("depuis", ["0"])[0])
        )
        last_id = int(raw_last) if raw_last.isdigit() else 0
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
        # The stream runs in this request's own task; a second task only waits for the client
        # to leave and then cancels it (a task per stream fewer: memory is the limit here).
        serving = asyncio.current_task()
        assert serving is not None
        left: list[bool] = []

        async def client_gone() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            left.append(True)
            serving.cancel()

        watching = asyncio.ensure_future(client_gone())
        stream = live.order_stream(order_id=order_id, last_id=last_id)
        try:
            async for chunk in stream:
                await send(
                    {"type": "http.response.body", "body": chunk.encode(), "more_body": True}
                )
        except asyncio.CancelledError:
            if not left:
                raise  # cancelled by the server, not by the client leaving
            serving.uncancel()
        finally:
            watching.cancel()
            await stream.aclose()
            with contextlib.suppress(Exception):
                await send({"type": "http.response.body", "body": b"", "more_body": False})

    return app

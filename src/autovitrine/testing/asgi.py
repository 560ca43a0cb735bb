"""Requests sent straight to an ASGI application, as the server would send them."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from autovitrine.config.asgi import application


def http_scope(
    method: str, path: str, *, query: bytes = b"", headers: Sequence[tuple[bytes, bytes]] = ()
) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }


async def bodiless_request(
    method: str, path: str, *, query: bytes = b"", leaves: asyncio.Event | None = None
) -> int | None:
    """One request without a body through the production application: its status, or None if
    nothing was answered. The client stays connected until ``leaves`` is set, if given, and
    then disconnects."""
    body_sent = False
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        nonlocal body_sent
        if body_sent:
            await (leaves or asyncio.Event()).wait()
            return {"type": "http.disconnect"}
        body_sent = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await application(http_scope(method, path, query=query), receive, send)
    return statuses[0] if statuses else None

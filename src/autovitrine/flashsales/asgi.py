"""ASGI fast path for the waiting room's hot reads: status polls and join challenges.

At the opening every page in the pre-queue asks for its status within seconds. Through Django's
middleware stack a poll costs ~4 ms of CPU (each old-style middleware hook hops threads under
ASGI); this path answers the same JSON from one Redis round trip. The caller is identified by the
signed "queue pass" cookie that the (Django) sale page and join endpoint give a signed-in
customer; a request without a valid pass goes to Django, which reads the session.

Wire it around Django's application: ``application = with_waiting_room_fast_path(django_app)``.
Everything else, and every write, goes to Django.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from functools import cache
from http.cookies import SimpleCookie
from typing import Any

from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.urls import reverse

from . import services
from .errors import FlashSaleRefusal
from .tokens import PASS_COOKIE, challenge_issue, queue_pass_read

ASGIApp = Callable[
    [dict, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]
]

SECURITY_HEADERS = [
    (b"content-type", b"application/json"),
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


@cache
def _routes() -> re.Pattern[str]:
    """The status and challenge URLs, as mounted by the URL configuration."""
    status = reverse("flashsales:status", kwargs={"slug": "SLUG"})
    challenge = reverse("flashsales:challenge", kwargs={"slug": "SLUG"})
    pattern = "|".join(
        re.escape(path).replace("SLUG", rf"(?P<slug{i}>[-a-zA-Z0-9_]+)")
        for i, path in enumerate((status, challenge))
    )
    return re.compile(f"^(?:{pattern})$")


def _header(scope: dict, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""


def _customer_id(scope: dict) -> int | None:
    cookie = SimpleCookie()
    try:
        cookie.load(_header(scope, b"cookie"))
    except Exception:  # a malformed Cookie header is simply no pass
        return None
    morsel = cookie.get(PASS_COOKIE)
    return queue_pass_read(morsel.value) if morsel else None


async def _answer(match: re.Match[str], customer_id: int) -> tuple[int, dict[str, Any]]:
    slug = match["slug0"] or match["slug1"]
    hit, info = services.sale_info_cached(slug)
    if not hit:
        info = await services.in_db_thread(services.sale_info, slug)
    if info is None:
        return 404, _error("not_found", "Vente introuvable.")
    try:
        if match["slug1"]:
            challenge = challenge_issue(sale_id=info.sale_id, customer_id=customer_id)
            return 200, {"challenge": challenge, "difficulty": info.pow_difficulty_bits}
        return 200, await services.aqueue_status(info=info, customer_id=customer_id)
    except FlashSaleRefusal as exc:
        return exc.status, _error(exc.code, str(exc.message))
    except services.QUEUE_ERRORS:
        refusal = FlashSaleRefusal("queue_unavailable")
        return refusal.status, _error(refusal.code, str(refusal.message))


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": []}}


def with_waiting_room_fast_path(application: ASGIApp) -> ASGIApp:
    """``application`` with the waiting room's GET status/challenge answered before Django."""

    async def app(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            match = _routes().match(scope["path"])
            host, _ = split_domain_port(_header(scope, b"host"))
            customer_id = _customer_id(scope) if match else None
            if match and customer_id is not None and validate_host(host, settings.ALLOWED_HOSTS):
                status, payload = await _answer(match, customer_id)
                body = json.dumps(payload, ensure_ascii=False).encode()
                headers = [*SECURITY_HEADERS, (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await application(scope, receive, send)

    return app

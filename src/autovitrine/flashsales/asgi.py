"""ASGI fast path for the waiting room's hot requests: status polls, join challenges and joins.

At the opening every page in the pre-queue asks for its status within seconds, and before it
hundreds of thousands of people join. Through Django's middleware stack a poll costs ~4 ms of CPU
(each old-style middleware hook hops threads under ASGI); this path answers the same JSON from one
Redis round trip, and a join from a share of three group commits (``batching``): the rate-limit
script, the INSERT, and the place-and-status script of all the joins waiting together. The caller is
identified by the signed "queue pass" cookie that the (Django) sale page and join endpoint give a
signed-in customer; a request without a valid pass goes to Django, which reads the session.

A join here is a POST, so it is guarded against cross-site requests without Django's CSRF
middleware: the pass cookie is ``SameSite=Strict`` (a browser never sends it from another site)
and the ``Origin`` header, which browsers send with every POST, must name this host. Anything
else, and every join that is not an account's plain first one, goes to Django with its body.

Wire it around Django's application: ``application = with_waiting_room_fast_path(django_app)``
(``config/asgi.py`` does).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from functools import cache
from importlib import import_module
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host
from django.urls import reverse

from autovitrine.core.clientip import scope_client_ip

from . import services
from .errors import FlashSaleRefusal
from .tokens import PASS_COOKIE, QueuePass, queue_pass_read

logger = logging.getLogger(__name__)

# scope, receive, send: the messages sent may be any mapping (Django's handler types them so).
ASGIApp = Callable[
    [
        dict[str, Any],
        Callable[[], Awaitable[Mapping[str, Any]]],
        Callable[[Mapping[str, Any]], Awaitable[None]],
    ],
    Awaitable[None],
]

SECURITY_HEADERS = [
    (b"content-type", b"application/json"),
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


MAX_JOIN_BODY = 4096  # a challenge, a nonce and a key fit many times over


@cache
def _routes() -> dict[str, re.Pattern[str]]:
    """The fast path's URLs by method, as mounted by the URL configuration."""

    def pattern(*names: str) -> re.Pattern[str]:
        paths = [reverse(f"flashsales:{name}", kwargs={"slug": "SLUG"}) for name in names]
        alternatives = "|".join(
            re.escape(path).replace("SLUG", rf"(?P<slug{i}>[-a-zA-Z0-9_]+)")
            for i, path in enumerate(paths)
        )
        return re.compile(f"^(?:{alternatives})$")

    return {"GET": pattern("status", "challenge"), "POST": pattern("join")}


def _header(scope: dict, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""


# The queue pass lives no longer than its session (issue #11, defect 9): a pass is honoured only
# while the session it is bound to still names its customer, checked at most every 30 s per
# session and process (the cache, then the database); a sign-out in this process forgets it at
# once (``forget_session``), in another within those 30 s.
SESSION_CHECK_SECONDS = 30.0
_live_sessions: dict[str, tuple[float, int]] = {}


async def _queue_pass(scope: dict) -> QueuePass | None:
    # Django's own parser (``request.COOKIES``): the session cookie read here is the one it reads.
    cookies = parse_cookie(_header(scope, b"cookie"))
    queue_pass, session = cookies.get(PASS_COOKIE), cookies.get(settings.SESSION_COOKIE_NAME)
    if queue_pass is None or session is None:
        return None
    holder = queue_pass_read(queue_pass, session_key=session)
    if holder is None:
        return None
    customer_id = holder.customer_id
    now = time.monotonic()
    known = _live_sessions.get(session)
    if known is not None and known[0] > now and known[1] == customer_id:
        return holder
    try:
        alive = await services.in_db_thread(_session_names, session, customer_id)
    except services.DATABASE_ERRORS:
        return None  # Django answers (its views say the database is unavailable)
    if not alive:
        _live_sessions.pop(session, None)
        return None
    if len(_live_sessions) > 500_000:
        _live_sessions.clear()
    _live_sessions[session] = (now + SESSION_CHECK_SECONDS, customer_id)
    return holder


def _session_names(session_key: str, customer_id: int) -> bool:
    """Whether the session ``session_key`` exists, has not expired and is ``customer_id``'s."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
    return store.load().get(SESSION_KEY) == str(customer_id)


def forget_session(sender: Any = None, request: Any = None, **kwargs: Any) -> None:
    """``user_logged_out`` receiver: the signed-out session's pass stops working at once here."""
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        _live_sessions.pop(session.session_key, None)


def _same_origin(scope: dict, host: str) -> bool:
    origin = _header(scope, b"origin")
    return bool(origin) and urlsplit(origin).netloc == host


async def _read_body(receive: Any) -> bytes | None:
    """The whole request body, or ``None`` past ``MAX_JOIN_BODY``."""
    chunks, size = [], 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_JOIN_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes, receive: Any) -> Callable[[], Awaitable[dict]]:
    """A ``receive`` that hands Django the body this path already read, then the client's own
    channel: Django listens on it for a disconnect while the view runs, and cancels the view
    when it gets one, so a disconnect must only come when the client really left."""
    sent = False

    async def replayed() -> dict:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


async def _answer(
    scope: dict, match: re.Match[str], holder: QueuePass, body: bytes | None
) -> tuple[int, dict[str, Any]] | tuple[int, dict[str, Any], dict[str, str]] | None:
    """The fast path's answer, or ``None`` to let Django answer (a join it cannot decide)."""
    slug = match["slug0"] or match["slug1"]
    customer_id = holder.customer_id
    info = None
    try:
        info = await services.asale_info(slug)
        if info is None:
            return 404, _error("not_found", "Vente introuvable.")
        if body is not None:
            form = {k: v[0] for k, v in parse_qs(body.decode("latin-1")).items()}
            payload = await services.aqueue_join_first(
                info=info,
                customer_id=customer_id,
                account_created_s=holder.account_created_s,
                client_ip=scope_client_ip(scope),
                challenge=form.get("challenge", ""),
                nonce=form.get("nonce", ""),
                idempotency_key=_header(scope, b"idempotency-key")
                or form.get("idempotency_key", ""),
            )
            return None if payload is None else (200, payload)
        if match["slug1"]:
            # The difficulty grows with the places the caller's network took (one Redis read).
            return 200, await services.ajoin_challenge(
                info=info,
                customer_id=customer_id,
                account_created_s=holder.account_created_s,
                client_ip=scope_client_ip(scope),
            )
        return 200, await services.aqueue_status(info=info, customer_id=customer_id)
    except FlashSaleRefusal as exc:
        return exc.status, exc.payload(), exc.headers()
    except services.QUEUE_ERRORS as exc:
        logger.warning("Waiting room unreachable: %r", exc)
        await _note_outage(info)
        refusal = FlashSaleRefusal("queue_unavailable")
        return refusal.status, refusal.payload(), refusal.headers()
    except services.DATABASE_ERRORS as exc:
        # PostgreSQL stopped or restarting (issue #11, defect 7): the page tries again later.
        logger.warning("Database unreachable: %r", exc)
        refusal = FlashSaleRefusal("database_unavailable")
        return refusal.status, refusal.payload(), refusal.headers()


async def _note_outage(info: services.SaleInfo | None) -> None:
    """The holds running during a waiting-room outage are extended by its length once it is back
    (issue #11, defect 6): the outage's start is noted in the database."""
    if info is None:
        return
    try:
        await services.aqueue_outage_seen(sale_id=info.sale_id)
    except services.DATABASE_ERRORS as exc:
        logger.warning("Waiting-room outage not noted: %r", exc)


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": []}}


def with_waiting_room_fast_path(application: ASGIApp) -> ASGIApp:
    """``application`` with the waiting room's status, challenge and join answered before Django."""

    async def app(scope: dict, receive: Any, send: Any) -> None:
        route = _routes().get(scope.get("method", "")) if scope["type"] == "http" else None
        match = route.match(scope["path"]) if route else None
        if match is None:
            return await application(scope, receive, send)
        host_header = _header(scope, b"host")
        host, _ = split_domain_port(host_header)
        holder = await _queue_pass(scope)
        if holder is None or not validate_host(host, settings.ALLOWED_HOSTS):
            return await application(scope, receive, send)
        body = None
        if scope["method"] == "POST":
            if not _same_origin(scope, host_header):
                return await application(scope, receive, send)
            body = await _read_body(receive)
            if body is None:
                return await _send_json(send, 413, _error("too_large", "Requête trop grande."))
        answer = await _answer(scope, match, holder, body)
        if answer is None:
            return await application(scope, _replay(body or b"", receive), send)
        await _send_json(send, *answer)

    return app


async def _send_json(
    send: Any, status: int, payload: dict[str, Any], extra: dict[str, str] | None = None
) -> None:
    body = orjson.dumps(payload)
    headers = [*SECURITY_HEADERS, (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

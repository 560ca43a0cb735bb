"""One gate for hostile input, before any view: oversized bodies and control characters.

Every request passes here first, so no view has to think about them:

- a body larger than allowed is a 413 (``MAX_API_BODY_BYTES`` under ``/api/``, webhooks included;
  ``MAX_UPLOAD_REQUEST_BYTES`` for multipart uploads; ``DATA_UPLOAD_MAX_MEMORY_SIZE`` for any other
  body), decided on ``Content-Length`` before the body is read;
- a control character (C0 except tab, line feed and carriage return, and DEL) in the path is a
  404 — no address of ours holds one — and in a query parameter, a form field (its name or value)
  or a JSON string (escaped as ``\\u0000`` …) a 400. PostgreSQL refuses NUL in text, and the
  others only ever come from a broken or hostile client.

Pages get a short French page, the API its error envelope (``payload_too_large``,
``invalid_characters``, ``not_found``).

Django's ASGI handler reads the whole body (to a temporary file) before any middleware runs, and
a body sent without ``Content-Length`` (chunked, HTTP/2) has no size to check: ``with_body_limit``
wraps the ASGI application (``config/asgi.py``) so that neither can fill the disk or the memory.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Anything that can break a path apart, the tab and line breaks included.
PATH_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# The same characters as JSON escapes (a raw one is already invalid JSON).
JSON_CONTROL_ESCAPES = re.compile(rb"\\u00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F]|7[fF])")

API_PREFIX = "/api/"


def limit_for(path: str, content_type: str) -> int:
    if path.startswith(API_PREFIX):
        return int(settings.MAX_API_BODY_BYTES)
    if content_type.lower().startswith("multipart/"):
        return int(settings.MAX_UPLOAD_REQUEST_BYTES)
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def body_limit(request: HttpRequest) -> int:
    return limit_for(request.path, request.content_type or "")


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _bad_fields(pairs: Iterable[tuple[str, list[str]]]) -> list[str]:
    return [
        name
        for name, values in pairs
        if CONTROL_CHARACTERS.search(name) or any(CONTROL_CHARACTERS.search(v) for v in values)
    ]


class HostileInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = body_limit(request)
        if _declared_length(request) > limit:
            return _refusal(
                request,
                413,
                "payload_too_large",
                _("Envoi trop volumineux : %(mb)s Mo au plus.") % {"mb": _megabytes(limit)},
            )
        if PATH_CONTROL_CHARACTERS.search(request.path_info):
            return _refusal(request, 404, "not_found", _("Aucune page à cette adresse."))
        try:
            fields = self._bad_query_and_form_fields(request)
        except (TooManyFieldsSent, TooManyFilesSent):
            return _refusal(
                request,
                400,
                "too_many_fields",
                _("Trop de champs dans la demande : %(n)s au plus.")
                % {"n": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS},
            )
        content_type = (request.content_type or "").lower()
        if (content_type == "application/json" or content_type.endswith("+json")) and (
            JSON_CONTROL_ESCAPES.search(request.body)
        ):
            fields.append("body")
        if fields:
            return _refusal(
                request,
                400,
                "invalid_characters",
                _("Caractères de contrôle refusés (octet nul, échappements…)."),
                fields=fields,
            )
        return self.get_response(request)

    @staticmethod
    def _bad_query_and_form_fields(request: HttpRequest) -> list[str]:
        fields = _bad_fields(request.GET.lists())
        content_type = (request.content_type or "").lower()
        form = content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
        if request.method == "POST" and form:
            if content_type != "multipart/form-data" or request.path.startswith(API_PREFIX):
                # Kept in memory (at most the API's 256 KB or a form's): a view that reads the
                # raw body still can. Page uploads are parsed from the stream, files to disk.
                request.body  # noqa: B018
            fields += _bad_fields(request.POST.lists())
        return fields


def _megabytes(size: int) -> str:
    megabytes = size / (1024 * 1024)
    return f"{megabytes:.0f}" if megabytes >= 1 else f"{megabytes:.2f}".replace(".", ",")


def _refusal(
    request: HttpRequest, status: int, code: str, message: str, *, fields: Iterable[str] = ()
) -> HttpResponse:
    # The body is not read on a refusal: the server drops the connection after the answer.
    if request.path.startswith(API_PREFIX):
        details = [{"field": _printable(name), "message": message} for name in fields]
        return JsonResponse(
            {"error": {"code": code, "message": message, "details": details}}, status=status
        )
    html = render_to_string("web/refused.html", {"status": status, "message": message})
    return HttpResponse(html, status=status)


def _printable(name: str) -> str:
    return CONTROL_CHARACTERS.sub("\N{REPLACEMENT CHARACTER}", name)[:100]


# --- Before Django: the ASGI entry point ---------------------------------------------------


def with_body_limit(app: Any) -> Any:
    """ASGI wrapper enforcing the same limits before Django's handler reads the body.

    - A declared ``Content-Length`` over the limit: 413 at once, nothing read.
    - No ``Content-Length`` (chunked, HTTP/2): the body is read here, at most the limit and never
      more than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (it is held in memory; browsers and Stripe always
      declare the length of an upload or a webhook), then handed to Django with its length
      declared; one byte more is a 413 and the rest is never read.
    """

    async def bounded(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await app(scope, receive, send)
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers", []))
        content_type = ""
        declared: str | None = None
        for name, value in headers:
            if name.lower() == b"content-type":
                content_type = value.decode("latin1")
            elif name.lower() == b"content-length":
                declared = value.decode("latin1")
        limit = limit_for(scope.get("path", ""), content_type)
        if declared is not None:
            if declared.strip().isdigit() and int(declared) > limit:
                return await _asgi_refusal(scope, send, limit)
            return await app(scope, receive, send)
        limit = min(limit, int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None  # the client left
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return await _asgi_refusal(scope, send, limit)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        delivered = False

        async def replay() -> dict[str, Any]:
            nonlocal delivered
            if delivered:
                return await receive()  # after the body: the disconnect, when it comes
            delivered = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        if size:
            scope = {**scope, "headers": [*headers, (b"content-length", str(size).encode())]}
        return await app(scope, replay, send)

    return bounded


# Answered before Django's middleware: the protective headers it would have added, for a page
# that loads only the site's own style sheet.
REFUSAL_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'",
    ),
]


async def _asgi_refusal(scope: dict[str, Any], send: Any, limit: int) -> None:
    message = _("Envoi trop volumineux : %(mb)s Mo au plus.") % {"mb": _megabytes(limit)}
    if scope.get("path", "").startswith(API_PREFIX):
        body = json.dumps(
            {"error": {"code": "payload_too_large", "message": message, "details": []}},
            ensure_ascii=False,
        ).encode()
        content_type = b"application/json"
    else:
        body = render_to_string("web/refused.html", {"status": 413, "message": message}).encode()
        content_type = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *REFUSAL_SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

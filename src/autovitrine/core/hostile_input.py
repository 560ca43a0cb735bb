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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

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


def body_limit(request: HttpRequest) -> int:
    if request.path.startswith(API_PREFIX):
        return int(settings.MAX_API_BODY_BYTES)
    if (request.content_type or "").startswith("multipart/"):
        return int(settings.MAX_UPLOAD_REQUEST_BYTES)
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


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

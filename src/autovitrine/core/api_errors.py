"""Structured API errors: ``{"error": {"code": ..., "message": ..., "details": [...]}}``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from pydantic import ConfigDict


class ApiError(Exception):
    """Raised by API handlers; the code is stable and documented, the message is French."""

    def __init__(
        self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    body = {"error": {"code": code, "message": message, "details": details or []}}
    return api.create_response(request, body, status=status)


class ErrorDetailOut(Schema):
    """One field's problem; some codes add keys (``num_pages``)."""

    model_config = ConfigDict(extra="allow")

    field: str
    message: str


class ErrorBodyOut(Schema):
    code: str
    message: str
    details: list[ErrorDetailOut]


class ErrorOut(Schema):
    """The error envelope every API error answers with."""

    error: ErrorBodyOut


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """``response={200: ThingOut, **errors(404, 409)}``: the route's own 4xx, declared in the
    OpenAPI schema with the error envelope. Errors any operation can give (400 control
    characters, 413/415 bodies, 422 parameters) are added to every operation by the API."""
    return dict.fromkeys(statuses, ErrorOut)

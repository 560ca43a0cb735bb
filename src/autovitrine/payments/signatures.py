"""Signed webhooks in Stripe's scheme: header ``t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">``."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

DEFAULT_TOLERANCE_SECONDS = 300


class InvalidSignature(Exception):
    """A webhook whose signature does not verify: it is not from the provider."""


def compute_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, body: bytes, timestamp: int | None = None) -> str:
    moment = int(time.time()) if timestamp is None else timestamp
    return f"t={moment},v1={compute_signature(secret=secret, timestamp=moment, body=body)}"


def verify_signature_header(
    *,
    header: str,
    secret: str,
    body: bytes,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: int | None = None,
) -> None:
    """Raise ``InvalidSignature`` unless one ``v1`` matches and the timestamp is recent.

    The timestamp bound stops a captured webhook from being replayed later.
    """
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates or not secret:
        raise InvalidSignature("malformed signature header")
    current = int(time.time()) if now is None else now
    if abs(current - timestamp) > tolerance_seconds:
        raise InvalidSignature("timestamp outside tolerance")
    expected = compute_signature(secret=secret, timestamp=timestamp, body=body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise InvalidSignature("no matching signature")


def header_value(headers: Mapping[str, str], name: str) -> str:
    """A header by case-insensitive name (``""`` when absent)."""
    lowered = name.lower()
    return next((value for key, value in headers.items() if key.lower() == lowered), "")

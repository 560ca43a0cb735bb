"""Fixed-window rate limits on the shared cache (Redis in production).

A refusal remembers, for the current request, how long until its window ends: the response's
``Retry-After`` (``core.security_headers``) and the pages' French "réessayez dans …" use it.
"""

from __future__ import annotations

import math
import time
from contextvars import ContextVar
from typing import Any

from django.core.cache import cache

_retry_after: ContextVar[int | None] = ContextVar("rate_limit_retry_after", default=None)


def over_limit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt under ``key``; ``True`` once more than ``limit`` fall in the window."""
    if cache.add(key, 0, timeout=window_seconds):
        cache.set(f"{key}:ends", time.time() + window_seconds, timeout=window_seconds)
    try:
        attempts = cache.incr(key)
    except ValueError:  # the window expired between add() and incr()
        cache.set(key, 1, timeout=window_seconds)
        cache.set(f"{key}:ends", time.time() + window_seconds, timeout=window_seconds)
        attempts = 1
    if attempts > limit:
        ends = cache.get(f"{key}:ends") or time.time() + window_seconds
        _retry_after.set(max(1, math.ceil(ends - time.time())))
        return True
    return False


def retry_after_seconds() -> int | None:
    """Seconds until the window of this request's last refusal ends (``None``: no refusal)."""
    return _retry_after.get()


def retry_after_reset() -> None:
    _retry_after.set(None)


def wait_in_french(seconds: int) -> str:
    """ "1 minute", "15 minutes", "2 heures": the wait a page tells a refused visitor."""
    from django.utils.translation import ngettext

    if seconds <= 90:
        count = max(1, seconds)
        return ngettext("%(n)d seconde", "%(n)d secondes", count) % {"n": count}
    if seconds < 2 * 3600:
        count = math.ceil(seconds / 60)
        return ngettext("%(n)d minute", "%(n)d minutes", count) % {"n": count}
    count = math.ceil(seconds / 3600)
    return ngettext("%(n)d heure", "%(n)d heures", count) % {"n": count}


def wait_message(prefix: str | None = None) -> str:
    """The French sentence a refused page shows: what happened and how long to wait."""
    from django.utils.translation import gettext as _

    seconds = retry_after_seconds() or 60
    return _("%(what)s : réessayez dans %(wait)s.") % {
        "what": prefix or _("Trop de demandes en peu de temps"),
        "wait": wait_in_french(seconds),
    }


# Public codes (share links, order numbers, references) looked up from one address: a person
# opens a few dozen, a script trying codes thousands.
CODE_LOOKUPS_PER_WINDOW = 60
CODE_LOOKUP_WINDOW_SECONDS = 600


def code_lookup_over_limit(request: Any, scope: str) -> bool:
    """Count one lookup of a public code by this client; ``True`` once over the window's quota."""
    from .clientip import rate_limit_address

    key = f"codes:lookup:{scope}:{rate_limit_address(request) or 'unknown'}"
    return over_limit(key, limit=CODE_LOOKUPS_PER_WINDOW, window_seconds=CODE_LOOKUP_WINDOW_SECONDS)


class CodeLookupsExhausted(Exception):
    """Too many codes that matched nothing from one client: a 429 page saying how long to wait
    (``SecurityHeadersMiddleware``) or the API's ``rate_limited``."""


def code_lookup_missed(request: Any, scope: str) -> None:
    """Count a reference that matched nothing this client may see (another buyer's order is
    such a miss); raise ``CodeLookupsExhausted`` once over the window's quota. Only misses
    count: an owner reloading or polling their own order is no enumeration."""
    if code_lookup_over_limit(request, f"miss:{scope}"):
        raise CodeLookupsExhausted(scope)


def rate_limited_page(request: Any, message: str | None = None) -> Any:
    """A 429 page saying in French how long to wait (``Retry-After`` is added by the headers
    middleware)."""
    from django.http import HttpResponse
    from django.template.loader import render_to_string

    html = render_to_string(
        "web/refused.html", {"status": 429, "message": message or wait_message()}, request=request
    )
    return HttpResponse(html, status=429)

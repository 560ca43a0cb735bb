"""Headers every response carries, whichever app answered.

- ``Permissions-Policy``: only geolocation is used (« Autour de moi », on our own pages); every
  other powerful feature is off for the site and anything it could be framed in.
- a page view raising ``ratelimit.CodeLookupsExhausted`` (too many unknown references) answers
  the French 429 page;
- ``Retry-After`` on every 429 that does not set its own: the time left in the window of the
  limit that refused it (``core.ratelimit``), else ``RATE_LIMIT_RETRY_AFTER_SECONDS``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .ratelimit import (
    CodeLookupsExhausted,
    rate_limited_page,
    retry_after_reset,
    retry_after_seconds,
    wait_message,
)

PERMISSIONS_POLICY = ", ".join(
    [
        "geolocation=(self)",
        "camera=()",
        "microphone=()",
        "payment=()",
        "usb=()",
        "serial=()",
        "bluetooth=()",
        "magnetometer=()",
        "gyroscope=()",
        "accelerometer=()",
        "browsing-topics=()",
    ]
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        retry_after_reset()
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if response.status_code == 429:
            seconds = retry_after_seconds() or settings.RATE_LIMIT_RETRY_AFTER_SECONDS
            response.headers.setdefault("Retry-After", str(seconds))
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, CodeLookupsExhausted):
            from django.utils.translation import gettext as _

            return rate_limited_page(request, wait_message(_("Trop de références consultées")))
        return None

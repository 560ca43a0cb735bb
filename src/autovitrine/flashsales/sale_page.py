"""The sale page shared by its visitors: rendered once per sale state, the visitor's bits filled in.

A signed-in customer's sale page is the same for everyone but a handful of values: the CSRF
token, the join challenge and its difficulty, two idempotency keys, the e-mail in the account
menu (and a CSP nonce, should a template ever ask for one). Rendering it through the template
engine cost ~17 ms of server CPU per view (issue #11: over an hour of CPU for 300,000 visitors);
here it is rendered once with a unique placeholder in place of each of those values, kept a few
seconds per process, and each view only replaces the placeholders (escaped).

What the copy depends on is in its key: the sale, its state and opening time as the hot paths
see them (``services.sale_info``, at most 5 s old), the language, the day and the postcode the
registration taxes are computed for. A copy lives ``SHARED_PAGE_SECONDS`` at most, so any other
change to the sale (an edit in the admin) shows within seconds; the page's script then follows
the sale live from the status JSON, as it always did.

Nonces: a cached page must never carry one visitor's nonce to another (a nonce seen once is a
nonce an attacker can reuse). The copy holds a placeholder; each response gets the nonce of its
own request (``request.csp_nonce``, which django-csp then puts in that response's header).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.html import escape

# A copy is rebuilt at least this often (per process and key).
SHARED_PAGE_SECONDS = 5.0
_MAX_COPIES = 1000

# One placeholder per per-visitor value, random per process: no text of the page can forge one.
_TAG = secrets.token_hex(8)
FIELDS = ("csrf_token", "challenge", "difficulty", "join_key", "claim_key", "email", "csp_nonce")
PLACEHOLDERS = {name: f"avp{_TAG}{name.replace('_', '')}" for name in FIELDS}


@dataclass(frozen=True, slots=True)
class SignedInCustomer:
    """What the templates read of the signed-in customer, the e-mail being a placeholder."""

    email: str = PLACEHOLDERS["email"]
    is_authenticated: bool = True
    is_dealer_staff: bool = False
    is_head_office: bool = False
    postcode: str = ""


@dataclass(frozen=True, slots=True)
class PagePath:
    """The ``request`` the templates read: its path (a shared page is never one with a query)."""

    path: str
    csp_nonce: str = PLACEHOLDERS["csp_nonce"]

    def get_full_path(self) -> str:
        return self.path


def shareable(request: HttpRequest) -> bool:
    """Whether this view of the page may be the shared copy: no query string (it is printed in
    the language form) and no message waiting to be shown to this visitor."""
    if request.META.get("QUERY_STRING"):
        return False
    from django.contrib.messages import get_messages

    storage = get_messages(request)
    return not any(True for _ in storage) if storage is not None else True


_copies: dict[tuple, tuple[float, str]] = {}


def shared_copy(key: tuple, render: Callable[[Mapping[str, Any]], str]) -> str:
    """The page for ``key``, from this process's copy if it is fresh, else rendered now by
    ``render`` with the placeholders as the per-visitor values."""
    now = time.monotonic()
    cached = _copies.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    page = render(
        {
            "csrf_token": PLACEHOLDERS["csrf_token"],
            "challenge": PLACEHOLDERS["challenge"],
            "difficulty": PLACEHOLDERS["difficulty"],
            "join_key": PLACEHOLDERS["join_key"],
            "claim_key": PLACEHOLDERS["claim_key"],
            "user": SignedInCustomer(),
        }
    )
    if len(_copies) >= _MAX_COPIES:
        _copies.clear()
    _copies[key] = (now + SHARED_PAGE_SECONDS, page)
    return page


def fill(page: str, values: Mapping[str, Any], request: HttpRequest) -> str:
    """The copy with this visitor's values (HTML-escaped) in place of the placeholders; the CSP
    nonce, only if the page asks for one, is this request's own."""
    for name, value in values.items():
        page = page.replace(PLACEHOLDERS[name], escape(str(value)))
    nonce = PLACEHOLDERS["csp_nonce"]
    if nonce in page:
        page = page.replace(nonce, escape(str(getattr(request, "csp_nonce", ""))))
    return page


def forget() -> None:
    """Drop every copy of this process (tests; a deploy starts with none)."""
    _copies.clear()

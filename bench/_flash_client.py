"""What the sale page's script (``flashsales/static/flashsales/flashsales.js``) does with the
server's answers, in Python, for the benchmark's simulated visitors.

Kept free of Django so that ``flashsales/tests/test_bench_client.py`` can run the real script under
node on recorded answers and check that both schedule the same next poll.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

# The join answer left the page's earlier poll timer running (``join()`` after a refusal).
KEEP = "keep"


def _schedule(ms: Any, jitter_ms: Any, rand: float, *, stopped: bool = False) -> float | None:
    """``schedule(ms, jitterMs)``: no timer when stopped or ``ms <= 0``; otherwise ``ms`` plus
    ``Math.random()`` times the jitter the server asked for (``min(2000, 0.3 ms)`` when it said
    nothing)."""
    if stopped:
        return None
    if ms is None:
        return 0.0  # `undefined + …` is NaN, and setTimeout(poll, NaN) fires at once
    if ms <= 0:
        return None
    # JSON null: Math.random() * null is 0
    jitter = min(2000, ms * 0.3) if jitter_ms is _ABSENT else jitter_ms or 0
    return ms + rand * jitter


_ABSENT = object()


def _stops(body: dict) -> bool:
    """``render`` stops the page for good once the sale is sold out or closed."""
    return bool(body.get("sold_out")) or body.get("state") == "closed"


def _json(body: bytes) -> Any:
    return json.loads(body)


def poll_delay_ms(status: int, body: bytes, rand: float) -> float | None:
    """``poll()``: the delay before the next status request after this answer, or None."""
    try:
        answer = _json(body)
        if answer is None:
            raise TypeError("null body")  # `body.error` throws
        if not 200 <= status < 300:
            # `body.retry_ms || (429 ? 15000 : 3000)`, no jitter argument
            retry = answer.get("retry_ms") if isinstance(answer, dict) else None
            return _schedule(retry or (15000 if status == 429 else 3000), _ABSENT, rand)
        answer["units"]["left"]  # render() reads it first: a body without it throws
        stopped = _stops(answer)
        return _schedule(
            answer.get("poll_ms"), answer.get("poll_jitter_ms", _ABSENT), rand, stopped=stopped
        )
    except (ValueError, AttributeError, TypeError, KeyError):
        # response.json() threw (an HTML error page) or render() did: the catch schedules 5 s.
        return _schedule(5000, _ABSENT, rand)


def join_delay_ms(status: int, body: bytes, rand: float) -> float | None | str:
    """``join()``: the next poll after the join's answer, None for no timer, ``KEEP`` when the
    script leaves the timer it had (a refused join, or a network error)."""
    try:
        answer = _json(body)
    except ValueError:
        return KEEP
    if not 200 <= status < 300:
        return KEEP
    return _schedule(
        answer.get("poll_ms"), answer.get("poll_jitter_ms", _ABSENT), rand, stopped=_stops(answer)
    )


def challenge_is_stale(page_age_ms: float, ttl_ms: float) -> bool:
    """``join()``: the page fetches a fresh challenge before solving when the one it has is older
    than its life less a minute (the time left to solve it)."""
    return page_age_ms > ttl_ms - 60_000


# --- What the pages carry (read the way the script and the browser use them) ----------------

_ROOM = re.compile(r'<section id="waiting-room"(.*?)>', re.S)
_DATA = re.compile(r'data-([a-z-]+)="([^"]*)"')
_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]*)"')
_FORM = r'<form[^>]*id="{}"[^>]*>(.*?)</form>'
_INPUT = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"')


def sale_page_fields(page: str) -> dict[str, str]:
    """The waiting room's data attributes, the CSRF token of the meta tag, and the claim form's
    hidden fields (``claim.<name>``)."""
    fields: dict[str, str] = {}
    room = _ROOM.search(page)
    if room:
        for name, value in _DATA.findall(room.group(1)):
            fields[name] = html.unescape(value)
    meta = _META_CSRF.search(page)
    if meta:
        fields["csrf-token"] = html.unescape(meta.group(1))
    fields.update(_form_fields(page, "wr-claim", "claim."))
    return fields


def hold_page_fields(page: str) -> dict[str, str]:
    """The pay form's hidden fields."""
    return _form_fields(page, "pay-form", "")


def _form_fields(page: str, form_id: str, prefix: str) -> dict[str, str]:
    form = re.search(_FORM.format(form_id), page, re.S)
    if form is None:
        return {}
    return {prefix + name: html.unescape(value) for name, value in _INPUT.findall(form.group(1))}

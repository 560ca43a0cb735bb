"""Test helper: a page's text as a reader sees it, so assertions can quote the page exactly."""

from __future__ import annotations

import re
from html import unescape

from django.http import HttpResponse

_TAG = re.compile(r"<[^>]+>")
# Only ASCII white space is collapsed: the non-breaking spaces of French figures stay asserted.
_SPACES = re.compile(r"[ \t\r\n]+")


def visible_text(html: str | bytes | HttpResponse) -> str:
    """Tags removed, entities decoded, runs of spaces and line breaks made one space."""
    if isinstance(html, HttpResponse):
        html = html.content
    if isinstance(html, bytes):
        html = html.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return _SPACES.sub(" ", unescape(_TAG.sub(" ", html))).strip()


def between(html: str, marker: str, end: str) -> str:
    """From the tag holding ``marker`` (e.g. ``id="x"``) to the next ``end``: one card of a page."""
    begin = html.rindex("<", 0, html.index(marker))
    return html[begin : html.index(end, begin)]

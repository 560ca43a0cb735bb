"""Reading a page or a picture in tests: a pattern that must be there."""

from __future__ import annotations

import re


def must_find(pattern: str, text: str, flags: int = 0) -> re.Match[str]:
    """``re.search`` that fails the test with the pattern when it is not there (rather than an
    ``AttributeError`` on ``None`` one line later)."""
    match = re.search(pattern, text, flags)
    if match is None:
        raise AssertionError(f"{pattern!r} not found in {text[:300]!r}…")
    return match

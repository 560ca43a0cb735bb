"""The stages of a car's journey as the site's one timeline component draws them
(``web/_stages.html``): a car being built (production) and a car in the workshop (workshop)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StagePhoto:
    url: str
    alt: str


@dataclass(frozen=True, slots=True)
class Stage:
    label: str
    state: str  # "done", "current" or "upcoming"
    at: dt.datetime | None = None
    detail: str = ""
    photos: tuple[StagePhoto, ...] = ()

"""The delivery-window estimate, pure Python (no Django): see docs/tracking.md.

The time left is a sum of independent steps (the stations not yet done, then the transport legs),
each with a mean and a standard deviation in hours. Their sum is close to normal, so the window is
``mean ± Z × sd``, widened to whole days. A known ETA (the plant's for the exit, the carrier's for
the end of its leg) replaces the steps it covers.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

# Two-sided 95 % of a normal law: the window must hold the real arrival in ≥ 90 % of runs, and
# the steps' sums are only approximately normal.
Z = 1.96
# A quality hold adds this much on average (and as much spread) until it is released.
HOLD_MEAN_HOURS = 24.0
HOLD_SD_HOURS = 24.0
# The spread we assume around a plant's or a carrier's own ETA, in hours.
GIVEN_ETA_SD_HOURS = 6.0


@dataclass(frozen=True)
class Step:
    mean_hours: float
    sd_hours: float


@dataclass(frozen=True)
class Window:
    start: dt.datetime
    end: dt.datetime


def remaining_window(
    *,
    now: dt.datetime,
    current: Step | None,
    current_since: dt.datetime | None,
    after: Sequence[Step],
    on_hold: bool = False,
    known_end_of_current: dt.datetime | None = None,
) -> Window:
    """Arrival window from ``now``: what is left of the step under way (its mean less the time
    already spent, at least a tenth of it), then each step of ``after``."""
    mean = 0.0
    variance = 0.0
    start = now
    if known_end_of_current is not None:
        start = max(now, known_end_of_current)
        variance += GIVEN_ETA_SD_HOURS**2
    elif current is not None:
        spent = (now - current_since).total_seconds() / 3600 if current_since else 0.0
        mean += max(current.mean_hours - max(spent, 0.0), current.mean_hours / 10)
        variance += current.sd_hours**2
    for step in after:
        mean += step.mean_hours
        variance += step.sd_hours**2
    if on_hold:
        mean += HOLD_MEAN_HOURS
        variance += HOLD_SD_HOURS**2
    sd = math.sqrt(variance)
    low = start + dt.timedelta(hours=max(mean - Z * sd, 0.0))
    high = start + dt.timedelta(hours=mean + Z * sd)
    return Window(start=max(low, now), end=max(high, now))

"""The delivery-window estimate, pure Python (no Django): see docs/tracking.md.

The time left is a sum of independent steps (the stations not yet done, then the transport legs),
each with a mean and a standard deviation in hours. Their sum is close to normal, so the window is
``mean ± Z × sd``, widened to whole days. A known ETA (the plant's for the exit, the carrier's for
the end of its leg) replaces the steps it covers.

Each step's mean and spread come from its configured typical duration, blended with what past
runs showed once enough of them were measured (``observe``, then ``blend``).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
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

# Observed durations replace the configured ones only from this many measured runs...
MIN_RUNS = 5
# ...and the configured value weighs as much as this many runs (shrinkage for small samples).
PRIOR_RUNS = 5
# Tukey's far-out fences: a run outside [Q1 - 3 IQR, Q3 + 3 IQR] is a gross outlier (a car left
# aside for a week, a wrong clock) and not measured. The IQR is taken as at least a tenth of
# the median, so identical runs do not make every slightly different one an outlier.
FENCE_IQR = 3.0
MIN_IQR_SHARE = 0.1


@dataclass(frozen=True)
class Step:
    mean_hours: float
    sd_hours: float


@dataclass(frozen=True)
class Observed:
    """What past runs showed for one step, outliers left out: ``runs`` measured, their mean and
    sample standard deviation in hours."""

    runs: int
    mean_hours: float
    sd_hours: float


def observe(durations: Sequence[float]) -> Observed | None:
    """The measured runs of a step (hours), far-out outliers left out; None when none is left."""
    values = sorted(durations)
    if len(values) >= 4:
        q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
        iqr = max(q3 - q1, MIN_IQR_SHARE * abs(median))
        low, high = q1 - FENCE_IQR * iqr, q3 + FENCE_IQR * iqr
        values = [v for v in values if low <= v <= high]
    if not values:
        return None
    mean = statistics.fmean(values)
    sd = statistics.stdev(values, mean) if len(values) > 1 else 0.0
    return Observed(runs=len(values), mean_hours=mean, sd_hours=sd)


def blend(typical: Step, observed: Observed | None) -> Step:
    """The step the ETA uses: the configured one until ``MIN_RUNS`` runs are measured, then a
    mix weighted ``w = n / (n + PRIOR_RUNS)`` toward the observed runs. Its variance is the
    mixture's: ``w s²(1 + 1/n) + (1 - w) σ0² + w (1 - w) (x̄ - μ0)²`` (the observed spread with
    the uncertainty of an n-run mean, the configured spread, and how far the two means disagree).
    """
    if observed is None or observed.runs < MIN_RUNS:
        return typical
    n = observed.runs
    w = n / (n + PRIOR_RUNS)
    mean = w * observed.mean_hours + (1 - w) * typical.mean_hours
    variance = (
        w * observed.sd_hours**2 * (1 + 1 / n)
        + (1 - w) * typical.sd_hours**2
        + w * (1 - w) * (observed.mean_hours - typical.mean_hours) ** 2
    )
    return Step(mean_hours=mean, sd_hours=math.sqrt(variance))


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
    z: float = Z,
) -> Window:
    """Arrival window from ``now``: what is left of the step under way (its mean less the time
    already spent, at least a tenth of it), then each step of ``after``; ``mean ± z sd``."""
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
    low = start + dt.timedelta(hours=max(mean - z * sd, 0.0))
    high = start + dt.timedelta(hours=mean + z * sd)
    return Window(start=max(low, now), end=max(high, now))

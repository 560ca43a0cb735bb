"""Free drop-off slots from capacity and bookings, in one pass (pure Python, no Django).

Times are minutes since the start of the window (an integer line), so the algorithm is exact
and fast; the selector converts Paris datetimes to and from it. See ``docs/aftersales.md``.

For a job of duration ``D`` needing a skill set, a bay kind and maybe a loan car:

1. each resource's *free* intervals = its available intervals (opening hours ∩ working hours
   − absences, closures, holidays) minus its claims, both sorted: one merge, O(n);
2. the starts at which that resource can take the job = each free interval ``[a, b)`` with
   ``b − a ≥ D`` shrunk to ``[a, b − D]``;
3. the starts feasible for the job = ∪(qualified technicians) ∩ ∪(bays of the kind)
   [∩ ∪(loan cars, over the loan span)] — unions and intersections of sorted interval lists;
4. the slots = the grid points (every ``step`` minutes from each opening) inside those starts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Interval = tuple[int, int]


def subtract(free: Sequence[Interval], busy: Iterable[Interval]) -> list[Interval]:
    """``free`` minus ``busy`` (both sorted by start; ``free`` disjoint)."""
    busy_sorted = sorted(busy)
    result: list[Interval] = []
    j = 0
    for start, end in free:
        cursor = start
        while j < len(busy_sorted) and busy_sorted[j][1] <= cursor:
            j += 1
        k = j
        while k < len(busy_sorted) and busy_sorted[k][0] < end:
            b_start, b_end = busy_sorted[k]
            if b_start > cursor:
                result.append((cursor, b_start))
            cursor = max(cursor, b_end)
            if cursor >= end:
                break
            k += 1
        if cursor < end:
            result.append((cursor, end))
    return result


def union(lists: Iterable[Sequence[Interval]]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(interval for intervals in lists for interval in intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    result: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1])
        if start <= end:
            result.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return result


def starts_for(free: Sequence[Interval], duration: int) -> list[Interval]:
    """Closed intervals ``[a, b − D]`` of the starts at which a job of ``duration`` fits."""
    return [(a, b - duration) for a, b in free if b - a >= duration]


def contains(starts: Sequence[Interval], moment: int) -> bool:
    return any(a <= moment <= b for a, b in starts)


def grid_slots(feasible: Sequence[Interval], openings: Sequence[Interval], step: int) -> list[int]:
    """Grid points ``opening + k·step`` lying inside a feasible interval (both sorted)."""
    slots: list[int] = []
    j = 0
    for open_start, open_end in openings:
        moment = open_start
        while moment < open_end:
            while j < len(feasible) and feasible[j][1] < moment:
                j += 1
            if j == len(feasible):
                return slots
            a, b = feasible[j]
            if a <= moment <= b:
                slots.append(moment)
                moment += step
            elif a > moment:
                # jump to the first grid point at or after ``a``
                moment += -(-(a - moment) // step) * step
            else:
                moment += step
    return slots


def free_starts(
    *,
    available: Sequence[Interval],
    busy: Iterable[Interval],
    duration: int,
) -> list[Interval]:
    return starts_for(subtract(available, busy), duration)

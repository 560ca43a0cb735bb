"""The reference data of ingestion (plants, their lines and stations, their transport legs),
cached per process so a batch of events reads none of it from the database.

A change made through ``save()``/``delete()`` (the admin, the demo, the tests) bumps a
generation token kept in the shared cache (Redis when configured), at once and again when its
transaction commits: every worker process reloads on its next batch. A write that bypasses the
signals (``QuerySet.update``, ``bulk_update``) should call ``reference_changed()``; failing
that, a process reloads at least every ``TTL_SECONDS``.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Prefetch

from .models import Carrier, Line, Plant, Station, TransportLeg

TTL_SECONDS = 60.0
_GENERATION_KEY = "production:reference:generation"


@dataclass
class Reference:
    """One consistent load. Each ``Line`` has its ``stations`` prefetched and each ``Plant`` its
    ``lines`` and ``legs``: code reading ``progress.line.stations.all()`` queries nothing."""

    generation: str
    loaded_at: float
    plants: dict[int, Plant] = field(default_factory=dict)
    lines: dict[int, Line] = field(default_factory=dict)
    stations: dict[int, Station] = field(default_factory=dict)
    legs: dict[int, TransportLeg] = field(default_factory=dict)
    _station_codes: dict[tuple[int, str], Station] = field(default_factory=dict)
    _leg_codes: dict[tuple[int, str], TransportLeg] = field(default_factory=dict)
    _line_codes: dict[tuple[int, str], Line] = field(default_factory=dict)

    def station(self, line_id: int, code: str) -> Station | None:
        return self._station_codes.get((line_id, code))

    def leg(self, plant_id: int, code: str) -> TransportLeg | None:
        return self._leg_codes.get((plant_id, code))

    def line(self, plant_id: int, code: str | None) -> Line | None:
        """The plant's line of that code; without a code, its first (as ``plant.lines.first()``)."""
        if code:
            return self._line_codes.get((plant_id, code))
        plant = self.plants.get(plant_id)
        lines = list(plant.lines.all()) if plant is not None else []
        return lines[0] if lines else None


def stations_of(line: Line) -> Sequence[Station]:
    """The line's stations in order: the cached tuple of a reference ``Line``, else a query."""
    cached = getattr(line, "_reference_stations", None)
    return cached if cached is not None else list(line.stations.all())


def legs_of(plant: Plant) -> Sequence[TransportLeg]:
    """The plant's transport legs in order: the cached tuple of a reference ``Plant``, else a
    query."""
    cached = getattr(plant, "_reference_legs", None)
    return cached if cached is not None else list(plant.legs.all())


_lock = threading.Lock()
_current: Reference | None = None


def _generation() -> str:
    token = cache.get(_GENERATION_KEY)
    if token is None:
        # A flushed cache: nobody can tell what we hold is current.
        cache.add(_GENERATION_KEY, secrets.token_hex(8), timeout=None)
        token = cache.get(_GENERATION_KEY) or ""
    return str(token)


def _load(generation: str) -> Reference:
    plants = Plant.objects.prefetch_related(
        Prefetch("lines", queryset=Line.objects.prefetch_related("stations")), "legs"
    )
    ref = Reference(generation=generation, loaded_at=time.monotonic())
    for plant in plants:
        ref.plants[plant.pk] = plant
        for line in plant.lines.all():
            line.plant = plant
            ref.lines[line.pk] = line
            ref._line_codes[(plant.pk, line.code)] = line
            for station in line.stations.all():
                station.line = line
                ref.stations[station.pk] = station
                ref._station_codes[(line.pk, station.code)] = station
        for leg in plant.legs.all():
            leg.plant = plant
            ref.legs[leg.pk] = leg
            ref._leg_codes[(plant.pk, leg.code)] = leg
        # Read for every event (ETA, share done): plain tuples, no manager built each time.
        plant._reference_legs = tuple(plant.legs.all())  # type: ignore[attr-defined]
        for line in plant.lines.all():
            line._reference_stations = tuple(line.stations.all())  # type: ignore[attr-defined]
    return ref


def reference(*, fresh: bool = False) -> Reference:
    """The current reference data: one cache read, and a reload when it changed (or ``fresh``:
    a caller that met an id it does not hold)."""
    global _current
    generation = _generation()
    ref = _current
    if (
        not fresh
        and ref is not None
        and ref.generation == generation
        and time.monotonic() - ref.loaded_at < TTL_SECONDS
    ):
        return ref
    with _lock:
        ref = _load(generation)
        _current = ref
    return ref


def _bump() -> None:
    global _current
    cache.set(_GENERATION_KEY, secrets.token_hex(8), timeout=None)
    _current = None


def reference_changed() -> None:
    """Every process reloads the reference data: now (this transaction's own reads) and after
    the commit (a process that reloaded meanwhile read the data before it)."""
    _bump()
    transaction.on_commit(_bump)


def reference_cache_clear() -> None:
    """This process forgets what it loaded (tests)."""
    global _current
    _current = None


def _on_change(sender: Any, **kwargs: Any) -> None:
    reference_changed()


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    for model in (Plant, Line, Station, TransportLeg, Carrier):
        post_save.connect(_on_change, sender=model, dispatch_uid=f"production-ref-save-{model}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"production-ref-del-{model}")

"""Realistic factory runs for the demo, the ETA tests and the benchmark: each station and leg
takes its typical duration with its spread, a run may hit a quality hold or a transport delay.

A run is planned from a seed (the order number by default), so the same order always gets the
same run and the same event ids: playing it again only delivers duplicates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field
from typing import Any

from .models import Line, Plant

VIN_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
# A quality hold lasts this long on average (hours), and so much spread.
HOLD_MEAN_HOURS = 20.0
HOLD_SD_HOURS = 10.0


@dataclass(frozen=True)
class PlannedEvent:
    at: dt.datetime
    sender: str  # "plant" or a carrier's code
    fields: dict[str, Any]


@dataclass
class Run:
    order: str
    vin: str
    events: list[PlannedEvent] = field(default_factory=list)
    arrival: dt.datetime | None = None

    def until(self, stage: str) -> list[PlannedEvent]:
        """The events up to a stage: ``production`` (into assembly), ``transport`` (the first
        checkpoint on the road or rail), ``arrived`` (all)."""
        if stage == "arrived":
            return list(self.events)
        for index, planned in enumerate(self.events):
            kind = planned.fields["kind"]
            if (
                stage == "production"
                and kind == "station_entered"
                and (planned.fields.get("station") == "montage")
            ):
                return self.events[: index + 1]
            if stage == "transport" and kind == "transport_checkpoint":
                # Past the first checkpoint, with the delay news if the run has one.
                rest = self.events[index + 1 :]
                extra = 1 if rest and rest[0].fields["kind"] == "transport_checkpoint" else 0
                return self.events[: index + 1 + extra]
        return list(self.events)


def seeded(order: str, salt: str = "") -> random.Random:
    return random.Random(int(hashlib.sha256(f"{order}{salt}".encode()).hexdigest()[:16], 16))


def vin_for(order: str) -> str:
    rng = seeded(order, "vin")
    return "VF7AV" + "".join(rng.choice(VIN_ALPHABET) for _ in range(12))


def _duration(rng: random.Random, mean: float, sd: float) -> float:
    return max(rng.gauss(mean, sd), mean / 10)


def plan_run(
    *,
    order: str,
    plant: Plant,
    line: Line,
    start: dt.datetime,
    hold: bool = False,
    delay_hours: float = 0.0,
    rng: random.Random | None = None,
) -> Run:
    """Every event of one car's way from ``start`` (entering the first station) to the dealer."""
    rng = rng or seeded(order)
    run = Run(order=order, vin=vin_for(order))
    counter = iter(range(1_000))

    def add(at: dt.datetime, sender: str, kind: str, **fields: Any) -> None:
        fields = {"id": f"sim-{order}-{next(counter)}", "kind": kind, "vin": run.vin, **fields}
        run.events.append(PlannedEvent(at=at, sender=sender, fields=fields))

    add(start - dt.timedelta(days=3), "plant", "vin_assigned", order=order)
    week = start.isocalendar()
    add(
        start - dt.timedelta(days=3),
        "plant",
        "build_week_planned",
        week=f"{week.year}-W{week.week:02d}",
    )
    at = start
    stations = list(line.stations.all())
    for station in stations:
        minutes = _duration(rng, station.typical_minutes, station.spread_minutes)
        add(at, "plant", "station_entered", station=station.code)
        add(
            at + dt.timedelta(minutes=minutes * 0.85), "plant", "station_left", station=station.code
        )
        at += dt.timedelta(minutes=minutes)
        if hold and station.code == "audit":
            add(
                at - dt.timedelta(minutes=minutes * 0.1),
                "plant",
                "quality_hold",
                reason="Reprise d'un défaut d'aspect sur la peinture",
                reason_public=True,
            )
            at += dt.timedelta(hours=_duration(rng, HOLD_MEAN_HOURS, HOLD_SD_HOURS))
            add(at - dt.timedelta(minutes=1), "plant", "quality_release")
    add(at, "plant", "left_plant")
    for index, leg in enumerate(plant.legs.select_related("carrier")):
        hours = _duration(rng, leg.typical_hours, leg.spread_hours)
        late = delay_hours if index == 0 else 0.0
        end = at + dt.timedelta(hours=hours + late)
        # The carrier announces its own ETA at departure (it knows its timetable well)...
        announced = at + dt.timedelta(hours=hours + rng.gauss(0, 2))
        add(
            at + dt.timedelta(minutes=30),
            leg.carrier.code,
            "transport_checkpoint",
            leg=leg.code,
            place=leg.origin,
            eta=max(announced, at + dt.timedelta(hours=1)).isoformat(),
        )
        if late:
            # ...and says so when its train or truck is held up.
            add(
                at + dt.timedelta(hours=hours / 2),
                leg.carrier.code,
                "transport_checkpoint",
                leg=leg.code,
                place=leg.destination,
                eta=(end + dt.timedelta(hours=rng.gauss(0, 2))).isoformat(),
            )
        at = end
    last_leg = plant.legs.last()
    add(at, last_leg.carrier.code if last_leg is not None else "plant", "arrived_at_dealer")
    run.arrival = at
    return run

"""What the buyer reads of a car's progress: the stage, the share done, the ETA, each event's
sentence. Shared by the ingestion (frozen into each live message) and the timeline page."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .models import EventKind, OrderProgress, Station, TransportLeg
from .reference import legs_of, stations_of

# Progress ranks: a station entered/left, the plant's exit, each transport leg, the arrival.
LEFT_PLANT_RANK = 10_000
ARRIVED_RANK = 20_000


# --- What the buyer reads -------------------------------------------------------------------


@lru_cache(maxsize=2048)
def _day_text(day: dt.date, fmt: str, language: str | None) -> str:
    # ``language`` keys the cache: date_format reads the active one.
    return date_format(day, fmt)


def day_text(day: dt.date, fmt: str) -> str:
    """``date_format`` of a day, remembered (a batch of events formats the same days again)."""
    return _day_text(day, fmt, get_language())


def progress_percent(progress: OrderProgress) -> int:
    """Share of the steps done: each station, the exit, each transport leg, the arrival."""
    line_stations = stations_of(progress.line)
    stations = len(line_stations)
    legs = len(legs_of(progress.plant))
    total = stations + 1 + legs + 1
    if progress.rank >= ARRIVED_RANK:
        done = total
    elif progress.rank >= LEFT_PLANT_RANK:
        done = stations + 1 + (progress.leg.position if progress.leg else 0)
    elif progress.station is not None:
        position = [s.pk for s in line_stations].index(progress.station.pk)
        done = position + (1 if progress.stage_kind == EventKind.STATION_LEFT else 0)
    else:
        done = 0
    return 100 * done // total


def stage_label(progress: OrderProgress) -> str:
    if progress.rank >= ARRIVED_RANK:
        return _("Arrivée à la concession")
    if progress.leg is not None:
        return _("En transport : %(leg)s") % {"leg": str(progress.leg)}
    if progress.rank >= LEFT_PLANT_RANK:
        return _("Sortie de l'usine de %(plant)s") % {"plant": progress.plant.name}
    if progress.station is not None:
        return progress.station.name
    if progress.build_week:
        return _("Fabrication planifiée")
    return _("En attente de fabrication")


def eta_text(progress: OrderProgress) -> str:
    if progress.eta_from is None or progress.eta_to is None:
        return ""
    if progress.arrived_at is not None:
        return _("Arrivée le %(day)s") % {"day": day_text(progress.eta_from, "j F Y")}
    if progress.eta_from == progress.eta_to:
        return _("Arrivée prévue le %(day)s") % {"day": day_text(progress.eta_from, "j F Y")}
    return _("Arrivée prévue entre le %(start)s et le %(end)s") % {
        "start": day_text(progress.eta_from, "j F"),
        "end": day_text(progress.eta_to, "j F Y"),
    }


def event_text(
    kind: str, *, data: dict[str, Any], progress: OrderProgress, station: Any, leg: Any
) -> str:
    if kind == EventKind.VIN_ASSIGNED:
        return _("Votre voiture a reçu son numéro de série (VIN).")
    if kind == EventKind.BUILD_WEEK_PLANNED:
        return _("Fabrication planifiée la semaine %(week)s.") % {"week": data.get("week", "")}
    if kind == EventKind.STATION_ENTERED:
        return _("Entrée au poste : %(station)s.") % {"station": station.name}
    if kind == EventKind.STATION_LEFT:
        return _("Sortie du poste : %(station)s.") % {"station": station.name}
    if kind == EventKind.QUALITY_HOLD:
        if data.get("reason_public") and data.get("reason"):
            return _("Contrôle qualité supplémentaire : %(reason)s") % {"reason": data["reason"]}
        return _("Contrôle qualité supplémentaire en cours.")
    if kind == EventKind.QUALITY_RELEASE:
        return _("Contrôle qualité terminé : la fabrication reprend.")
    if kind == EventKind.LEFT_PLANT:
        return _("Votre voiture a quitté l'usine de %(plant)s.") % {"plant": progress.plant.name}
    if kind == EventKind.TRANSPORT_CHECKPOINT:
        where = data.get("place") or leg.destination
        return _("En route : %(place)s (%(leg)s).") % {"place": where, "leg": str(leg)}
    return _("Votre voiture est arrivée à la concession.")


def public_message(
    *,
    kind: str,
    data: dict[str, Any],
    occurred_at: dt.datetime,
    station: Station | None,
    leg: TransportLeg | None,
    progress: OrderProgress,
) -> dict[str, Any]:
    """What the live timeline shows for an event, frozen when it is accepted (a resumed stream
    replays exactly what a connected one received). Its id is the row's (added when read:
    ``selectors.live_message``), so it can be computed before the row is inserted."""
    local = timezone.localtime(occurred_at)
    return {
        "kind": kind,
        "text": event_text(kind, data=data, progress=progress, station=station, leg=leg),
        "at": occurred_at.isoformat(),
        "at_display": f"{day_text(local.date(), 'j M Y')}, {local:%H:%M}",
        "percent": progress_percent(progress),
        "stage": stage_label(progress),
        "eta": eta_text(progress),
        "on_hold": progress.on_hold,
    }

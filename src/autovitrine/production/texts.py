"""What the buyer reads of a car's progress: the stage, the share done, the ETA, each event's
sentence. Shared by the ingestion (frozen into each live message) and the timeline page."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import EventKind, OrderProgress, ProductionEvent

# Progress ranks: a station entered/left, the plant's exit, each transport leg, the arrival.
LEFT_PLANT_RANK = 10_000
ARRIVED_RANK = 20_000


# --- What the buyer reads -------------------------------------------------------------------


def progress_percent(progress: OrderProgress) -> int:
    """Share of the steps done: each station, the exit, each transport leg, the arrival."""
    stations = progress.line.stations.count()
    legs = progress.plant.legs.count()
    total = stations + 1 + legs + 1
    if progress.rank >= ARRIVED_RANK:
        done = total
    elif progress.rank >= LEFT_PLANT_RANK:
        done = stations + 1 + (progress.leg.position if progress.leg else 0)
    elif progress.station is not None:
        position = [s.pk for s in progress.line.stations.all()].index(progress.station.pk)
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
        return _("Arrivée le %(day)s") % {"day": date_format(progress.eta_from, "j F Y")}
    if progress.eta_from == progress.eta_to:
        return _("Arrivée prévue le %(day)s") % {"day": date_format(progress.eta_from, "j F Y")}
    return _("Arrivée prévue entre le %(start)s et le %(end)s") % {
        "start": date_format(progress.eta_from, "j F"),
        "end": date_format(progress.eta_to, "j F Y"),
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


def public_message(row: ProductionEvent, progress: OrderProgress) -> dict[str, Any]:
    """What the live timeline shows for this event, frozen when it is accepted (a resumed stream
    replays exactly what a connected one received). Its id is the row's (added when read:
    ``selectors.live_message``), so it can be computed before the row is inserted."""
    local = timezone.localtime(row.occurred_at)
    return {
        "kind": row.kind,
        "text": event_text(
            row.kind, data=row.data, progress=progress, station=row.station, leg=row.leg
        ),
        "at": row.occurred_at.isoformat(),
        "at_display": date_format(local, "j M Y, H:i"),
        "percent": progress_percent(progress),
        "stage": stage_label(progress),
        "eta": eta_text(progress),
        "on_hold": progress.on_hold,
    }

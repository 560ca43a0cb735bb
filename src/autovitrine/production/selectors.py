"""Reads of production tracking: who may follow an order, its timeline, its live backlog."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from autovitrine.core.permissions import staff_dealer_id
from autovitrine.orders.selectors import order_by_number

from .models import EtaChange, EventKind, OrderProgress, ProductionEvent
from .texts import eta_text, progress_percent, stage_label

if TYPE_CHECKING:
    from autovitrine.orders.models import Order


def order_for_viewer(*, number: str, user: Any) -> Order | None:
    """The order if this user may follow it: its buyer, its delivering dealer's staff, head
    office. Anyone else gets ``None`` (a 404: an order number reveals nothing)."""
    if not getattr(user, "is_authenticated", False):
        return None
    order = order_by_number(number=number)
    if order is None:
        return None
    if order.customer_id == user.pk or getattr(user, "is_head_office", False):
        return order
    if staff_dealer_id(user) == order.dealer_id:
        return order
    return None


def live_messages_after(*, order_id: int, last_id: int) -> list[dict[str, Any]]:
    return list(
        ProductionEvent.objects.filter(progress__order_id=order_id, id__gt=last_id)
        .order_by("id")
        .values_list("public", flat=True)
    )


@dataclass
class Stage:
    label: str
    state: str  # "done", "current" or "upcoming"
    at: dt.datetime | None = None
    detail: str = ""


@dataclass
class EtaLine:
    text: str
    previous: str
    reason: str
    at: dt.datetime


@dataclass
class Timeline:
    stages: list[Stage]
    percent: int
    current: str
    eta: str
    eta_history: list[EtaLine] = field(default_factory=list)
    hold: str = ""
    last_event_id: int = 0
    vin: str = ""
    plant: str = ""
    log: list[dict[str, Any]] = field(default_factory=list)


def _day(value: dt.date) -> str:
    return date_format(value, "j F")


def _window_text(start: dt.date, end: dt.date) -> str:
    if start == end:
        return _day(start)
    return _("%(start)s – %(end)s") % {"start": _day(start), "end": _day(end)}


def _stock_timeline(order: Order) -> Timeline:
    """The short path of a car in stock: preparation, ready, handed over."""
    steps = [
        (_("Préparation du véhicule"), ("confirmed",)),
        (_("Prête à être livrée"), ("ready",)),
        (_("Remise des clés"), ("delivered",)),
    ]
    order_rank = {"confirmed": 0, "ready": 1, "delivered": 2}.get(order.status, -1)
    stages = []
    for index, (label, _statuses) in enumerate(steps):
        state = "done" if index < order_rank else "current" if index == order_rank else "upcoming"
        if order.status == "delivered" and index == 2:
            state = "done"
        stages.append(Stage(label, state, order.delivered_at if index == 2 else None))
    percent = round(100 * max(order_rank + (1 if order.status == "delivered" else 0), 0) / 3)
    current = next((s.label for s in stages if s.state == "current"), stages[-1].label)
    return Timeline(stages=stages, percent=percent, current=current, eta="")


def order_timeline(order: Order) -> Timeline:
    """Every stage of the car's way with its time, the current one, the ETA and its history."""
    if order.kind == "stock":
        return _stock_timeline(order)
    progress = (
        OrderProgress.objects.filter(order_id=order.pk)
        .select_related("plant", "line", "station", "leg")
        .first()
    )
    if progress is None:
        return Timeline(
            stages=[Stage(_("Commande confirmée, en attente de planification"), "current")],
            percent=0,
            current=_("En attente de fabrication"),
            eta="",
        )
    events = list(
        ProductionEvent.objects.filter(progress=progress)
        .select_related("station", "leg")
        .order_by("occurred_at", "id")
    )
    entered: dict[int, dt.datetime] = {}
    left: dict[int, dt.datetime] = {}
    legs_at: dict[int, dt.datetime] = {}
    exit_at = arrived_at = None
    for event in events:
        if event.kind == EventKind.STATION_ENTERED and event.station_id:
            entered.setdefault(event.station_id, event.occurred_at)
        elif event.kind == EventKind.STATION_LEFT and event.station_id:
            left.setdefault(event.station_id, event.occurred_at)
        elif event.kind == EventKind.TRANSPORT_CHECKPOINT and event.leg_id:
            legs_at.setdefault(event.leg_id, event.occurred_at)
        elif event.kind == EventKind.LEFT_PLANT:
            exit_at = exit_at or event.occurred_at
        elif event.kind == EventKind.ARRIVED_AT_DEALER:
            arrived_at = arrived_at or event.occurred_at

    stages: list[Stage] = []
    for station in progress.line.stations.all():
        at = entered.get(station.pk) or left.get(station.pk)
        detail = ""
        if station.pk in left:
            detail = _("terminé à %(time)s") % {
                "time": date_format(timezone.localtime(left[station.pk]), "H:i")
            }
        stages.append(Stage(station.name, "done" if at else "upcoming", at, detail))
    stages.append(
        Stage(
            _("Sortie de l'usine de %(plant)s") % {"plant": progress.plant.name},
            "done" if exit_at else "upcoming",
            exit_at,
        )
    )
    for leg in progress.plant.legs.select_related("carrier"):
        at = legs_at.get(leg.pk)
        detail = _("%(mode)s, %(carrier)s") % {
            "mode": leg.get_mode_display(),
            "carrier": leg.carrier.name,
        }
        stages.append(
            Stage(
                _("%(origin)s → %(destination)s")
                % {
                    "origin": leg.origin,
                    "destination": leg.destination,
                },
                "done" if at else "upcoming",
                at,
                detail,
            )
        )
    stages.append(
        Stage(_("Arrivée à la concession"), "done" if arrived_at else "upcoming", arrived_at)
    )
    # The current stage: the one the progress rank points at (never moved back by late events).
    current_index = _current_index(progress, stages)
    if current_index is not None:
        stages[current_index].state = "current"

    changes = list(EtaChange.objects.filter(progress=progress).order_by("created_at", "id"))
    history = []
    for before, after in zip(changes, changes[1:], strict=False):
        history.append(
            EtaLine(
                text=_window_text(after.eta_from, after.eta_to),
                previous=_window_text(before.eta_from, before.eta_to),
                reason=after.get_reason_display(),
                at=after.created_at,
            )
        )
    history.reverse()
    hold = ""
    if progress.on_hold:
        hold = (
            _("Contrôle qualité supplémentaire : %(reason)s") % {"reason": progress.hold_reason}
            if progress.hold_reason_public and progress.hold_reason
            else _("Contrôle qualité supplémentaire en cours.")
        )
    log = [event.public for event in reversed(events)]
    return Timeline(
        stages=stages,
        percent=progress_percent(progress),
        current=stage_label(progress),
        eta=eta_text(progress),
        eta_history=history,
        hold=hold,
        last_event_id=max((event.pk for event in events), default=0),
        vin=progress.vin,
        plant=progress.plant.name,
        log=log,
    )


def _current_index(progress: OrderProgress, stages: list[Stage]) -> int | None:
    stations = list(progress.line.stations.all())
    if progress.rank == 0:
        return 0
    if progress.stage_kind == EventKind.ARRIVED_AT_DEALER:
        return len(stages) - 1
    if progress.leg is not None:
        legs = list(progress.plant.legs.all())
        return len(stations) + 1 + [leg.pk for leg in legs].index(progress.leg.pk)
    if progress.stage_kind == EventKind.LEFT_PLANT:
        return len(stations)
    if progress.station is not None:
        index = [s.pk for s in stations].index(progress.station.pk)
        if progress.stage_kind == EventKind.STATION_LEFT:
            index += 1
        return index
    return None


@dataclass
class Incoming:
    number: str
    vehicle: str
    buyer: str
    stage: str
    eta: str
    eta_to: dt.date | None
    risk: str  # "", "hold" or "late"


def dealer_incoming(*, dealer_id: int, today: dt.date | None = None) -> list[Incoming]:
    """The factory cars coming to a dealer, latest arrival last, each with its risk: on a quality
    hold, or late (the window now ends after the date promised on the order)."""
    today = today or timezone.localdate()
    rows = (
        OrderProgress.objects.filter(order__dealer_id=dealer_id, arrived_at__isnull=True)
        .select_related("order", "plant", "line", "station", "leg")
        .order_by("eta_to", "pk")
    )
    incoming = []
    for progress in rows:
        order = progress.order
        promised = order.delivery_by
        late = bool(progress.eta_to and promised and progress.eta_to > promised)
        incoming.append(
            Incoming(
                number=order.number,
                vehicle=order.vehicle_label,
                buyer=order.buyer_name,
                stage=stage_label(progress),
                eta=eta_text(progress),
                eta_to=progress.eta_to,
                risk="hold" if progress.on_hold else "late" if late else "",
            )
        )
    return incoming

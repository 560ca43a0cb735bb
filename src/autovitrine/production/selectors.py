"""Reads of production tracking: who may follow an order, its timeline, its live backlog."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from typing import TYPE_CHECKING, Any

import holidays
from django.core import signing
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from autovitrine.core.money import format_eur
from autovitrine.core.permissions import staff_dealer_id
from autovitrine.core.stages import Stage, StagePhoto
from autovitrine.orders.selectors import order_by_number
from autovitrine.tradein.selectors import TradeInStatus, trade_in_by_id

from .models import (
    HOLDING_BOOKING_STATUSES,
    OPTIONAL_MILESTONES,
    EtaChange,
    EventKind,
    HalfDay,
    Handover,
    HandoverBooking,
    HandoverCapacity,
    HandoverDocument,
    Notification,
    OrderProgress,
    Plant,
    ProductionEvent,
    StationPhoto,
    TrackingPreferences,
)
from .texts import LEFT_PLANT_RANK, eta_text, progress_percent, stage_label

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


def live_message(pk: int, public: dict[str, Any]) -> dict[str, Any]:
    """An event's live message: what the buyer reads (frozen when it was accepted), its id."""
    return {**public, "id": pk}


def live_messages_after(*, order_id: int, last_id: int) -> list[dict[str, Any]]:
    return [
        live_message(pk, public)
        for pk, public in ProductionEvent.objects.filter(
            progress__order_id=order_id, id__gt=last_id
        )
        .order_by("id")
        .values_list("id", "public")
    ]


# A station photo's address works this long: a page reload hands out fresh ones.
PHOTO_URL_SECONDS = 10 * 60
_PHOTO_SALT = "production.station-photo"


def station_photo_url(photo_id: int) -> str:
    """A short-lived signed address of a station photo (the view checks the viewer too)."""
    token = signing.TimestampSigner(salt=_PHOTO_SALT).sign(str(photo_id))
    return reverse("production:station_photo", kwargs={"token": token})


def station_photo_for_viewer(*, token: str, user: Any) -> StationPhoto | None:
    """The photo a signed address names, if the address is still fresh and this user may follow
    the order (its buyer, its delivering dealer's staff, head office); else ``None``."""
    try:
        raw = signing.TimestampSigner(salt=_PHOTO_SALT).unsign(token, max_age=PHOTO_URL_SECONDS)
    except signing.BadSignature:
        return None
    photo = (
        StationPhoto.objects.select_related("event__progress__order").filter(pk=int(raw)).first()
    )
    if photo is None:
        return None
    number = photo.event.progress.order.number
    return photo if order_for_viewer(number=number, user=user) is not None else None


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
    photos = dict(
        StationPhoto.objects.filter(event__progress=progress)
        .order_by("event__occurred_at", "event_id")
        .values_list("event__station_id", "pk")
    )  # the latest photo of each station wins
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
        photo_id = photos.get(station.pk)
        stages.append(
            Stage(
                station.name,
                "done" if at else "upcoming",
                at,
                detail,
                photos=(
                    StagePhoto(
                        station_photo_url(photo_id),
                        _("Votre voiture au poste %(station)s") % {"station": station.name},
                    ),
                )
                if photo_id
                else (),
            )
        )
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
        stages[current_index] = replace(stages[current_index], state="current")

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
    log = [live_message(event.pk, event.public) for event in reversed(events)]
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


# --- Handover at the dealer -----------------------------------------------------------------

# Slots shown to a buyer: this many days from the first one they may book.
HANDOVER_HORIZON_DAYS = 21
BOOKABLE_STATUSES = {
    "factory": ("confirmed", "in_production", "ready"),
    "stock": ("confirmed", "ready"),
}
ACTIVE_BOOKING_STATUSES = (HandoverBooking.Status.BOOKED, HandoverBooking.Status.OFFERED)


@cache
def _french_holidays(year: int) -> holidays.HolidayBase:
    # Metropolitan public holidays (Code du travail L3133-1): no handover on those days.
    return holidays.country_holidays("FR", years=year)


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday, not a French public holiday."""
    return day.weekday() < 5 and day not in _french_holidays(day.year)


def is_holiday(day: dt.date) -> bool:
    return day in _french_holidays(day.year)


def working_day_after(day: dt.date) -> dt.date:
    """The first working day strictly after ``day``."""
    day += dt.timedelta(days=1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def handover_earliest_day(order: Order, *, today: dt.date | None = None) -> dt.date | None:
    """The first day this order's car may be handed over, or ``None`` while no honest date can be
    given: a factory car one working day after the end of its ETA window (the car must be at the
    dealer and prepared), a car in stock one working day after today. Never today."""
    today = today or timezone.localdate()
    if order.status not in BOOKABLE_STATUSES.get(order.kind, ()):
        return None
    if order.kind == "stock":
        return working_day_after(today)
    progress = OrderProgress.objects.filter(order_id=order.pk).only("eta_to").first()
    if progress is None or progress.eta_to is None:
        return None
    return max(working_day_after(progress.eta_to), today + dt.timedelta(days=1))


def earliest_for_eta(eta_to: dt.date, *, today: dt.date) -> dt.date:
    return max(working_day_after(eta_to), today + dt.timedelta(days=1))


def dealer_places(*, dealer_id: int) -> dict[tuple[int, str], int]:
    """``{(weekday, half_day): places}`` of the dealer's handover capacity."""
    return {
        (row.weekday, row.half_day): row.places
        for row in HandoverCapacity.objects.filter(dealer_id=dealer_id)
    }


def places_on(places: dict[tuple[int, str], int], day: dt.date, half_day: str) -> int:
    if is_holiday(day):
        return 0
    return places.get((day.weekday(), half_day), 0)


@dataclass
class Slot:
    day: dt.date
    half_day: str
    free: int
    places: int

    @property
    def value(self) -> str:
        return f"{self.day.isoformat()}-{self.half_day}"

    @property
    def label(self) -> str:
        return slot_label(self.day, self.half_day)

    @property
    def half_label(self) -> str:
        return str(HalfDay(self.half_day).label)


def slot_label(day: dt.date, half_day: str) -> str:
    return _("%(day)s, %(half)s") % {
        "day": date_format(day, "l j F"),
        "half": HalfDay(half_day).label,
    }


def taken_seats(*, dealer_id: int, start: dt.date, end: dt.date) -> dict[tuple[dt.date, str], int]:
    rows = (
        HandoverBooking.objects.filter(
            dealer_id=dealer_id,
            day__gte=start,
            day__lte=end,
            status__in=HOLDING_BOOKING_STATUSES,
        )
        .values("day", "half_day")
        .annotate(count=Count("id"))
    )
    return {(row["day"], row["half_day"]): row["count"] for row in rows}


def handover_free_slots(
    *, dealer_id: int, earliest: dt.date, days: int = HANDOVER_HORIZON_DAYS
) -> list[Slot]:
    """Every half-day from ``earliest`` on with a free place at the dealer, in order."""
    places = dealer_places(dealer_id=dealer_id)
    end = earliest + dt.timedelta(days=days - 1)
    taken = taken_seats(dealer_id=dealer_id, start=earliest, end=end)
    slots = []
    for offset in range(days):
        day = earliest + dt.timedelta(days=offset)
        for half_day in HalfDay.values:
            total = places_on(places, day, half_day)
            free = total - taken.get((day, half_day), 0)
            if free > 0:
                slots.append(Slot(day, half_day, free, total))
    return slots


def handover_current_booking(order: Order) -> HandoverBooking | None:
    """The slot the buyer holds (booked, or offered after a delay), else ``None``."""
    return (
        HandoverBooking.objects.filter(
            handover__order_id=order.pk, status__in=ACTIVE_BOOKING_STATUSES
        )
        .order_by("-id")
        .first()
    )


def handover_last_slipped(order: Order) -> HandoverBooking | None:
    return (
        HandoverBooking.objects.filter(
            handover__order_id=order.pk, status=HandoverBooking.Status.SLIPPED
        )
        .order_by("-id")
        .first()
    )


@dataclass
class TodoItem:
    key: str
    label: str
    done: bool
    by_buyer: bool  # the buyer does it (an upload); else the dealer ticks it
    detail: str = ""
    document_id: int | None = None


def trade_in_to_hand_over(order: Order) -> bool:
    """An accepted trade-in goes to the dealer at the handover: its papers are needed."""
    if order.trade_in_id is None:
        return False
    return trade_in_by_id(order.trade_in_id).status == TradeInStatus.ACCEPTED


def handover_todo(order: Order) -> list[TodoItem]:
    """What must be done before the keys are handed over, and what is."""
    handover = Handover.objects.filter(order_id=order.pk).first()
    documents = {d.kind: d for d in handover.documents.all()} if handover is not None else {}
    balance_done = order.balance_cents == 0 or bool(handover and handover.balance_confirmed_at)
    items = [
        TodoItem(
            "balance",
            _("Solde de %(amount)s payé ou financement accepté")
            % {"amount": format_eur(order.balance_cents)},
            balance_done,
            by_buyer=False,
            detail=_("confirmé par la concession") if balance_done else "",
        )
    ]
    kinds = [HandoverDocument.Kind.INSURANCE]
    if trade_in_to_hand_over(order):
        kinds += [HandoverDocument.Kind.REGISTRATION, HandoverDocument.Kind.NON_PLEDGE]
    for kind in kinds:
        document = documents.get(kind)
        items.append(
            TodoItem(
                kind,
                _("Déposer : %(document)s") % {"document": HandoverDocument.Kind(kind).label},
                document is not None,
                by_buyer=True,
                detail=_("déposé le %(day)s")
                % {"day": date_format(timezone.localtime(document.uploaded_at), "j F")}
                if document
                else "",
                document_id=document.pk if document else None,
            )
        )
    items.append(
        TodoItem(
            "identity",
            _("Pièce d'identité vérifiée par la concession"),
            bool(handover and handover.id_checked_at),
            by_buyer=False,
            detail=_("à présenter le jour de la remise"),
        )
    )
    return items


def handover_ready(order: Order) -> bool:
    return all(item.done for item in handover_todo(order))


def handover_document_for_viewer(*, document_id: int, user: Any) -> HandoverDocument | None:
    """A buyer's document, for the buyer themself or their delivering dealer's staff only."""
    if not getattr(user, "is_authenticated", False):
        return None
    document = (
        HandoverDocument.objects.select_related("handover__order").filter(pk=document_id).first()
    )
    if document is None:
        return None
    order = document.handover.order
    if order.customer_id == user.pk or staff_dealer_id(user) == order.dealer_id:
        return document
    return None


@dataclass
class CalendarEntry:
    number: str
    buyer: str
    vehicle: str
    status: str
    booking_status: str
    todo_done: int
    todo_total: int
    eta: str
    slipped: bool


@dataclass
class CalendarHalfDay:
    day: dt.date
    half_day: str
    places: int
    entries: list[CalendarEntry]

    @property
    def label(self) -> str:
        return slot_label(self.day, self.half_day)


def dealer_handover_calendar(*, dealer_id: int, start: dt.date, days: int) -> list[CalendarHalfDay]:
    """The dealer's handovers from ``start``, half-day by half-day, each with its buyer's to-do
    progress and whether it was moved because the car's ETA slipped."""
    end = start + dt.timedelta(days=days - 1)
    places = dealer_places(dealer_id=dealer_id)
    bookings = (
        HandoverBooking.objects.filter(
            dealer_id=dealer_id,
            day__gte=start,
            day__lte=end,
            status__in=HOLDING_BOOKING_STATUSES,
        )
        .select_related("handover__order")
        .order_by("day", "half_day", "seat")
    )
    by_slot: dict[tuple[dt.date, str], list[CalendarEntry]] = {}
    for booking in bookings:
        order = booking.handover.order
        todo = handover_todo(order)
        progress = OrderProgress.objects.filter(order_id=order.pk).first()
        by_slot.setdefault((booking.day, booking.half_day), []).append(
            CalendarEntry(
                number=order.number,
                buyer=order.buyer_name,
                vehicle=order.vehicle_label,
                status=order.get_status_display(),
                booking_status=booking.status,
                todo_done=sum(item.done for item in todo),
                todo_total=len(todo),
                eta=eta_text(progress) if progress else "",
                slipped=booking.status == HandoverBooking.Status.OFFERED,
            )
        )
    calendar = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        for half_day in HalfDay.values:
            total = places_on(places, day, half_day)
            entries = by_slot.get((day, half_day), [])
            if total or entries:
                calendar.append(CalendarHalfDay(day, half_day, total, entries))
    return calendar


def dealer_slip_alerts(*, dealer_id: int) -> list[HandoverBooking]:
    """Handovers moved because the car's ETA slipped past them, still to be confirmed."""
    return list(
        HandoverBooking.objects.filter(dealer_id=dealer_id, status=HandoverBooking.Status.OFFERED)
        .select_related("handover__order")
        .order_by("day", "half_day")
    )


def dealer_handover_order(*, number: str, dealer_id: int) -> Order | None:
    order = order_by_number(number=number)
    if order is None or order.dealer_id != dealer_id:
        return None
    return order


@dataclass
class SlotDay:
    day: dt.date
    slots: list[Slot]


def slots_by_day(slots: list[Slot]) -> list[SlotDay]:
    days: list[SlotDay] = []
    for slot in slots:
        if not days or days[-1].day != slot.day:
            days.append(SlotDay(slot.day, []))
        days[-1].slots.append(slot)
    return days


def handover_for_order(order: Order) -> Handover | None:
    return Handover.objects.filter(order_id=order.pk).first()


@dataclass
class HandoverSummary:
    """What the buyer's timeline says of the handover."""

    booking: HandoverBooking | None
    slipped: bool
    can_book: bool
    earliest: dt.date | None
    todo_done: int
    todo_total: int
    done: bool

    @property
    def slot(self) -> str:
        return slot_label(self.booking.day, self.booking.half_day) if self.booking else ""


def handover_summary(order: Order) -> HandoverSummary:
    booking = handover_current_booking(order)
    earliest = handover_earliest_day(order)
    todo = handover_todo(order)
    return HandoverSummary(
        booking=booking,
        slipped=bool(booking and booking.status == HandoverBooking.Status.OFFERED),
        can_book=earliest is not None,
        earliest=earliest,
        todo_done=sum(item.done for item in todo),
        todo_total=len(todo),
        done=order.status == "delivered",
    )


def capacity_initial(*, dealer_id: int) -> dict[str, int]:
    """The capacity form's values: ``bays_<weekday>_<half>`` and ``staff_<weekday>_<half>``."""
    initial: dict[str, int] = {}
    for row in HandoverCapacity.objects.filter(dealer_id=dealer_id):
        initial[f"bays_{row.weekday}_{row.half_day}"] = row.bays
        initial[f"staff_{row.weekday}_{row.half_day}"] = row.staff
    return initial


# --- Head office: every plant at a glance -----------------------------------------------------

# Durations are observed on the events of this many last days.
OFFICE_WINDOW_DAYS = 90


@dataclass
class StageCount:
    label: str
    cars: int
    on_hold: int = 0


@dataclass
class Duration:
    label: str
    typical_hours: float
    typical_spread: float
    observed_hours: float | None  # mean of the observed runs, None when none is complete
    observed_spread: float | None
    runs: int


@dataclass
class LateCar:
    number: str
    vehicle: str
    plant: str
    stage: str
    eta: str
    promised: dt.date | None
    eta_to: dt.date | None
    on_hold: bool


@dataclass
class PlantOverview:
    code: str
    name: str
    in_progress: int
    stages: list[StageCount]
    durations: list[Duration]
    slow: list[SlowStep] = field(default_factory=list)  # as the ETA last measured them


@dataclass
class EtaAccuracy:
    cars: int  # arrived cars with at least one window given before the arrival
    windows: int
    windows_held: int  # windows that contained the arrival day
    mean_days_off: float | None  # mean distance from the first window to the arrival day

    @property
    def percent(self) -> int | None:
        return round(100 * self.windows_held / self.windows) if self.windows else None


@dataclass
class OfficeOverview:
    plants: list[PlantOverview]
    late: list[LateCar]
    accuracy: EtaAccuracy
    # Milestone e-mails that did not leave, newest first: (order number, what went wrong).
    failed_emails: list[tuple[str, str]] = field(default_factory=list)


def _mean_sd(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    mean = sum(values) / len(values)
    spread = (
        (sum((v - mean) ** 2 for v in values) / (len(values) - 1)) ** 0.5
        if len(values) > 1
        else 0.0
    )
    return round(mean, 1), round(spread, 1)


def _plant_overview(
    plant: Plant, progresses: list[OrderProgress], since: dt.datetime
) -> PlantOverview:
    stations = [s for line in plant.lines.all() for s in line.stations.all()]
    legs = list(plant.legs.all())
    here = [p for p in progresses if p.plant_id == plant.pk]
    counts: dict[tuple[str, int], list[OrderProgress]] = {}
    for progress in here:
        if progress.leg_id:
            key = ("leg", progress.leg_id)
        elif progress.rank >= LEFT_PLANT_RANK:
            key = ("out", 0)
        elif progress.station_id:
            key = ("station", progress.station_id)
        else:
            key = ("planned", 0)
        counts.setdefault(key, []).append(progress)

    def stage(label: str, key: tuple[str, int]) -> StageCount:
        cars = counts.get(key, [])
        return StageCount(label, len(cars), sum(p.on_hold for p in cars))

    stages = [stage(_("Planifiée"), ("planned", 0))]
    stages += [stage(s.name, ("station", s.pk)) for s in stations]
    stages.append(stage(_("Attente du transport"), ("out", 0)))
    stages += [stage(f"{leg.origin} → {leg.destination}", ("leg", leg.pk)) for leg in legs]

    # Observed durations: a station runs from entering it to entering the next one (as the
    # typical duration is defined), a leg from its checkpoint to the next leg's or the arrival.
    times: dict[int, dict[tuple[str, int], dt.datetime]] = {}
    events = ProductionEvent.objects.filter(
        progress__plant=plant,
        occurred_at__gte=since,
        kind__in=(
            EventKind.STATION_ENTERED,
            EventKind.TRANSPORT_CHECKPOINT,
            EventKind.ARRIVED_AT_DEALER,
        ),
    ).values_list("progress_id", "kind", "station_id", "leg_id", "occurred_at")
    for progress_id, kind, station_id, leg_id, at in events:
        key = (
            ("station", station_id)
            if kind == EventKind.STATION_ENTERED
            else ("leg", leg_id)
            if kind == EventKind.TRANSPORT_CHECKPOINT
            else ("arrived", 0)
        )
        times.setdefault(progress_id, {}).setdefault(key, at)  # the first report counts
    steps: list[tuple[str, tuple[str, int], tuple[str, int], float, float]] = []
    for i, s in enumerate(stations):
        following = ("station", stations[i + 1].pk) if i + 1 < len(stations) else None
        if following is not None:
            steps.append(
                (
                    s.name,
                    ("station", s.pk),
                    following,
                    s.typical_minutes / 60,
                    s.spread_minutes / 60,
                )
            )
    for i, leg in enumerate(legs):
        following = ("leg", legs[i + 1].pk) if i + 1 < len(legs) else ("arrived", 0)
        steps.append(
            (
                f"{leg.origin} → {leg.destination}",
                ("leg", leg.pk),
                following,
                float(leg.typical_hours),
                float(leg.spread_hours),
            )
        )
    durations = []
    for label, start, end, typical, spread in steps:
        observed = [
            (seen[end] - seen[start]).total_seconds() / 3600
            for seen in times.values()
            if start in seen and end in seen and seen[end] >= seen[start]
        ]
        mean, sd = _mean_sd(observed)
        durations.append(
            Duration(label, round(typical, 1), round(spread, 1), mean, sd, len(observed))
        )
    return PlantOverview(
        code=plant.code,
        name=plant.name,
        in_progress=len(here),
        stages=stages,
        durations=durations,
        slow=slow_steps(plant=plant),
    )


def _eta_accuracy(since: dt.datetime) -> EtaAccuracy:
    arrived = OrderProgress.objects.filter(arrived_at__gte=since).values_list("pk", "arrived_at")
    arrival_day = {pk: timezone.localdate(at) for pk, at in arrived}
    changes = (
        EtaChange.objects.filter(progress_id__in=arrival_day)
        .exclude(reason=EtaChange.Reason.ARRIVED)
        .order_by("progress_id", "created_at", "id")
        .values_list("progress_id", "eta_from", "eta_to", "created_at")
    )
    windows = held = 0
    first_off: dict[int, int] = {}
    for progress_id, start, end, created_at in changes:
        day = arrival_day[progress_id]
        if timezone.localdate(created_at) > day:
            continue
        windows += 1
        held += start <= day <= end
        if progress_id not in first_off:
            first_off[progress_id] = (
                0 if start <= day <= end else min(abs((day - start).days), abs((day - end).days))
            )
    mean_off = round(sum(first_off.values()) / len(first_off), 1) if first_off else None
    return EtaAccuracy(
        cars=len(first_off), windows=windows, windows_held=held, mean_days_off=mean_off
    )


def office_overview(*, now: dt.datetime | None = None) -> OfficeOverview:
    """Head office's view across plants: the cars at each stage (those on hold counted), the
    observed mean and spread of each step's duration beside its configured one, the late cars
    (on hold, or whose window ends after the promised date) and how often the ETA windows held
    the actual arrival day."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=OFFICE_WINDOW_DAYS)
    progresses = list(
        OrderProgress.objects.filter(arrived_at__isnull=True)
        .exclude(order__status__in=("delivered", "cancelled", "withdrawn"))
        .select_related("order", "plant", "station", "leg")
    )
    plants = [
        _plant_overview(plant, progresses, since)
        for plant in Plant.objects.prefetch_related("lines__stations", "legs").order_by("name")
    ]
    late = []
    for progress in progresses:
        promised = progress.order.delivery_by
        is_late = bool(progress.eta_to and promised and progress.eta_to > promised)
        if is_late or progress.on_hold:
            late.append(
                LateCar(
                    number=progress.order.number,
                    vehicle=progress.order.vehicle_label,
                    plant=progress.plant.name,
                    stage=stage_label(progress),
                    eta=eta_text(progress),
                    promised=promised,
                    eta_to=progress.eta_to,
                    on_hold=progress.on_hold,
                )
            )
    late.sort(key=lambda car: (car.eta_to or dt.date.max, car.number))
    failed_emails = [
        (number, error)
        for number, error in Notification.objects.filter(created_at__gte=since)
        .exclude(email_error="")
        .order_by("-created_at", "-id")
        .values_list("progress__order__number", "email_error")[:50]
    ]
    return OfficeOverview(
        plants=plants, late=late, accuracy=_eta_accuracy(since), failed_emails=failed_emails
    )


def buyer_email_milestones_many(*, order_ids: Iterable[int]) -> dict[int, set[str]]:
    """``buyer_email_milestones`` of many orders in one query."""
    ids = set(order_ids)
    rows = dict(
        TrackingPreferences.objects.filter(order_id__in=ids).values_list(
            "order_id", "email_milestones"
        )
    )
    return {
        order_id: (set(rows[order_id]) if order_id in rows else set(OPTIONAL_MILESTONES))
        | {"handover_moved"}
        for order_id in ids
    }


def orders_with_active_booking(*, order_ids: Iterable[int]) -> set[int]:
    """Those of these orders with a handover slot booked or offered."""
    return set(
        HandoverBooking.objects.filter(
            handover__order_id__in=set(order_ids), status__in=ACTIVE_BOOKING_STATUSES
        ).values_list("handover__order_id", flat=True)
    )


def buyer_email_milestones(*, order_id: int) -> set[str]:
    """The milestones the buyer wants an e-mail for: all until they choose; a handover moved by
    a delay is always told."""
    row = TrackingPreferences.objects.filter(order_id=order_id).first()
    chosen = set(OPTIONAL_MILESTONES) if row is None else set(row.email_milestones)
    return chosen | {"handover_moved"}


def milestone_choices(*, order_id: int) -> list[tuple[str, str, bool]]:
    """``(value, label, chosen)`` of each milestone the buyer may turn on or off."""
    labels = dict(Notification.Milestone.choices)
    chosen = buyer_email_milestones(order_id=order_id)
    return [(m, str(labels[m]), m in chosen) for m in OPTIONAL_MILESTONES]


# --- Observed step durations, fed back into the ETA -------------------------------------------

# The durations the ETA learns from: steps started in this many last days, on at most this many
# of the plant's most recently moved cars (a bounded, bulk read, run by the periodic task).
STEP_STATS_WINDOW_DAYS = 90
STEP_STATS_MAX_CARS = 2_000

StepKey = tuple[str, int]  # ("station", pk) or ("leg", pk)


def observed_step_durations(
    *, plant: Plant, since: dt.datetime, max_cars: int = STEP_STATS_MAX_CARS
) -> dict[StepKey, list[float]]:
    """Each station's and leg's measured durations (hours) on the plant's recent cars, defined as
    the ETA sums them so that the steps add up to the whole way: a station from entering it to
    entering the next one (the last one: to leaving the plant), the first leg from leaving the
    plant, a later leg from its first checkpoint, each to the next leg's first checkpoint (the
    last one: to the arrival). A step during which a quality hold began is not measured: the ETA
    counts holds apart. The first report of each point counts (a replay moves nothing)."""
    cars = list(
        OrderProgress.objects.filter(plant=plant, updated_at__gte=since)
        .order_by("-updated_at")
        .values_list("pk", flat=True)[:max_cars]
    )
    points: dict[int, dict[StepKey, dt.datetime]] = {}
    holds: dict[int, list[dt.datetime]] = {}
    events = (
        ProductionEvent.objects.filter(
            progress_id__in=cars,
            occurred_at__gte=since,
            kind__in=(
                EventKind.STATION_ENTERED,
                EventKind.LEFT_PLANT,
                EventKind.TRANSPORT_CHECKPOINT,
                EventKind.ARRIVED_AT_DEALER,
                EventKind.QUALITY_HOLD,
            ),
        )
        .order_by("occurred_at", "id")
        .values_list("progress_id", "kind", "station_id", "leg_id", "occurred_at")
    )
    for progress_id, kind, station_id, leg_id, at in events.iterator(chunk_size=5_000):
        if kind == EventKind.QUALITY_HOLD:
            holds.setdefault(progress_id, []).append(at)
            continue
        key: StepKey = (
            ("station", station_id)
            if kind == EventKind.STATION_ENTERED
            else ("leg", leg_id)
            if kind == EventKind.TRANSPORT_CHECKPOINT
            else ("out", 0)
            if kind == EventKind.LEFT_PLANT
            else ("arrived", 0)
        )
        points.setdefault(progress_id, {}).setdefault(key, at)

    # Each step: its own key, the point it starts at, the point it ends at.
    spans: list[tuple[StepKey, StepKey, StepKey]] = []
    for line in plant.lines.all():
        stations = list(line.stations.all())
        for i, station in enumerate(stations):
            end = ("station", stations[i + 1].pk) if i + 1 < len(stations) else ("out", 0)
            spans.append((("station", station.pk), ("station", station.pk), end))
    legs = list(plant.legs.all())
    for i, leg in enumerate(legs):
        start = ("out", 0) if i == 0 else ("leg", leg.pk)
        end = ("leg", legs[i + 1].pk) if i + 1 < len(legs) else ("arrived", 0)
        spans.append((("leg", leg.pk), start, end))

    durations: dict[StepKey, list[float]] = {key: [] for key, _, _ in spans}
    for progress_id, seen in points.items():
        held = holds.get(progress_id, ())
        for key, start, end in spans:
            began, ended = seen.get(start), seen.get(end)
            if began is None or ended is None or ended < began:
                continue
            if any(began <= at < ended for at in held):
                continue
            durations[key].append((ended - began).total_seconds() / 3600)
    return durations


@dataclass
class SlowStep:
    label: str
    typical_hours: float
    observed_hours: float
    observed_spread: float
    runs: int

    @property
    def percent_over(self) -> int:
        return round(100 * (self.observed_hours / self.typical_hours - 1))


# A step is shown as running slow when its observed mean exceeds the typical duration by this.
SLOW_STEP_SHARE = 0.10


def slow_steps(*, plant: Plant) -> list[SlowStep]:
    """The plant's stations and legs whose measured mean (enough runs for the ETA to use it) is
    more than ``SLOW_STEP_SHARE`` above their typical duration, as last measured."""
    from .eta import MIN_RUNS

    rows: list[tuple[str, float, Any]] = [
        (s.name, s.typical_minutes / 60, s)
        for line in plant.lines.all()
        for s in line.stations.all()
    ]
    rows += [
        (f"{leg.origin} → {leg.destination}", float(leg.typical_hours), leg)
        for leg in plant.legs.all()
    ]
    slow = []
    for label, typical, row in rows:
        mean = row.observed_mean_hours
        if row.observed_runs < MIN_RUNS or mean is None or typical <= 0:
            continue
        if mean > typical * (1 + SLOW_STEP_SHARE):
            slow.append(
                SlowStep(
                    label=label,
                    typical_hours=round(typical, 1),
                    observed_hours=round(mean, 1),
                    observed_spread=round(row.observed_spread_hours or 0.0, 1),
                    runs=row.observed_runs,
                )
            )
    return slow

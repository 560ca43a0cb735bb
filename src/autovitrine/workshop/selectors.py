"""Reads on the workshop: an owner's garage and next service, fixed prices, free slots, planning."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from autovitrine.core.money import Price, price_of_lines
from autovitrine.dealers.selectors import dealer_by_id
from autovitrine.parts.selectors import cheapest_compatible_part

from . import capacity
from .models import (
    Absence,
    Bay,
    BayKind,
    Booking,
    CapacityClaim,
    Closure,
    LoanCar,
    Operation,
    OwnedCar,
    ServiceSchedule,
    Technician,
    TechnicianHours,
    WorkshopSettings,
)

SIGNING_SALT = "workshop.booking"
PARIS = ZoneInfo("Europe/Paris")
WINDOW_DAYS = 30
HOLD_MINUTES = 5
# An online booking starts at least this long after now: the workshop must see it coming.
MIN_LEAD = dt.timedelta(hours=2)
# The most specific bay wins when a job's operations need different kinds.
BAY_PRIORITY = [BayKind.EV_SAFE, BayKind.BODY, BayKind.ALIGNMENT, BayKind.LIFT]

# SIV plates (since 2009): two letters, three digits, two letters; I, O and U are never used,
# nor SS and WW as a block, and 000 is never issued (arrêté du 9 février 2009, annexe).
_SIV = re.compile(r"^([A-HJ-NP-TV-Z]{2})-?(\d{3})-?([A-HJ-NP-TV-Z]{2})$")


def validate_plate(raw: str) -> str:
    """The normalised SIV plate ``AA-123-AA`` or a French ``ValidationError``."""
    text = "".join(raw.split()).upper()
    match = _SIV.match(text)
    if not match:
        raise ValidationError(
            _("Immatriculation invalide : le format attendu est AA-123-AA."), code="plate_format"
        )
    left, digits, right = match.groups()
    if digits == "000" or left in ("SS", "WW") or right == "SS":
        raise ValidationError(
            _("Cette immatriculation n'est jamais attribuée (000, SS ou WW)."),
            code="plate_not_issued",
        )
    return f"{left}-{digits}-{right}"


# --- The garage --------------------------------------------------------------------------------
def garage_cars(*, owner_id: int) -> QuerySet[OwnedCar]:
    return OwnedCar.objects.filter(owner_id=owner_id).order_by("-created_at", "-id")


def garage_car(*, owner_id: int, car_id: int) -> OwnedCar | None:
    """One of the owner's own cars; another owner's car is simply not found."""
    return OwnedCar.objects.filter(owner_id=owner_id, pk=car_id).first()


@dataclass(frozen=True, slots=True)
class ServiceDue:
    km: int
    on: dt.date
    interval_km: int
    interval_months: int
    overdue: bool


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return dt.date(year, month, min(day.day, days))


def schedule_for(car: OwnedCar) -> ServiceSchedule | None:
    """The engine's own schedule first, else the model's."""
    if car.car_model_id is None:
        return None
    rows = ServiceSchedule.objects.filter(
        car_model_id=car.car_model_id, powertrain__in=[car.powertrain, ""]
    )
    return min(rows, key=lambda row: row.powertrain == "", default=None)


def next_service_due(car: OwnedCar, *, today: dt.date | None = None) -> ServiceDue | None:
    """Whichever comes first of ``interval_km`` after the last service's mileage and
    ``interval_months`` after its date (first registration year when never serviced)."""
    schedule = schedule_for(car)
    if schedule is None:
        return None
    today = today or timezone.localdate()
    base_km = car.last_service_km or 0
    base_day = car.last_service_on or dt.date(car.year, 1, 1)
    due_km = base_km + schedule.interval_km
    due_on = _add_months(base_day, schedule.interval_months)
    return ServiceDue(
        km=due_km,
        on=due_on,
        interval_km=schedule.interval_km,
        interval_months=schedule.interval_months,
        overdue=car.mileage_km >= due_km or today >= due_on,
    )


def next_maintenance_operation(car: OwnedCar) -> Operation | None:
    """The schedule's "révision des N km" matching the car's next due mileage."""
    due = next_service_due(car)
    target = due.km if due else car.mileage_km
    ops = operations_for(car).filter(kind=Operation.Kind.MAINTENANCE, mileage_km__isnull=False)
    return min(ops, key=lambda op: abs((op.mileage_km or 0) - target), default=None)


# --- Operations and fixed prices ---------------------------------------------------------------
def operations_for(car: OwnedCar | None) -> QuerySet[Operation]:
    qs = Operation.objects.filter(is_active=True)
    if car is not None and not car.is_electric:
        qs = qs.filter(electric_only=False)
    return qs


def workshop_settings(dealer_id: int) -> WorkshopSettings | None:
    return WorkshopSettings.objects.filter(dealer_id=dealer_id).first()


@dataclass(frozen=True, slots=True)
class QuoteLine:
    label: str
    quantity: int
    amount_ht: int
    operation_id: int | None


@dataclass(frozen=True, slots=True)
class JobQuote:
    lines: list[QuoteLine]
    price: Price
    minutes: int
    skills: frozenset[str]
    bay_kind: str


def job_quote(
    *, car: OwnedCar | None, dealer_id: int, operation_ids: list[int], option: str = ""
) -> JobQuote:
    """The fixed price TTC for this car at this dealer, with its lines (labour at the dealer's
    rate less its promotion, then each part chosen by compatibility at the dealer's price)."""
    terms = workshop_settings(dealer_id)
    if terms is None:
        raise ValidationError(_("Cette concession ne prend pas de rendez-vous atelier."))
    ops = list(
        operations_for(car).filter(pk__in=operation_ids).prefetch_related("parts").order_by("pk")
    )
    if not ops or len(ops) != len(set(operation_ids)):
        raise ValidationError(_("Choisissez au moins une prestation proposée pour ce véhicule."))
    lines: list[QuoteLine] = []
    for op in ops:
        labour = op.labour_minutes * terms.hourly_rate_ht * (100 - terms.labour_discount_pct)
        lines.append(
            QuoteLine(
                label=_("%(op)s — main-d'œuvre") % {"op": op.name},
                quantity=1,
                amount_ht=(labour + 3000) // 6000,  # minutes × cents/h × %: rounded to the cent
                operation_id=op.pk,
            )
        )
        for need in op.parts.all():
            part = cheapest_compatible_part(
                kind=need.part_kind,
                car_model_id=car.car_model_id if car else None,
                powertrain=car.powertrain if car else "",
                year=car.year if car else None,
            )
            if part is not None:
                lines.append(
                    QuoteLine(
                        label=f"{part.name} ({part.reference})",
                        quantity=need.quantity,
                        amount_ht=part.price_ht * need.quantity,
                        operation_id=op.pk,
                    )
                )
    if option == Booking.Option.PICKUP and terms.pickup_price_ht:
        lines.append(QuoteLine(_("Prise en charge à domicile"), 1, terms.pickup_price_ht, None))
    kinds = {op.bay_kind for op in ops}
    return JobQuote(
        lines=lines,
        price=price_of_lines(line.amount_ht for line in lines),
        minutes=sum(op.labour_minutes for op in ops),
        skills=frozenset(op.skill for op in ops),
        bay_kind=next(kind for kind in BAY_PRIORITY if kind in kinds),
    )


# --- Availability --------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _french_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.France(years=year))


def is_public_holiday(day: dt.date) -> bool:
    return day in _french_holidays(day.year)


@dataclass
class Capacity:
    """A dealer's resources and their free intervals over a window, in minutes from ``origin``."""

    origin: dt.datetime
    step: int
    openings: list[capacity.Interval]
    technicians: dict[int, tuple[frozenset[str], list[capacity.Interval]]]
    bays: dict[int, tuple[str, list[capacity.Interval]]]
    loan_cars: dict[int, list[capacity.Interval]]

    def minute(self, moment: dt.datetime) -> int:
        return int((moment - self.origin).total_seconds() // 60)

    def moment(self, minute: int) -> dt.datetime:
        # Through UTC then back to Paris: a window spanning a DST change stays exact.
        return (self.origin + dt.timedelta(minutes=minute)).astimezone(PARIS)

    def starts(
        self, *, duration: int, skills: frozenset[str], bay_kind: str, loan_car: bool
    ) -> list[capacity.Interval]:
        techs = capacity.union(
            capacity.starts_for(free, duration)
            for tech_skills, free in self.technicians.values()
            if skills <= tech_skills
        )
        bays = capacity.union(
            capacity.starts_for(free, duration)
            for kind, free in self.bays.values()
            if kind == bay_kind
        )
        feasible = capacity.intersect(techs, bays)
        if loan_car:
            loans = capacity.union(
                capacity.starts_for(free, duration) for free in self.loan_cars.values()
            )
            feasible = capacity.intersect(feasible, loans)
        return feasible


def _day_bounds(day: dt.date, start: dt.time, end: dt.time) -> tuple[dt.datetime, dt.datetime]:
    return (
        dt.datetime.combine(day, start, tzinfo=PARIS),
        dt.datetime.combine(day, end, tzinfo=PARIS),
    )


def dealer_capacity(
    *, dealer_id: int, first_day: dt.date, days: int = WINDOW_DAYS, now: dt.datetime | None = None
) -> Capacity:
    """Everything availability needs, in seven queries whatever the number of bookings: opening
    hours, closures, technicians' hours and absences, bays, loan cars, and the active claims."""
    now = now or timezone.now()
    dealer = dealer_by_id(dealer_id)
    origin = dt.datetime.combine(first_day, dt.time(0), tzinfo=PARIS)
    end = dt.datetime.combine(first_day + dt.timedelta(days=days), dt.time(0), tzinfo=PARIS)
    terms = workshop_settings(dealer_id)
    step = terms.slot_step_minutes if terms else 30
    cap = Capacity(origin=origin, step=step, openings=[], technicians={}, bays={}, loan_cars={})

    periods: dict[int, list[tuple[dt.time, dt.time]]] = defaultdict(list)
    for period in dealer.opening_periods.all():
        periods[period.weekday].append((period.opens_at, period.closes_at))
    closed = set(
        Closure.objects.filter(dealer_id=dealer_id, day__gte=first_day).values_list(
            "day", flat=True
        )
    )
    open_days = []
    for offset in range(days):
        day = first_day + dt.timedelta(days=offset)
        if day in closed or is_public_holiday(day):
            continue
        open_days.append(day)
        for start, stop in sorted(periods.get(day.weekday(), [])):
            a, b = _day_bounds(day, start, stop)
            cap.openings.append((cap.minute(a), cap.minute(b)))
    earliest = cap.minute(now + MIN_LEAD)
    if earliest > 0:
        cap.openings = capacity.subtract(cap.openings, [(0, earliest)])

    busy: dict[str, list[capacity.Interval]] = defaultdict(list)
    claims = (
        CapacityClaim.objects.filter(dealer_id=dealer_id, starts_at__lt=end, ends_at__gt=origin)
        .exclude(booking__status=Booking.Status.HELD, booking__held_until__lt=now)
        .values_list("resource", "starts_at", "ends_at")
    )
    for resource, starts_at, ends_at in claims:
        busy[resource].append((cap.minute(starts_at), cap.minute(ends_at)))

    hours: dict[int, dict[int, list[tuple[dt.time, dt.time]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    techs = list(Technician.objects.filter(dealer_id=dealer_id))
    for row in TechnicianHours.objects.filter(technician__dealer_id=dealer_id):
        hours[row.technician_id][row.weekday].append((row.starts, row.ends))
    absences: dict[int, list[capacity.Interval]] = defaultdict(list)
    for tech_id, a, b in Absence.objects.filter(
        technician__dealer_id=dealer_id, starts_at__lt=end, ends_at__gt=origin
    ).values_list("technician_id", "starts_at", "ends_at"):
        absences[tech_id].append((cap.minute(a), cap.minute(b)))
    for tech in techs:
        working = [
            (cap.minute(a), cap.minute(b))
            for day in open_days
            for start, stop in sorted(hours[tech.pk].get(day.weekday(), []))
            for a, b in [_day_bounds(day, start, stop)]
        ]
        available = capacity.intersect(cap.openings, working)
        available = [(a, b) for a, b in available if a < b]
        available = capacity.subtract(available, absences[tech.pk])
        free = capacity.subtract(available, busy[f"tech:{tech.pk}"])
        cap.technicians[tech.pk] = (tech.skills, free)
    for bay_id, kind in Bay.objects.filter(dealer_id=dealer_id).values_list("pk", "kind"):
        cap.bays[bay_id] = (kind, capacity.subtract(cap.openings, busy[f"bay:{bay_id}"]))
    for loan_id in LoanCar.objects.filter(dealer_id=dealer_id).values_list("pk", flat=True):
        cap.loan_cars[loan_id] = capacity.subtract(cap.openings, busy[f"loan:{loan_id}"])
    return cap


def round_up(minutes: int, step: int) -> int:
    return -(-minutes // step) * step


@dataclass(frozen=True, slots=True)
class FreeSlots:
    slots: list[dt.datetime]
    minutes: int
    quote: JobQuote


def free_slots(
    *,
    dealer_id: int,
    operation_ids: list[int],
    car: OwnedCar | None = None,
    option: str = Booking.Option.DROP_OFF,
    first_day: dt.date | None = None,
    days: int = WINDOW_DAYS,
    now: dt.datetime | None = None,
) -> FreeSlots:
    """The drop-off times over ``days`` at which a technician with the skills, a bay of the
    kind (and a loan car if asked) are all free for the whole job: see ``capacity``."""
    now = now or timezone.now()
    quote = job_quote(car=car, dealer_id=dealer_id, operation_ids=operation_ids, option=option)
    first_day = first_day or timezone.localtime(now, PARIS).date()
    cap = dealer_capacity(dealer_id=dealer_id, first_day=first_day, days=days, now=now)
    duration = round_up(quote.minutes, cap.step)
    feasible = cap.starts(
        duration=duration,
        skills=quote.skills,
        bay_kind=quote.bay_kind,
        loan_car=option == Booking.Option.LOAN_CAR,
    )
    grid = capacity.grid_slots(feasible, cap.openings, cap.step)
    return FreeSlots(slots=[cap.moment(m) for m in grid], minutes=duration, quote=quote)


# --- Bookings ------------------------------------------------------------------------------------
def customer_bookings(*, customer_id: int) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(customer_id=customer_id)
        .exclude(status=Booking.Status.EXPIRED)
        .select_related("dealer", "car")
        .order_by("-starts_at")
    )


def customer_booking(*, customer_id: int, number: str) -> Booking | None:
    return (
        Booking.objects.filter(customer_id=customer_id, number=number)
        .select_related("dealer", "car", "technician", "bay", "loan_car")
        .first()
    )


def dealer_booking(*, dealer_id: int, number: str) -> Booking | None:
    return (
        Booking.objects.filter(dealer_id=dealer_id, number=number)
        .select_related("dealer", "car", "technician", "bay", "loan_car")
        .first()
    )


def car_history(*, car_id: int) -> QuerySet[Booking]:
    """The service history (carnet d'entretien): the car's collected jobs, newest first."""
    return (
        Booking.objects.filter(car_id=car_id, status=Booking.Status.COLLECTED)
        .prefetch_related("lines")
        .select_related("dealer")
        .order_by("-starts_at")
    )


@dataclass(frozen=True, slots=True)
class PlanningRow:
    resource: str
    label: str
    bookings: list[Booking]


def dealer_planning(*, dealer_id: int, first_day: dt.date, days: int = 1) -> list[PlanningRow]:
    """The dealer's jobs from ``first_day`` for ``days`` days, one row per technician then bay."""
    start = dt.datetime.combine(first_day, dt.time(0), tzinfo=PARIS)
    end = start + dt.timedelta(days=days)
    bookings = list(
        Booking.objects.filter(
            dealer_id=dealer_id, starts_at__lt=end, ends_at__gt=start, status__in=Booking.ACTIVE
        )
        .filter(~Q(status=Booking.Status.HELD) | Q(held_until__gte=timezone.now()))
        .select_related("car", "technician", "bay", "loan_car")
        .order_by("starts_at")
    )
    rows = [
        PlanningRow(
            resource=f"tech:{tech.pk}",
            label=tech.name,
            bookings=[b for b in bookings if b.technician_id == tech.pk],
        )
        for tech in Technician.objects.filter(dealer_id=dealer_id).order_by("name")
    ]
    rows += [
        PlanningRow(
            resource=f"bay:{bay.pk}",
            label=f"{bay.name} ({bay.get_kind_display()})",
            bookings=[b for b in bookings if b.bay_id == bay.pk],
        )
        for bay in Bay.objects.filter(dealer_id=dealer_id).order_by("name")
    ]
    return rows


def booking_token(booking: Booking) -> str:
    """The signed token of the cancel / reschedule link (no sign-in needed)."""
    return signing.dumps(booking.number, salt=SIGNING_SALT)


def booking_from_token(token: str) -> Booking | None:
    try:
        number = signing.loads(token, salt=SIGNING_SALT)
    except signing.BadSignature:
        return None
    return Booking.objects.filter(number=number).select_related("dealer").first()

"""Reads on the workshop: an owner's garage and next service, fixed prices, free slots, planning."""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from autovitrine.core.money import Price, price_of_lines
from autovitrine.core.stages import Stage, StagePhoto
from autovitrine.dealers.selectors import dealer_opening_periods
from autovitrine.parts.selectors import PartHit, cheapest_compatible_part, search_parts

from . import capacity
from .models import (
    Bay,
    BayKind,
    Booking,
    BookingEvent,
    BookingPhoto,
    Operation,
    OwnedCar,
    ServiceSchedule,
    Technician,
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


def garage_owners_of_model(*, owner_ids: Iterable[int], car_model_id: int) -> set[int]:
    """Which of these accounts have a car of that model in their garage (bought here, or added
    by plate, VIN or model); one query. A car added by plate alone, its model unknown, counts
    for none."""
    return set(
        OwnedCar.objects.filter(owner_id__in=list(owner_ids), car_model_id=car_model_id)
        .values_list("owner_id", flat=True)
        .distinct()
    )


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


def workshop_dealer_ids(dealer_ids: list[int]) -> set[int]:
    """Those of the dealers that take workshop bookings (one query)."""
    return set(
        WorkshopSettings.objects.filter(dealer_id__in=dealer_ids).values_list(
            "dealer_id", flat=True
        )
    )


def workshop_settings(dealer_id: int) -> WorkshopSettings | None:
    return WorkshopSettings.objects.filter(dealer_id=dealer_id).first()


def offered_options(terms: WorkshopSettings) -> list[str]:
    """The drop-off options this workshop offers (dropping the car off always)."""
    offered: dict[str, bool] = {
        Booking.Option.DROP_OFF.value: True,
        Booking.Option.WAIT.value: terms.offers_wait,
        Booking.Option.LOAN_CAR.value: terms.offers_loan_car,
        Booking.Option.PICKUP.value: terms.offers_pickup,
    }
    return [option for option, yes in offered.items() if yes]


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


# Head office's operations and the parts' prices change rarely and are read by every price and
# availability: each process keeps them CATALOGUE_TTL seconds (a price change shows within it).
CATALOGUE_TTL = 60.0
_catalogue: dict[tuple, tuple[float, object]] = {}


def catalogue_cache_clear() -> None:
    _catalogue.clear()


def _cached(key: tuple, load: Callable[[], object]) -> object:
    hit = _catalogue.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < CATALOGUE_TTL:
        return hit[1]
    value = load()
    _catalogue[key] = (now, value)
    return value


def _operations(is_electric: bool | None) -> dict[int, tuple[Operation, list[tuple[str, int]]]]:
    def load() -> dict[int, tuple[Operation, list[tuple[str, int]]]]:
        qs = Operation.objects.filter(is_active=True).prefetch_related("parts")
        if is_electric is False:
            qs = qs.filter(electric_only=False)
        return {op.pk: (op, [(n.part_kind, n.quantity) for n in op.parts.all()]) for op in qs}

    return _cached(("ops", is_electric), load)  # type: ignore[return-value]


def _part_for(kind: str, car: OwnedCar | None) -> tuple[str, str, int] | None:
    key = (
        "part",
        kind,
        car.car_model_id if car else None,
        car.powertrain if car else "",
        car.year if car else None,
    )

    def load() -> tuple[str, str, int] | None:
        part = cheapest_compatible_part(
            kind=kind,
            car_model_id=car.car_model_id if car else None,
            powertrain=car.powertrain if car else "",
            year=car.year if car else None,
        )
        return (part.reference, part.name, part.price_ht) if part else None

    return _cached(key, load)  # type: ignore[return-value]


def labour_price_ht(minutes: int, terms: WorkshopSettings) -> int:
    """Labour at the dealer's hourly rate HT less its promotion, rounded to the cent."""
    labour = minutes * terms.hourly_rate_ht * (100 - terms.labour_discount_pct)
    return (labour + 3000) // 6000  # minutes × cents/h × %: 60 × 100


def job_quote(
    *,
    car: OwnedCar | None,
    dealer_id: int,
    operation_ids: list[int],
    option: str = "",
    terms: WorkshopSettings | None = None,
) -> JobQuote:
    """The fixed price TTC for this car at this dealer, with its lines (labour at the dealer's
    rate less its promotion, then each part chosen by compatibility at its catalogue price)."""
    terms = terms or workshop_settings(dealer_id)
    if terms is None:
        raise ValidationError(_("Cette concession ne prend pas de rendez-vous atelier."))
    catalogue = _operations(None if car is None else car.is_electric)
    wanted = sorted(set(operation_ids))
    if not wanted or any(pk not in catalogue for pk in wanted):
        raise ValidationError(_("Choisissez au moins une prestation proposée pour ce véhicule."))
    ops = [catalogue[pk][0] for pk in wanted]
    lines: list[QuoteLine] = []
    for op in ops:
        lines.append(
            QuoteLine(
                label=_("%(op)s — main-d'œuvre") % {"op": op.name},
                quantity=1,
                amount_ht=labour_price_ht(op.labour_minutes, terms),
                operation_id=op.pk,
            )
        )
        for kind, quantity in catalogue[op.pk][1]:
            part = _part_for(kind, car)
            if part is not None:
                reference, name, price_ht = part
                lines.append(
                    QuoteLine(
                        label=f"{name} ({reference})",
                        quantity=quantity,
                        amount_ht=price_ht * quantity,
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
        return int(moment.timestamp() - self.origin.timestamp()) // 60

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


# Every row availability needs from the workshop's own tables, in one round trip (a UNION
# ALL of typed rows): closures, technicians with their hours, absences, bays, loan cars and the
# active claims of the window (first: its timestamp columns type the union on PostgreSQL).
# Columns: kind, id, number, text, start, end.
_CAPACITY_SQL = """
SELECT 'claim', 0, 0, c.resource, c.starts_at, c.ends_at FROM workshop_capacityclaim c
  JOIN workshop_booking b ON b.id = c.booking_id
 WHERE c.dealer_id = %(dealer)s AND c.starts_at < %(end)s AND c.ends_at > %(origin)s
   AND NOT (b.status = 'held' AND b.held_until < %(now)s)
UNION ALL
SELECT 'closure', 0, 0, CAST(day AS TEXT), NULL, NULL FROM workshop_closure
 WHERE dealer_id = %(dealer)s AND day >= %(first_day)s
UNION ALL
SELECT 'hours', t.id, h.weekday,
       (CASE WHEN t.mechanics THEN 'm' ELSE '' END) || (CASE WHEN t.body THEN 'b' ELSE '' END)
       || (CASE WHEN t.high_voltage THEN 'h' ELSE '' END) || '|' || CAST(h.starts AS TEXT)
       || '|' || CAST(h.ends AS TEXT), NULL, NULL
  FROM workshop_technicianhours h JOIN workshop_technician t ON t.id = h.technician_id
 WHERE t.dealer_id = %(dealer)s
UNION ALL
SELECT 'absence', a.technician_id, 0, '', a.starts_at, a.ends_at FROM workshop_absence a
  JOIN workshop_technician t ON t.id = a.technician_id
 WHERE t.dealer_id = %(dealer)s AND a.starts_at < %(end)s AND a.ends_at > %(origin)s
UNION ALL
SELECT 'bay', id, 0, kind, NULL, NULL FROM workshop_bay WHERE dealer_id = %(dealer)s
UNION ALL
SELECT 'loan', id, 0, '', NULL, NULL FROM workshop_loancar WHERE dealer_id = %(dealer)s
"""
_SKILL_LETTERS = {"m": "mechanics", "b": "body", "h": "high_voltage"}


def _as_datetime(value: object) -> dt.datetime:
    """A timestamp from a raw row: aware from PostgreSQL, UTC text from SQLite."""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def dealer_capacity(
    *,
    dealer_id: int,
    first_day: dt.date,
    days: int = WINDOW_DAYS,
    now: dt.datetime | None = None,
    terms: WorkshopSettings | None = None,
) -> Capacity:
    """Everything availability needs in three round trips whatever the number of bookings: the
    dealer and its opening hours (dealers' selector), then the workshop's rows (one query)."""
    now = now or timezone.now()
    origin = dt.datetime.combine(first_day, dt.time(0), tzinfo=PARIS)
    end = dt.datetime.combine(first_day + dt.timedelta(days=days), dt.time(0), tzinfo=PARIS)
    terms = terms or workshop_settings(dealer_id)
    step = terms.slot_step_minutes if terms else 30
    cap = Capacity(origin=origin, step=step, openings=[], technicians={}, bays={}, loan_cars={})

    periods: dict[int, list[tuple[dt.time, dt.time]]] = defaultdict(list)
    for period in dealer_opening_periods(dealer_id):
        periods[period.weekday].append((period.opens_at, period.closes_at))

    closed: set[dt.date] = set()
    hours: dict[int, dict[int, list[tuple[dt.time, dt.time]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    skills: dict[int, frozenset[str]] = {}
    absences: dict[int, list[capacity.Interval]] = defaultdict(list)
    busy: dict[str, list[capacity.Interval]] = defaultdict(list)
    bay_kinds: dict[int, str] = {}
    loan_ids: list[int] = []
    params: dict[str, int | dt.date] = {
        "dealer": dealer_id,
        "first_day": first_day,
        "origin": origin,
        "end": end,
        "now": now,
    }
    with connection.cursor() as cursor:
        cursor.execute(_CAPACITY_SQL, params)
        rows = cursor.fetchall()
    for kind, row_id, number, text, start, stop in rows:
        if kind == "closure":
            closed.add(dt.date.fromisoformat(str(text)[:10]))
        elif kind == "hours":
            letters, starts, ends = str(text).split("|")
            skills[row_id] = frozenset(_SKILL_LETTERS[ch] for ch in letters)
            hours[row_id][number].append(
                (dt.time.fromisoformat(starts), dt.time.fromisoformat(ends))
            )
        elif kind == "absence":
            absences[row_id].append(
                (cap.minute(_as_datetime(start)), cap.minute(_as_datetime(stop)))
            )
        elif kind == "bay":
            bay_kinds[row_id] = str(text)
        elif kind == "loan":
            loan_ids.append(row_id)
        else:
            busy[str(text)].append(
                (cap.minute(_as_datetime(start)), cap.minute(_as_datetime(stop)))
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
    # Nothing starts before now + MIN_LEAD, rounded up to the next whole minute: the hold checks
    # the exact instant, so 8:50 must not be offered at 6:50:30. Only the resources are cut; the
    # grid keeps the openings' own times (9:00, 9:15…), not times counted from the cut.
    earliest = math.ceil((now + MIN_LEAD - cap.origin).total_seconds() / 60)
    bookable = capacity.subtract(cap.openings, [(0, earliest)])

    for tech_id, tech_skills in skills.items():
        working = sorted(
            (cap.minute(a), cap.minute(b))
            for day in open_days
            for start, stop in hours[tech_id].get(day.weekday(), [])
            for a, b in [_day_bounds(day, start, stop)]
        )
        available = [(a, b) for a, b in capacity.intersect(bookable, working) if a < b]
        available = capacity.subtract(available, absences[tech_id])
        cap.technicians[tech_id] = (
            tech_skills,
            capacity.subtract(available, busy[f"tech:{tech_id}"]),
        )
    for bay_id, kind in bay_kinds.items():
        cap.bays[bay_id] = (kind, capacity.subtract(bookable, busy[f"bay:{bay_id}"]))
    for loan_id in loan_ids:
        cap.loan_cars[loan_id] = capacity.subtract(bookable, busy[f"loan:{loan_id}"])
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
    terms = workshop_settings(dealer_id)
    quote = job_quote(
        car=car, dealer_id=dealer_id, operation_ids=operation_ids, option=option, terms=terms
    )
    first_day = first_day or timezone.localtime(now, PARIS).date()
    cap = dealer_capacity(dealer_id=dealer_id, first_day=first_day, days=days, now=now, terms=terms)
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


def dealer_technicians(*, dealer_id: int) -> QuerySet[Technician]:
    return Technician.objects.filter(dealer_id=dealer_id).order_by("name")


def dealer_bays(*, dealer_id: int) -> QuerySet[Bay]:
    return Bay.objects.filter(dealer_id=dealer_id).order_by("name")


@dataclass(frozen=True, slots=True)
class PlanningRow:
    resource: str
    label: str
    bookings: list[Booking]


def dealer_planning(*, dealer_id: int, first_day: dt.date, days: int = 1) -> list[PlanningRow]:
    """The dealer's jobs from ``first_day`` for ``days`` days, one row per technician then bay;
    ``email_failed`` on a booking: one of its e-mails could not be sent."""
    start = dt.datetime.combine(first_day, dt.time(0), tzinfo=PARIS)
    end = start + dt.timedelta(days=days)
    bookings = list(
        Booking.objects.filter(dealer_id=dealer_id, starts_at__lt=end, ends_at__gt=start)
        .exclude(status__in=[Booking.Status.CANCELLED, Booking.Status.EXPIRED])
        .filter(~Q(status=Booking.Status.HELD) | Q(held_until__gte=timezone.now()))
        .select_related("car", "technician", "bay", "loan_car")
        .annotate(
            email_failed=Exists(
                BookingEvent.objects.filter(
                    booking=OuterRef("pk"), status=BookingEvent.EMAIL_FAILED
                )
            )
        )
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


def booking_part_choices(booking: Booking, *, query: str = "") -> list[PartHit]:
    """Parts and accessories the owner can add to this booking: those that fit the car and
    that the dealer has in stock."""
    car = booking.car
    hits = search_parts(
        query=query,
        car_model_id=car.car_model_id if car else None,
        powertrain=car.powertrain if car else "",
        year=car.year if car else None,
        dealer_id=booking.dealer_id,
        limit=200,
    )
    return [hit for hit in hits if hit.in_stock]


def booking_photo(*, booking: Booking, photo_id: int) -> BookingPhoto | None:
    """One photo of a booking the caller was already allowed to see."""
    return BookingPhoto.objects.filter(booking=booking, pk=photo_id).first()


def booking_token(booking: Booking) -> str:
    """The signed token of the cancel / reschedule link (no sign-in needed)."""
    return signing.dumps(booking.number, salt=SIGNING_SALT)


def booking_from_token(token: str) -> Booking | None:
    try:
        number = signing.loads(token, salt=SIGNING_SALT)
    except signing.BadSignature:
        return None
    return Booking.objects.filter(number=number).select_related("dealer").first()


# --- The job as stages (the site's timeline component, as a car being built is followed) ------
_JOB_STAGES = (
    Booking.Status.CONFIRMED,
    Booking.Status.RECEIVED,
    Booking.Status.DIAGNOSIS,
    Booking.Status.EXTRA_PROPOSED,
    Booking.Status.IN_PROGRESS,
    Booking.Status.READY,
    Booking.Status.COLLECTED,
)


def booking_stages(booking: Booking, *, photo_url: Callable[[int], str]) -> list[Stage]:
    """Each stage of the job with the time it was reached, the current one marked, and the
    workshop's photos on the stage during which they were taken (the owner's own, sent before
    the visit, stay beside the form that sent them). A stage the job went past without (no
    diagnosis, no extra work) is left out."""
    reached: dict[str, dt.datetime] = {}
    for event in booking.events.order_by("created_at", "pk"):
        reached.setdefault(event.status, event.created_at)
    last = max((i for i, status in enumerate(_JOB_STAGES) if status in reached), default=0)
    statuses = [
        status
        for i, status in enumerate(_JOB_STAGES)
        if status in reached or (i > last and status != Booking.Status.EXTRA_PROPOSED)
    ]
    photos: dict[str, list[StagePhoto]] = defaultdict(list)
    for photo in booking.photos.filter(by_owner=False).order_by("created_at", "pk"):
        taken_during = [s for s in statuses if s in reached and reached[s] <= photo.created_at]
        stage = taken_during[-1] if taken_during else statuses[0]
        photos[stage].append(StagePhoto(photo_url(photo.pk), photo.caption))
    return [
        Stage(
            str(Booking.Status(status).label),
            "current" if status == booking.status else "done" if status in reached else "upcoming",
            reached.get(status),
            photos=tuple(photos[status]),
        )
        for status in statuses
    ]

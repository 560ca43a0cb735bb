"""Writes on the workshop: the garage, bookings (capacity claimed under the database's rule),
statuses, extra-work quotes.

Lock order and the "no double booking" rule: a booking inserts one ``CapacityClaim`` per
resource (technician, bay, loan car) inside one transaction. On PostgreSQL the exclusion
constraint ``workshop_claim_no_overlap`` refuses an overlapping claim (IntegrityError, caught in
a savepoint: the next candidate resource is tried); on SQLite every write transaction is
``BEGIN IMMEDIATE`` (settings), so the overlap check and the insert run serialised."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import cast

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from autovitrine.catalog.selectors import stock_form_versions
from autovitrine.core.images import image_reencode
from autovitrine.core.mail import email_failure_note
from autovitrine.core.vin import validate_vin
from autovitrine.orders.selectors import customer_orders
from autovitrine.parts.selectors import part_by_reference, part_fits
from autovitrine.parts.services import reservation_create, reservations_for_booking_close

from .models import (
    Bay,
    Booking,
    BookingEvent,
    BookingLine,
    BookingPhoto,
    CapacityClaim,
    ExtraWorkQuote,
    OwnedCar,
    Technician,
    WorkshopSettings,
)
from .selectors import (  # noqa: F401 — re-exported
    HOLD_MINUTES,
    MIN_LEAD,
    PARIS,
    booking_from_token,
    booking_token,
    dealer_capacity,
    job_quote,
    labour_price_ht,
    offered_options,
    round_up,
    validate_plate,
    workshop_settings,
)


class SlotTaken(ValidationError):
    """No technician, bay or loan car is free any more for that time."""


class InvalidTransition(ValidationError):
    pass


# --- The garage ----------------------------------------------------------------------------------
def garage_add_car(
    *,
    owner_id: int,
    year: int,
    mileage_km: int = 0,
    plate: str = "",
    vin: str = "",
    car_model_id: int | None = None,
    version_id: int | None = None,
    label: str = "",
    last_service_on: dt.date | None = None,
    last_service_km: int | None = None,
) -> OwnedCar:
    """Add a car by plate, VIN or catalogue model/version (at least one); validated first."""
    today = timezone.localdate()
    if not 1950 <= year <= today.year + 1:
        raise ValidationError(_("Année invalide."), code="invalid_year")
    plate = validate_plate(plate) if plate else ""
    vin = validate_vin(vin) if vin else ""
    if not (plate or vin or car_model_id or version_id):
        raise ValidationError(
            _("Indiquez l'immatriculation, le VIN ou le modèle du véhicule."), code="missing_car"
        )
    powertrain = ""
    is_electric = False
    if version_id is not None:
        version = stock_form_versions().filter(pk=version_id).first()
        if version is None:
            raise ValidationError(_("Version inconnue."), code="unknown_version")
        car_model_id = version.car_model_id
        powertrain = version.powertrain
        is_electric = version.energy == "electric"
        label = label or f"{version.car_model.brand.name} {version.car_model.name} {version.trim}"
    if not label:
        label = plate or vin
    if OwnedCar.objects.filter(owner_id=owner_id, plate=plate).exclude(plate="").exists():
        raise ValidationError(_("Ce véhicule est déjà dans votre garage."), code="duplicate")
    source = (
        OwnedCar.Source.PLATE if plate else OwnedCar.Source.VIN if vin else OwnedCar.Source.MANUAL
    )
    return OwnedCar.objects.create(
        owner_id=owner_id,
        source=source,
        plate=plate,
        vin=vin,
        car_model_id=car_model_id,
        version_id=version_id,
        label=label[:160],
        powertrain=powertrain,
        is_electric=is_electric,
        year=year,
        mileage_km=mileage_km,
        last_service_on=last_service_on,
        last_service_km=last_service_km,
    )


def garage_sync_orders(*, owner_id: int) -> int:
    """Put in the garage every car the owner took delivery of on the platform (idempotent)."""
    known = set(
        OwnedCar.objects.filter(owner_id=owner_id)
        .exclude(order_number="")
        .values_list("order_number", flat=True)
    )
    added = 0
    for order in customer_orders(customer_id=owner_id).filter(status="delivered"):
        vehicle = order.stock_vehicle
        if order.number in known or vehicle is None:
            continue
        version = vehicle.version
        OwnedCar.objects.create(
            owner_id=owner_id,
            source=OwnedCar.Source.ORDER,
            order_number=order.number,
            vin=vehicle.vin,
            car_model_id=version.car_model_id if version else None,
            version_id=version.pk if version else None,
            label=str(vehicle)[:160],
            powertrain=version.powertrain if version else "",
            is_electric=bool(version and version.energy == "electric"),
            year=vehicle.year or timezone.localdate().year,
            mileage_km=getattr(vehicle, "mileage_km", 0) or 0,
            selling_dealer_id=order.dealer_id,
        )
        added += 1
    return added


def car_update(
    *,
    car: OwnedCar,
    mileage_km: int,
    last_service_on: dt.date | None = None,
    last_service_km: int | None = None,
) -> OwnedCar:
    if mileage_km < 0 or mileage_km > 2_000_000:
        raise ValidationError(_("Kilométrage invalide."), code="invalid_mileage")
    car.mileage_km = mileage_km
    car.last_service_on = last_service_on or car.last_service_on
    car.last_service_km = last_service_km if last_service_km is not None else car.last_service_km
    car.save(update_fields=["mileage_km", "last_service_on", "last_service_km", "updated_at"])
    return car


# --- Bookings ------------------------------------------------------------------------------------
def _number() -> str:
    return "AT" + secrets.token_hex(5).upper()


def _event(booking: Booking, note: str = "") -> None:
    BookingEvent.objects.create(booking=booking, status=booking.status, note=note[:300])


def _release_expired_holds(*, dealer_id: int, now: dt.datetime) -> None:
    expired = list(
        Booking.objects.filter(
            dealer_id=dealer_id, status=Booking.Status.HELD, held_until__lt=now
        ).values_list("pk", flat=True)
    )
    if expired:
        CapacityClaim.objects.filter(booking_id__in=expired).delete()
        Booking.objects.filter(pk__in=expired).update(status=Booking.Status.EXPIRED)


@dataclass(frozen=True, slots=True)
class _Job:
    starts_at: dt.datetime
    ends_at: dt.datetime
    technician: Technician
    bay_id: int
    loan_car_id: int | None


def _claim(booking: Booking, resource: str, start: dt.datetime, end: dt.datetime) -> bool:
    """Insert one claim; False when the database refuses the overlap (PostgreSQL)."""
    if CapacityClaim.objects.filter(
        resource=resource, starts_at__lt=end, ends_at__gt=start
    ).exists():
        return False
    try:
        with transaction.atomic():
            CapacityClaim.objects.create(
                booking=booking,
                dealer_id=booking.dealer_id,
                resource=resource,
                starts_at=start,
                ends_at=end,
            )
    except IntegrityError:
        return False
    return True


def _claim_capacity(
    booking: Booking,
    *,
    start: dt.datetime,
    minutes: int,
    skills: frozenset[str],
    bay_kind: str,
    loan_car: bool,
    now: dt.datetime,
    check_hours: bool = True,
) -> None:
    """Claim one qualified technician, one bay of the kind and a loan car if asked, all free
    over ``[start, start + minutes)``; SlotTaken if any is missing."""
    end = start + dt.timedelta(minutes=minutes)
    day = timezone.localtime(start, PARIS).date()
    cap = dealer_capacity(dealer_id=booking.dealer_id, first_day=day, days=1, now=now)
    minute = cap.minute(start)
    taken = _("Ce créneau vient d'être pris : choisissez-en un autre.")

    def fits(free: list[tuple[int, int]]) -> bool:
        return not check_hours or any(a <= minute and minute + minutes <= b for a, b in free)

    techs = [pk for pk, (tech_skills, free) in cap.technicians.items() if skills <= tech_skills]
    bays = [pk for pk, (kind, free) in cap.bays.items() if kind == bay_kind]
    # Candidates in id order: concurrent clients contend for the same row first.
    tech_id = next(
        (
            pk
            for pk in sorted(techs)
            if fits(cap.technicians[pk][1]) and _claim(booking, f"tech:{pk}", start, end)
        ),
        None,
    )
    if tech_id is None:
        raise SlotTaken(taken, code="slot_taken")
    bay_id = next(
        (
            pk
            for pk in sorted(bays)
            if fits(cap.bays[pk][1]) and _claim(booking, f"bay:{pk}", start, end)
        ),
        None,
    )
    if bay_id is None:
        raise SlotTaken(taken, code="slot_taken")
    loan_id = None
    if loan_car:
        loan_id = next(
            (
                pk
                for pk in sorted(cap.loan_cars)
                if fits(cap.loan_cars[pk]) and _claim(booking, f"loan:{pk}", start, end)
            ),
            None,
        )
        if loan_id is None:
            raise SlotTaken(_("Plus de véhicule de prêt libre à cette date."), code="no_loan_car")
    booking.technician_id = tech_id
    booking.bay_id = bay_id
    booking.loan_car_id = loan_id
    booking.starts_at = start
    booking.ends_at = end


def _extension_blocker(booking: Booking, minutes: int) -> str:
    """Who is not free to lengthen the job by ``minutes`` right after its reserved end (its
    technician, its bay, its loan car, within their hours that day): a name, or "" when all are."""
    end = booking.ends_at
    cap = dealer_capacity(
        dealer_id=booking.dealer_id,
        first_day=timezone.localtime(end, PARIS).date(),
        days=1,
        # Openings from the job's end, even when that is within the usual 2 h lead time.
        now=end - MIN_LEAD,
    )
    start = cap.minute(end)

    def free(intervals: list[tuple[int, int]]) -> bool:
        return any(a <= start and start + minutes <= b for a, b in intervals)

    tech = cap.technicians.get(booking.technician_id)
    if tech is None or not free(tech[1]):
        return booking.technician.name
    bay = cap.bays.get(booking.bay_id)
    if bay is None or not free(bay[1]):
        return booking.bay.name
    if booking.loan_car_id and not free(cap.loan_cars.get(booking.loan_car_id, [])):
        return _("le véhicule de prêt")
    return ""


def _extend_job(booking: Booking, minutes: int) -> None:
    """Lengthen a locked job's reserved time: its claims end later, under the same database
    rule as any claim (PostgreSQL's exclusion constraint checks the UPDATE)."""
    new_end = booking.ends_at + dt.timedelta(minutes=minutes)
    try:
        with transaction.atomic():
            CapacityClaim.objects.filter(booking=booking, ends_at=booking.ends_at).update(
                ends_at=new_end
            )
    except IntegrityError:
        raise SlotTaken(_("Le planning vient de changer : réessayez."), code="slot_taken") from None
    booking.ends_at = new_end
    booking.save(update_fields=["ends_at", "updated_at"])


def _shrink_job(booking: Booking, minutes: int) -> None:
    """Give back time reserved for work the owner refused (never below the job's start)."""
    if minutes <= 0:
        return
    new_end = max(
        booking.ends_at - dt.timedelta(minutes=minutes),
        booking.starts_at + dt.timedelta(minutes=1),
    )
    CapacityClaim.objects.filter(booking=booking, ends_at=booking.ends_at).update(ends_at=new_end)
    booking.ends_at = new_end
    booking.save(update_fields=["ends_at", "updated_at"])


def _hhmm(moment: dt.datetime) -> str:
    return timezone.localtime(moment, PARIS).strftime("%d/%m %H:%M")


def booking_hold(
    *,
    customer_id: int | None,
    dealer_id: int,
    operation_ids: list[int],
    starts_at: dt.datetime,
    option: str = Booking.Option.DROP_OFF,
    car: OwnedCar | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Hold a drop-off slot for 5 minutes: the capacity is claimed now, released if the owner
    does not confirm (``bookings_expire_holds``)."""
    now = now or timezone.now()
    terms = workshop_settings(dealer_id)
    if terms is None:
        raise ValidationError(_("Cette concession ne prend pas de rendez-vous atelier."))
    if option not in Booking.Option.values:
        raise ValidationError(_("Option inconnue."), code="invalid_option")
    if option not in offered_options(terms):
        raise ValidationError(
            _("Cette concession ne propose pas cette option."), code="option_unavailable"
        )
    if car is not None and car.owner_id != customer_id:
        raise ValidationError(_("Véhicule inconnu."), code="unknown_car")
    if starts_at < now + MIN_LEAD:
        raise SlotTaken(_("Ce créneau est trop proche ou passé."), code="slot_too_soon")
    quote = job_quote(car=car, dealer_id=dealer_id, operation_ids=operation_ids, option=option)
    minutes = round_up(quote.minutes, terms.slot_step_minutes)
    if option == Booking.Option.WAIT and minutes > terms.wait_max_minutes:
        raise ValidationError(
            _("Ces travaux sont trop longs pour attendre sur place."), code="too_long_to_wait"
        )
    with transaction.atomic():
        _release_expired_holds(dealer_id=dealer_id, now=now)
        booking = Booking(
            number=_number(),
            dealer_id=dealer_id,
            car=car,
            customer_id=customer_id,
            status=Booking.Status.HELD,
            option=option,
            held_until=now + dt.timedelta(minutes=HOLD_MINUTES),
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=minutes),
            total_ht=quote.price.ht,
            total_vat=quote.price.vat,
        )
        # The claims need the booking's id; technician/bay are set before the row is final.
        technician = Technician.objects.filter(dealer_id=dealer_id).order_by("pk").first()
        bay = Bay.objects.filter(dealer_id=dealer_id).order_by("pk").first()
        if technician is None or bay is None:
            raise SlotTaken(_("Cet atelier n'a pas de capacité."), code="slot_taken")
        booking.technician = technician
        booking.bay = bay
        booking.save()
        _claim_capacity(
            booking,
            start=starts_at,
            minutes=minutes,
            skills=quote.skills,
            bay_kind=quote.bay_kind,
            loan_car=option == Booking.Option.LOAN_CAR,
            now=now,
        )
        booking.save(update_fields=["technician", "bay", "loan_car", "starts_at", "ends_at"])
        BookingLine.objects.bulk_create(
            BookingLine(
                booking=booking,
                operation_id=line.operation_id,
                label=line.label[:160],
                quantity=line.quantity,
                amount_ht=line.amount_ht,
            )
            for line in quote.lines
        )
        _event(booking)
    return booking


def _transition(booking: Booking, target: str, note: str = "") -> Booking:
    locked = Booking.objects.select_for_update().get(pk=booking.pk)
    if not Booking.TRANSITIONS.allows(locked.status, target):
        raise InvalidTransition(
            _("Ce changement de statut n'est pas possible maintenant."), code="invalid_transition"
        )
    locked.status = target
    locked.save(update_fields=["status", "updated_at"])
    if target in (Booking.Status.CANCELLED, Booking.Status.EXPIRED, Booking.Status.READY):
        CapacityClaim.objects.filter(booking=locked).delete()
    if target in (Booking.Status.CANCELLED, Booking.Status.COLLECTED):
        # Parts held for the job: back on the shelf, or fitted and handed over with the car.
        reservations_for_booking_close(
            booking_number=locked.number, fitted=target == Booking.Status.COLLECTED
        )
    _event(locked, note)
    booking.status = target
    return locked


def booking_confirm(*, booking: Booking, now: dt.datetime | None = None) -> Booking:
    """Confirm a held slot (within its 5 minutes); the e-mail with the .ics leaves after commit."""
    now = now or timezone.now()
    if booking.status == Booking.Status.HELD and booking.held_until and booking.held_until < now:
        with transaction.atomic():
            _transition(booking, Booking.Status.EXPIRED)
        raise SlotTaken(
            _("Le créneau n'a été gardé que 5 minutes : choisissez-le à nouveau."),
            code="hold_expired",
        )
    with transaction.atomic():
        confirmed = _transition(booking, Booking.Status.CONFIRMED)
        Booking.objects.filter(pk=booking.pk).update(held_until=None)
        from .tasks import booking_send_confirmation  # noqa: PLC0415

        transaction.on_commit(lambda: booking_send_confirmation.enqueue(confirmed.pk))
    return confirmed


def cancel_deadline(booking: Booking) -> dt.datetime:
    terms = workshop_settings(booking.dealer_id)
    hours = terms.cancel_deadline_hours if terms else 24
    return booking.starts_at - dt.timedelta(hours=hours)


def booking_cancel(*, booking: Booking, now: dt.datetime | None = None) -> Booking:
    now = now or timezone.now()
    if booking.status == Booking.Status.CONFIRMED and now > cancel_deadline(booking):
        raise ValidationError(
            _("Le délai d'annulation en ligne est dépassé : appelez la concession."),
            code="deadline_passed",
        )
    with transaction.atomic():
        return _transition(booking, Booking.Status.CANCELLED)


def booking_reschedule(
    *, booking: Booking, starts_at: dt.datetime, now: dt.datetime | None = None
) -> Booking:
    """Move a confirmed booking to another start: old claims go, new ones are claimed, in one
    transaction (the old slot is kept if the new one is taken)."""
    now = now or timezone.now()
    if booking.status != Booking.Status.CONFIRMED or now > cancel_deadline(booking):
        raise ValidationError(
            _("Ce rendez-vous ne peut plus être déplacé en ligne."), code="deadline_passed"
        )
    if starts_at < now + MIN_LEAD:
        raise SlotTaken(_("Ce créneau est trop proche ou passé."), code="slot_too_soon")
    ops = list(booking.lines.exclude(operation=None).values_list("operation_id", flat=True))
    quote = job_quote(car=booking.car, dealer_id=booking.dealer_id, operation_ids=sorted(set(ops)))
    minutes = int((booking.ends_at - booking.starts_at).total_seconds() // 60)
    with transaction.atomic():
        _release_expired_holds(dealer_id=booking.dealer_id, now=now)
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        CapacityClaim.objects.filter(booking=locked).delete()
        _claim_capacity(
            locked,
            start=starts_at,
            minutes=minutes,
            skills=quote.skills,
            bay_kind=quote.bay_kind,
            loan_car=locked.option == Booking.Option.LOAN_CAR,
            now=now,
        )
        locked.save(update_fields=["technician", "bay", "loan_car", "starts_at", "ends_at"])
        _event(locked, _("Rendez-vous déplacé"))
        locked.reminder_sent_at = None
        locked.save(update_fields=["reminder_sent_at"])
    return locked


def walk_in_create(
    *,
    dealer_id: int,
    label: str,
    operation_ids: list[int],
    starts_at: dt.datetime,
    now: dt.datetime | None = None,
) -> Booking:
    """A job entered by the workshop (no appointment): it takes capacity like an online one."""
    now = now or timezone.now()
    quote = job_quote(car=None, dealer_id=dealer_id, operation_ids=operation_ids)
    terms = workshop_settings(dealer_id)
    minutes = round_up(quote.minutes, terms.slot_step_minutes if terms else 30)
    with transaction.atomic():
        _release_expired_holds(dealer_id=dealer_id, now=now)
        booking = Booking(
            number=_number(),
            dealer_id=dealer_id,
            is_walk_in=True,
            walk_in_label=label[:120],
            status=Booking.Status.RECEIVED,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=minutes),
            technician=Technician.objects.filter(dealer_id=dealer_id).order_by("pk").first(),
            bay=Bay.objects.filter(dealer_id=dealer_id).order_by("pk").first(),
            total_ht=quote.price.ht,
            total_vat=quote.price.vat,
        )
        if booking.technician is None or booking.bay is None:
            raise SlotTaken(_("Cet atelier n'a pas de capacité."), code="slot_taken")
        booking.save()
        _claim_capacity(
            booking,
            start=starts_at,
            minutes=minutes,
            skills=quote.skills,
            bay_kind=quote.bay_kind,
            loan_car=False,
            now=now - MIN_LEAD,
        )
        booking.save(update_fields=["technician", "bay", "loan_car", "starts_at", "ends_at"])
        BookingLine.objects.bulk_create(
            BookingLine(
                booking=booking,
                operation_id=line.operation_id,
                label=line.label[:160],
                quantity=line.quantity,
                amount_ht=line.amount_ht,
            )
            for line in quote.lines
        )
        _event(booking, _("Sans rendez-vous"))
    return booking


def booking_check_in(
    *,
    booking: Booking,
    mileage_km: int,
    notes: str,
    signed_by: str,
    signature: bytes | None = None,
) -> Booking:
    """Reception at the workshop: mileage, damage notes, the owner's name and, drawn with a
    finger on the tablet, their signature (a PNG, re-encoded, stored privately)."""
    if not signed_by.strip():
        raise ValidationError(_("La signature du client est requise."), code="signature_missing")
    drawing = None
    if signature:
        from django.core.files.base import ContentFile  # noqa: PLC0415

        drawing = image_reencode(
            ContentFile(signature, name="signature.png"), allowed_formats={"PNG"}, name="s.png"
        )
    with transaction.atomic():
        locked = _transition(booking, Booking.Status.RECEIVED)
        locked.checkin_mileage_km = mileage_km
        locked.checkin_notes = notes[:2000]
        locked.checkin_signed_by = signed_by.strip()[:120]
        if drawing is not None:
            locked.checkin_signature.save(
                f"{locked.number}-{secrets.token_hex(4)}.png", drawing, save=False
            )
        locked.save(
            update_fields=[
                "checkin_mileage_km",
                "checkin_notes",
                "checkin_signed_by",
                "checkin_signature",
            ]
        )
        if locked.car_id and mileage_km:
            OwnedCar.objects.filter(pk=locked.car_id, mileage_km__lt=mileage_km).update(
                mileage_km=mileage_km
            )
    return locked


def booking_set_status(*, booking: Booking, status: str) -> Booking:
    with transaction.atomic():
        locked = _transition(booking, status)
        # The job enters the service history; a maintenance resets the schedule.
        if (
            status == Booking.Status.COLLECTED
            and locked.car_id
            and locked.lines.filter(operation__kind="maintenance").exists()
        ):
            OwnedCar.objects.filter(pk=locked.car_id).update(
                last_service_on=timezone.localdate(),
                # The guard above: the booking has a car.
                last_service_km=locked.checkin_mileage_km or cast(OwnedCar, locked.car).mileage_km,
            )
    return locked


# Extra work proposed during a job: at most this long (a longer job is a new booking).
MAX_EXTRA_MINUTES = 480


def quote_propose(
    *, booking: Booking, description: str, amount_ht: int, labour_minutes: int = 0
) -> ExtraWorkQuote:
    """Propose extra work; the owner is e-mailed the link to answer it after commit. On a
    confirmed booking (the car not yet in) it is an estimate from the owner's photos, e.g.
    bodywork: the booking stays confirmed while the owner answers.

    Its time (rounded up to the slot step) is reserved at once right after the job: the
    technician, bay and loan car must be free then, within their hours, or nothing is proposed
    and the dealer is told who is not free; a refusal gives the time back."""
    if amount_ht <= 0 or not description.strip():
        raise ValidationError(_("Décrivez les travaux et leur montant."), code="invalid_quote")
    if not 0 <= labour_minutes <= MAX_EXTRA_MINUTES:
        raise ValidationError(
            _("Temps de travail invalide (%(max)d min au plus).") % {"max": MAX_EXTRA_MINUTES},
            code="invalid_quote",
        )
    terms = workshop_settings(booking.dealer_id)
    minutes = round_up(labour_minutes, terms.slot_step_minutes if terms else 30)
    with transaction.atomic():
        _release_expired_holds(dealer_id=booking.dealer_id, now=timezone.now())
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        if locked.status == Booking.Status.CONFIRMED:
            if locked.quotes.filter(status=ExtraWorkQuote.Status.PROPOSED).exists():
                raise InvalidTransition(
                    _("Un devis attend déjà la réponse du client."), code="quote_pending"
                )
            _event(locked, _("Devis sur photos envoyé"))
        else:
            # On the locked copy: a refusal below rolls back, the caller's row stays as it was.
            _transition(locked, Booking.Status.EXTRA_PROPOSED)
        if minutes:
            blocker = _extension_blocker(locked, minutes)
            if blocker:
                raise SlotTaken(
                    _(
                        "Ces travaux (%(m)d min) ne tiennent pas dans le planning : %(who)s "
                        "n'est pas libre de %(start)s à %(end)s. Réaffectez le travail à un "
                        "technicien et un poste libres, ou proposez ces travaux pour un autre "
                        "rendez-vous."
                    )
                    % {
                        "m": minutes,
                        "who": blocker,
                        "start": _hhmm(locked.ends_at),
                        "end": _hhmm(locked.ends_at + dt.timedelta(minutes=minutes)),
                    },
                    code="extra_does_not_fit",
                )
            _extend_job(locked, minutes)
            _event(locked, _("Temps réservé jusqu'au %(end)s") % {"end": _hhmm(locked.ends_at)})
        quote = ExtraWorkQuote.objects.create(
            booking=booking,
            description=description.strip()[:200],
            amount_ht=amount_ht,
            labour_minutes=minutes,
        )
        from .tasks import quote_send_to_owner  # noqa: PLC0415

        transaction.on_commit(lambda: quote_send_to_owner.enqueue(quote.pk))
    booking.status, booking.ends_at = locked.status, locked.ends_at
    return quote


def quote_answer(*, quote: ExtraWorkQuote, accept: bool) -> ExtraWorkQuote:
    """The owner accepts (the work joins the job and its price) or refuses; then work goes on."""
    from autovitrine.core.money import vat_of_line  # noqa: PLC0415

    with transaction.atomic():
        moved = ExtraWorkQuote.objects.filter(
            pk=quote.pk, status=ExtraWorkQuote.Status.PROPOSED
        ).update(
            status=ExtraWorkQuote.Status.ACCEPTED if accept else ExtraWorkQuote.Status.REFUSED,
            answered_at=timezone.now(),
        )
        if not moved:
            raise InvalidTransition(_("Ce devis a déjà reçu une réponse."), code="already_answered")
        quote.refresh_from_db()
        booking = Booking.objects.select_for_update().get(pk=quote.booking_id)
        if accept:
            BookingLine.objects.create(
                booking=booking, label=quote.description, amount_ht=quote.amount_ht, is_extra=True
            )
            booking.total_ht += quote.amount_ht
            booking.total_vat += vat_of_line(quote.amount_ht)
            booking.save(update_fields=["total_ht", "total_vat"])
        else:
            _shrink_job(booking, quote.labour_minutes)
        if booking.status == Booking.Status.CONFIRMED:
            # An estimate before the visit: the job keeps its slot, the work joins it.
            _event(booking, _("Devis accepté") if accept else _("Devis refusé"))
        else:
            _transition(booking, Booking.Status.IN_PROGRESS)
    return quote


def bookings_expire_holds(*, now: dt.datetime | None = None) -> int:
    """Release every hold older than 5 minutes (scheduled)."""
    now = now or timezone.now()
    count = 0
    for dealer_id in set(
        Booking.objects.filter(status=Booking.Status.HELD, held_until__lt=now).values_list(
            "dealer_id", flat=True
        )
    ):
        with transaction.atomic():
            before = Booking.objects.filter(status=Booking.Status.EXPIRED).count()
            _release_expired_holds(dealer_id=dealer_id, now=now)
            count += Booking.objects.filter(status=Booking.Status.EXPIRED).count() - before
    return count


def bookings_send_reminders(*, now: dt.datetime | None = None) -> int:
    """E-mail every confirmed booking starting within 48 h, once (scheduled)."""
    from .tasks import booking_send_reminder  # noqa: PLC0415

    now = now or timezone.now()
    due = list(
        Booking.objects.filter(
            status=Booking.Status.CONFIRMED,
            reminder_sent_at__isnull=True,
            starts_at__gt=now,
            starts_at__lte=now + dt.timedelta(hours=48),
        ).values_list("pk", flat=True)
    )
    for pk in due:
        if Booking.objects.filter(pk=pk, reminder_sent_at__isnull=True).update(
            reminder_sent_at=now
        ):
            booking_send_reminder.enqueue(pk)
    return len(due)


def booking_reassign(*, booking: Booking, technician_id: int, bay_id: int) -> Booking:
    """Move a job to another technician and bay of the same workshop (the planning's form):
    the new claims go through the same database rule; on refusal nothing changes."""
    ops = sorted(set(booking.lines.exclude(operation=None).values_list("operation_id", flat=True)))
    quote = job_quote(car=booking.car, dealer_id=booking.dealer_id, operation_ids=ops)
    technician = Technician.objects.filter(pk=technician_id, dealer_id=booking.dealer_id).first()
    bay = Bay.objects.filter(pk=bay_id, dealer_id=booking.dealer_id).first()
    if technician is None or bay is None:
        raise ValidationError(_("Technicien ou poste inconnu."), code="unknown_resource")
    if not quote.skills <= technician.skills or bay.kind != quote.bay_kind:
        raise ValidationError(
            _("Ce technicien ou ce poste ne convient pas à ces travaux."), code="unsuitable"
        )
    taken = _("Ce technicien ou ce poste est déjà pris sur ce créneau.")
    with transaction.atomic():
        _release_expired_holds(dealer_id=booking.dealer_id, now=timezone.now())
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        if locked.status not in Booking.ACTIVE:
            raise InvalidTransition(_("Ce travail n'occupe plus l'atelier."), code="not_active")
        CapacityClaim.objects.filter(
            booking=locked, resource__in=[f"tech:{locked.technician_id}", f"bay:{locked.bay_id}"]
        ).delete()
        for resource in (f"tech:{technician.pk}", f"bay:{bay.pk}"):
            if not _claim(locked, resource, locked.starts_at, locked.ends_at):
                raise SlotTaken(taken, code="slot_taken")
        locked.technician = technician
        locked.bay = bay
        locked.save(update_fields=["technician", "bay", "updated_at"])
        _event(locked, _("Réaffecté à %(t)s, %(b)s") % {"t": technician.name, "b": bay.name})
    return locked


# Parts the owner adds to a booking: at most this many references per job.
MAX_PARTS_PER_BOOKING = 10


def booking_add_part(*, booking: Booking, reference: str, quantity: int = 1) -> BookingLine:
    """Add a part (or accessory) to a confirmed booking, to be fitted during the job: it must
    fit the car; the dealer's stock is taken at once (the parts app's conditional UPDATE, never
    below zero) and held until 48 h after the job; its line joins the fixed price. A part that
    needs fitting (``Part.fitting_minutes``, per unit) brings its own labour line at the
    dealer's rate and lengthens the job's reserved time, or is refused when that time is not
    free (nothing taken).

    Lock order: the booking row, then the stock row (as every write on a booking)."""
    part = part_by_reference(reference.strip().upper())
    if part is None:
        raise ValidationError(_("Pièce inconnue."), code="unknown_part")
    car = booking.car
    if (
        car is not None
        and car.car_model_id is not None
        and not part_fits(
            part_id=part.pk, car_model_id=car.car_model_id, powertrain=car.powertrain, year=car.year
        )
    ):
        raise ValidationError(
            _("Cette pièce ne convient pas à votre véhicule."), code="incompatible_part"
        )
    from autovitrine.core.money import vat_of_line  # noqa: PLC0415

    terms = workshop_settings(booking.dealer_id)
    fitting = (
        round_up(part.fitting_minutes * quantity, terms.slot_step_minutes)
        if part.fitting_minutes and terms is not None and 1 <= quantity <= 10
        else 0
    )
    with transaction.atomic():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        if locked.status != Booking.Status.CONFIRMED or locked.customer_id is None:
            raise InvalidTransition(
                _("On ne peut plus ajouter de pièce à ce rendez-vous."), code="not_confirmed"
            )
        if locked.lines.exclude(part_reservation="").count() >= MAX_PARTS_PER_BOOKING:
            raise ValidationError(_("Trop de pièces sur ce rendez-vous."), code="too_many_parts")
        if fitting:
            _release_expired_holds(dealer_id=locked.dealer_id, now=timezone.now())
            if _extension_blocker(locked, fitting):
                raise SlotTaken(
                    _(
                        "La pose de cette pièce demande %(m)d min de plus et l'atelier n'est pas "
                        "libre après %(end)s : choisissez un autre créneau (lien « Déplacer ») "
                        "ou appelez la concession."
                    )
                    % {"m": fitting, "end": _hhmm(locked.ends_at)},
                    code="fitting_does_not_fit",
                )
            _extend_job(locked, fitting)
        reservation = reservation_create(
            customer_id=locked.customer_id,
            dealer_id=locked.dealer_id,
            part=part,
            quantity=quantity,
            booking_number=locked.number,
            hold_until=locked.ends_at + dt.timedelta(hours=48),
        )
        amount = part.price_ht * quantity
        line = BookingLine.objects.create(
            booking=locked,
            label=(_("%(name)s (%(ref)s) — à monter") % {"name": part.name, "ref": part.reference})[
                :160
            ],
            quantity=quantity,
            amount_ht=amount,
            part_reservation=reservation.number,
        )
        added = amount
        vat = vat_of_line(amount)
        if fitting and terms is not None:
            labour = labour_price_ht(fitting, terms)
            BookingLine.objects.create(
                booking=locked,
                label=(
                    _("Pose : %(name)s — main-d'œuvre (%(m)d min)")
                    % {"name": part.name, "m": fitting}
                )[:160],
                amount_ht=labour,
            )
            added += labour
            vat += vat_of_line(labour)
        locked.total_ht += added
        locked.total_vat += vat
        locked.save(update_fields=["total_ht", "total_vat", "updated_at"])
        _event(
            locked, _("Pièce ajoutée : %(ref)s × %(n)d") % {"ref": part.reference, "n": quantity}
        )
    booking.total_ht, booking.total_vat = locked.total_ht, locked.total_vat
    booking.ends_at = locked.ends_at
    return line


MAX_PHOTOS_PER_BOOKING = 20
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}
# The owner sends photos before the visit (damage to estimate); the workshop during the job.
OWNER_PHOTO_STATUSES = (Booking.Status.HELD, Booking.Status.CONFIRMED)


def photo_extension(head: bytes) -> str:
    """The file extension of a re-encoded picture from its first bytes."""
    if head.startswith(b"\x89PNG"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return "jpg"


def booking_photo_add(
    *, booking: Booking, upload: UploadedFile, caption: str, by_owner: bool
) -> BookingPhoto:
    """Attach a photo to a job: a real JPEG/PNG/WebP under the caps, re-encoded (``core.images``,
    which drops what the file carried besides the picture), stored privately."""
    from django.conf import settings  # noqa: PLC0415

    if by_owner and booking.status not in OWNER_PHOTO_STATUSES:
        raise ValidationError(
            _("Les photos s'envoient avant le rendez-vous."), code="photo_too_late"
        )
    if not by_owner and booking.status in (Booking.Status.CANCELLED, Booking.Status.EXPIRED):
        raise ValidationError(_("Ce rendez-vous est clos."), code="photo_closed")
    if upload.size is not None and upload.size > settings.MAX_PHOTO_BYTES:
        raise ValidationError(
            _("La photo dépasse %(mb)d Mo.") % {"mb": settings.MAX_PHOTO_BYTES // (1024 * 1024)},
            code="photo_too_large",
        )
    if booking.photos.count() >= MAX_PHOTOS_PER_BOOKING:
        raise ValidationError(
            _("%(n)d photos au plus par rendez-vous.") % {"n": MAX_PHOTOS_PER_BOOKING},
            code="too_many_photos",
        )
    picture = image_reencode(upload, allowed_formats=PHOTO_FORMATS, name=upload.name or "photo")
    caption = caption.strip()[:120] or (
        _("Photo envoyée par le client") if by_owner else _("Photo de l'atelier")
    )
    with transaction.atomic():
        photo = BookingPhoto(booking=booking, caption=caption, by_owner=by_owner)
        extension = photo_extension(picture.read(12))
        picture.seek(0)
        photo.image.save(
            f"{booking.number}-{secrets.token_hex(4)}.{extension}", picture, save=False
        )
        photo.save()
        _event(booking, _("Photo : %(c)s") % {"c": caption})
    return photo


# Data protection (RGPD art. 5.1 e), storage limitation): a job's photos (the car, its plate,
# sometimes people or places) and the owner's check-in signature are kept while they can serve
# the job or a complaint about the work, then deleted: 12 months after the job is closed
# (collected, cancelled or expired). The invoice and the job's lines stay (service history).
PHOTO_RETENTION = dt.timedelta(days=365)
CLOSED_STATUSES = (Booking.Status.COLLECTED, Booking.Status.CANCELLED, Booking.Status.EXPIRED)


def booking_photos_purge(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Delete the photos (files and rows) and check-in signatures of jobs closed more than
    ``PHOTO_RETENTION`` ago (scheduled hourly); the number of photos deleted."""
    from django.db.models import Exists, OuterRef  # noqa: PLC0415

    now = now or timezone.now()

    def closed_before(booking: OuterRef) -> Exists:
        return Exists(
            BookingEvent.objects.filter(
                booking=booking, status__in=CLOSED_STATUSES, created_at__lt=now - PHOTO_RETENTION
            )
        )

    photos = list(
        BookingPhoto.objects.filter(
            closed_before(OuterRef("booking")), booking__status__in=CLOSED_STATUSES
        ).order_by("pk")[:batch]
    )
    for photo in photos:
        photo.image.delete(save=False)
        photo.delete()
    signed = list(
        Booking.objects.filter(closed_before(OuterRef("pk")), status__in=CLOSED_STATUSES)
        .exclude(checkin_signature="")
        .order_by("pk")[:batch]
    )
    for booking in signed:
        booking.checkin_signature.delete(save=False)
        Booking.objects.filter(pk=booking.pk).update(checkin_signature="")
    return len(photos)


def workshop_terms_update(
    *,
    dealer_id: int,
    hourly_rate_ht: int,
    labour_discount_pct: int,
    offers_wait: bool,
    wait_max_minutes: int,
    offers_loan_car: bool,
    offers_pickup: bool,
    pickup_price_ht: int,
    cancel_deadline_hours: int,
    slot_step_minutes: int,
) -> WorkshopSettings:
    """The dealer sets its own rate, promotion and options; the next price shown uses them
    (confirmed bookings keep the price they were sold at)."""
    if hourly_rate_ht <= 0 or not 0 <= labour_discount_pct <= 100 or slot_step_minutes < 5:
        raise ValidationError(_("Réglages invalides."), code="invalid_terms")
    terms, _created = WorkshopSettings.objects.update_or_create(
        dealer_id=dealer_id,
        defaults={
            "hourly_rate_ht": hourly_rate_ht,
            "labour_discount_pct": labour_discount_pct,
            "offers_wait": offers_wait,
            "wait_max_minutes": wait_max_minutes,
            "offers_loan_car": offers_loan_car,
            "offers_pickup": offers_pickup,
            "pickup_price_ht": pickup_price_ht,
            "cancel_deadline_hours": cancel_deadline_hours,
            "slot_step_minutes": slot_step_minutes,
        },
    )
    return terms


def booking_record_email_failure(*, booking_id: int, recipient: str, what: str, error: str) -> None:
    """Write on the booking's history that one of its e-mails did not leave, so the workshop
    sees it (badge in its planning) and reaches the owner by other means."""
    booking = Booking.objects.filter(pk=booking_id).first()
    if booking is None:
        return
    note = email_failure_note(what=what, recipient=recipient, error=error)
    BookingEvent.objects.create(booking=booking, status=BookingEvent.EMAIL_FAILED, note=note[:300])

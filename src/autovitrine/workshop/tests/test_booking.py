"""Fixed prices, free slots and bookings against the workshop's real capacity."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from icalendar import Calendar

from autovitrine.core.money import price_of_lines
from autovitrine.workshop.models import Absence, Booking, CapacityClaim, Closure
from autovitrine.workshop.selectors import free_slots, job_quote
from autovitrine.workshop.services import (
    SlotTaken,
    booking_cancel,
    booking_confirm,
    booking_hold,
    booking_reschedule,
    booking_set_status,
    bookings_expire_holds,
    bookings_send_reminders,
    quote_answer,
    quote_propose,
    walk_in_create,
)

from .conftest import next_weekday


def test_the_fixed_price_has_its_lines(car, dealer, workshop, ops):
    quote = job_quote(car=car, dealer_id=dealer.pk, operation_ids=[ops["revision-60000"].pk])
    labels = [line.label for line in quote.lines]
    # 150 min at 90 €/h HT = 225 € HT; then oil filter, 5 L oil, air filter.
    assert quote.lines[0].amount_ht == 22500
    assert any("FH-1001" in label for label in labels) and any(
        "FA-2001" in label for label in labels
    )
    assert quote.price == price_of_lines(line.amount_ht for line in quote.lines)
    assert quote.price.ttc == quote.price.ht + quote.price.vat


def test_free_slots_skip_weekends_holidays_closures_and_booked_time(car, dealer, workshop, ops):
    op = ops["revision-60000"].pk
    slots = free_slots(dealer_id=dealer.pk, operation_ids=[op], car=car).slots
    assert slots and all(s.weekday() < 6 for s in slots)
    first = next_weekday(8)
    Closure.objects.create(dealer=dealer, day=first.date())
    after = free_slots(dealer_id=dealer.pk, operation_ids=[op], car=car).slots
    assert all(s.date() != first.date() for s in after)
    # 150 min → 5 half-hour steps; the last start of the day is 15:30 (ends at 18:00).
    day_after = [s for s in after if s.date() == next_weekday(8, days_ahead=4).date()]
    assert day_after[-1].time() == dt.time(15, 30)


def test_the_first_slot_offered_can_be_held_and_stays_on_the_grid(
    car, customer, dealer, workshop, ops
):
    # At 7:10:30 the two hours' notice ends at 9:10:30: the page must not offer 9:10 (the hold
    # refuses it) nor 9:15 off the half-hour grid, but 9:30.
    now = next_weekday(7, 10) + dt.timedelta(seconds=30)
    op = ops["plaquettes-av"].pk
    slots = free_slots(dealer_id=dealer.pk, operation_ids=[op], car=car, now=now).slots
    assert slots[0] == next_weekday(9, 30)
    held = booking_hold(
        customer_id=customer.pk,
        dealer_id=dealer.pk,
        operation_ids=[op],
        car=car,
        starts_at=slots[0],
        now=now,
    )
    assert held.status == Booking.Status.HELD


def test_a_booking_takes_a_technician_and_a_bay(car, customer, dealer, workshop, ops):
    start = next_weekday(9)
    booking = booking_hold(
        customer_id=customer.pk,
        dealer_id=dealer.pk,
        operation_ids=[ops["plaquettes-av"].pk],
        starts_at=start,
        car=car,
    )
    assert booking.status == "held"
    assert set(
        CapacityClaim.objects.filter(booking=booking).values_list("resource", flat=True)
    ) == {f"tech:{booking.technician_id}", f"bay:{booking.bay_id}"}


def test_the_last_technician_cannot_be_booked_twice(car, customer, dealer, ops):
    from autovitrine.testing.workshop import equip_workshop

    equip_workshop(dealer, technicians=1, lifts=3)
    start = next_weekday(10)
    args = {
        "customer_id": customer.pk,
        "dealer_id": dealer.pk,
        "car": car,
        "operation_ids": [ops["plaquettes-av"].pk],
    }
    booking_hold(starts_at=start, **args)
    with pytest.raises(SlotTaken):
        booking_hold(starts_at=start + dt.timedelta(minutes=30), **args)
    slots = free_slots(dealer_id=dealer.pk, operation_ids=args["operation_ids"], car=car).slots
    assert start not in slots and start + dt.timedelta(minutes=30) not in slots
    assert start + dt.timedelta(minutes=60) in slots


def test_an_absent_technician_is_not_offered(car, customer, dealer, ops):
    from autovitrine.testing.workshop import equip_workshop

    tech = equip_workshop(dealer, technicians=1)["technicians"][0]
    start = next_weekday(8)
    Absence.objects.create(technician=tech, starts_at=start, ends_at=start + dt.timedelta(hours=10))
    slots = free_slots(dealer_id=dealer.pk, operation_ids=[ops["pre-ct"].pk], car=car).slots
    assert not [s for s in slots if s.date() == start.date()]


def test_ev_work_needs_the_certified_technician_and_the_ev_bay(customer, dealer, ops):
    from autovitrine.testing import factories as f
    from autovitrine.testing.workshop import equip_workshop
    from autovitrine.workshop.services import garage_add_car

    ev = f.VersionFactory(energy="electric", powertrain="Électrique 150 ch")
    car = garage_add_car(owner_id=customer.pk, version_id=ev.pk, year=2023)
    equip_workshop(dealer, technicians=2)
    op = ops["bilan-batterie"].pk
    start = next_weekday(9)
    booking = booking_hold(
        customer_id=customer.pk, dealer_id=dealer.pk, car=car, operation_ids=[op], starts_at=start
    )
    assert booking.technician.high_voltage and booking.bay.kind == "ev_safe"
    # The one certified technician is taken: no other EV job at that time.
    with pytest.raises(SlotTaken):
        booking_hold(
            customer_id=customer.pk,
            dealer_id=dealer.pk,
            car=car,
            operation_ids=[op],
            starts_at=start,
        )


def test_the_loan_car_option_needs_a_free_loan_car(car, customer, dealer, workshop, ops):
    start = next_weekday(9)
    args = {
        "customer_id": customer.pk,
        "dealer_id": dealer.pk,
        "car": car,
        "operation_ids": [ops["pre-ct"].pk],
        "option": "loan_car",
    }
    booking = booking_hold(starts_at=start, **args)
    assert booking.loan_car_id is not None
    with pytest.raises(SlotTaken) as error:
        booking_hold(starts_at=start, **args)
    assert error.value.code == "no_loan_car"


def test_a_hold_expires_after_five_minutes_and_frees_the_slot(car, customer, dealer, ops):
    from autovitrine.testing.workshop import equip_workshop

    equip_workshop(dealer, technicians=1)
    start = next_weekday(9)
    args = {
        "customer_id": customer.pk,
        "dealer_id": dealer.pk,
        "car": car,
        "operation_ids": [ops["pre-ct"].pk],
    }
    held = booking_hold(starts_at=start, **args)
    later = held.held_until + dt.timedelta(seconds=1)
    with pytest.raises(SlotTaken):
        booking_confirm(booking=held, now=later)
    held.refresh_from_db()
    assert held.status == "expired" and not held.claims.exists()
    again = booking_hold(starts_at=start, now=later, **args)
    assert again.status == "held"
    assert bookings_expire_holds(now=again.held_until + dt.timedelta(seconds=1)) == 1


def test_confirmation_mails_an_ics_and_the_reminder_goes_48h_before(
    car, customer, dealer, workshop, ops, django_capture_on_commit_callbacks
):
    start = next_weekday(9)
    booking = booking_hold(
        customer_id=customer.pk,
        dealer_id=dealer.pk,
        car=car,
        operation_ids=[ops["revision-60000"].pk],
        starts_at=start,
        option="loan_car",
    )
    with django_capture_on_commit_callbacks(execute=True):
        booking_confirm(booking=booking)
    assert len(mail.outbox) == 1
    name, content, mimetype = mail.outbox[0].attachments[0]
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert mimetype == "text/calendar" and event.decoded("dtstart") == start
    assert "/atelier/gerer/" in mail.outbox[0].body
    assert bookings_send_reminders(now=start - dt.timedelta(hours=49)) == 0
    assert bookings_send_reminders(now=start - dt.timedelta(hours=47)) == 1
    assert bookings_send_reminders(now=start - dt.timedelta(hours=46)) == 0
    assert len(mail.outbox) == 2 and "Rappel" in mail.outbox[1].subject


def test_cancel_and_reschedule_until_the_dealer_deadline(car, customer, dealer, workshop, ops):
    start = next_weekday(9, days_ahead=4)
    booking = booking_hold(
        customer_id=customer.pk,
        dealer_id=dealer.pk,
        car=car,
        operation_ids=[ops["pre-ct"].pk],
        starts_at=start,
    )
    booking_confirm(booking=booking)
    booking.refresh_from_db()
    moved = booking_reschedule(booking=booking, starts_at=start + dt.timedelta(hours=2))
    assert moved.starts_at == start + dt.timedelta(hours=2)
    assert CapacityClaim.objects.filter(booking=booking, starts_at=start).count() == 0
    with pytest.raises(ValidationError):
        booking_cancel(booking=moved, now=moved.starts_at - dt.timedelta(hours=23))
    booking_cancel(booking=moved, now=moved.starts_at - dt.timedelta(hours=25))
    assert not CapacityClaim.objects.filter(booking=booking).exists()


def test_a_walk_in_takes_capacity_like_an_online_booking(car, customer, dealer, ops):
    from autovitrine.testing.workshop import equip_workshop

    equip_workshop(dealer, technicians=1)
    start = next_weekday(9)
    walk_in_create(
        dealer_id=dealer.pk, label="Clio grise", operation_ids=[ops["pre-ct"].pk], starts_at=start
    )
    with pytest.raises(SlotTaken):
        booking_hold(
            customer_id=customer.pk,
            dealer_id=dealer.pk,
            car=car,
            operation_ids=[ops["pre-ct"].pk],
            starts_at=start,
        )


def test_an_accepted_extra_work_quote_joins_the_invoice(car, customer, dealer, workshop, ops):
    from autovitrine.workshop.documents import invoice_pdf

    start = next_weekday(9)
    booking = booking_hold(
        customer_id=customer.pk,
        dealer_id=dealer.pk,
        car=car,
        operation_ids=[ops["revision-60000"].pk],
        starts_at=start,
    )
    booking_confirm(booking=booking)
    for status in ("received", "diagnosis"):
        booking_set_status(booking=booking, status=status)
    before = Booking.objects.get(pk=booking.pk).total_ttc
    quote = quote_propose(booking=booking, description="Disques avant", amount_ht=18000)
    quote_answer(quote=quote, accept=True)
    booking.refresh_from_db()
    assert booking.status == "in_progress" and booking.total_ttc == before + 21600
    with pytest.raises(ValidationError):
        quote_answer(quote=quote, accept=False)
    booking_set_status(booking=booking, status="ready")
    booking_set_status(booking=booking, status="collected")
    car.refresh_from_db()
    assert car.last_service_on is not None
    assert invoice_pdf(booking).startswith(b"%PDF")


def test_a_refused_quote_leaves_the_price(car, customer, dealer, workshop, ops):
    booking = booking_hold(
        customer_id=customer.pk,
        dealer_id=dealer.pk,
        car=car,
        operation_ids=[ops["pre-ct"].pk],
        starts_at=next_weekday(9),
    )
    booking_confirm(booking=booking)
    booking_set_status(booking=booking, status="received")
    booking_set_status(booking=booking, status="diagnosis")
    total = Booking.objects.get(pk=booking.pk).total_ttc
    quote_answer(
        quote=quote_propose(booking=booking, description="Pneus", amount_ht=30000), accept=False
    )
    assert Booking.objects.get(pk=booking.pk).total_ttc == total


def test_a_skipped_status_is_refused(car, customer, dealer, workshop, ops):
    booking = booking_hold(
        customer_id=customer.pk,
        dealer_id=dealer.pk,
        car=car,
        operation_ids=[ops["pre-ct"].pk],
        starts_at=next_weekday(9),
    )
    with pytest.raises(ValidationError):
        booking_set_status(booking=booking, status="collected")


def test_the_availability_api(client, car, dealer, workshop, ops):
    ids = f"{ops['revision-60000'].pk},{ops['geometrie'].pk}"
    response = client.get("/api/workshop/availability", {"dealer": dealer.pk, "operations": ids})
    body = response.json()
    assert response.status_code == 200 and body["slots"] and body["duration_minutes"] == 210
    assert body["price_ttc"] == body["price_ht"] + body["price_vat"]
    bad = client.get("/api/workshop/availability", {"dealer": dealer.pk, "operations": "x"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_input"
    not_offered = client.get(
        "/api/workshop/availability", {"dealer": dealer.pk, "operations": f"{ids},999999"}
    )
    assert not_offered.status_code == 422
    assert not_offered.json()["error"]["code"] == "unknown_operation"
    unknown = client.get("/api/workshop/availability", {"dealer": 999999, "operations": ids})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"


@pytest.mark.postgres  # the exclusion constraint is PostgreSQL's; SQLite serialises writes
def test_postgresql_refuses_an_overlapping_claim_itself(car, customer, dealer, workshop, ops):
    from django.db import IntegrityError, transaction

    booking = booking_hold(
        customer_id=customer.pk,
        dealer_id=dealer.pk,
        car=car,
        operation_ids=[ops["pre-ct"].pk],
        starts_at=next_weekday(9),
    )
    claim = booking.claims.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        CapacityClaim.objects.create(
            booking=booking,
            dealer=dealer,
            resource=claim.resource,
            starts_at=claim.starts_at + dt.timedelta(minutes=10),
            ends_at=claim.ends_at + dt.timedelta(minutes=10),
        )


def test_the_periodic_run_expires_holds_and_sends_reminders(car, customer, dealer, workshop, ops):
    from autovitrine.web.periodic import run_due_work

    start = next_weekday(9)
    held = booking_hold(
        customer_id=customer.pk,
        dealer_id=dealer.pk,
        car=car,
        operation_ids=[ops["pre-ct"].pk],
        starts_at=start,
    )
    done = run_due_work(now=held.held_until + dt.timedelta(seconds=1))
    assert done.workshop_holds_expired == 1


def test_reassigning_a_job_goes_through_the_same_rule(car, customer, dealer, workshop, ops):
    from autovitrine.workshop.services import booking_reassign

    start = next_weekday(9)
    args = {
        "customer_id": customer.pk,
        "dealer_id": dealer.pk,
        "car": car,
        "operation_ids": [ops["pre-ct"].pk],
        "starts_at": start,
    }
    first = booking_hold(**args)
    second = booking_hold(**args)
    lifts = [b for b in workshop["bays"] if b.kind == "lift"]
    # The second job cannot move onto the first one's technician at the same time
    with pytest.raises(SlotTaken):
        booking_reassign(booking=second, technician_id=first.technician_id, bay_id=second.bay_id)
    second.refresh_from_db()
    assert second.claims.count() == 2
    # nor onto a bay of the wrong kind
    ev_bay = next(b for b in workshop["bays"] if b.kind == "ev_safe")
    with pytest.raises(ValidationError):
        booking_reassign(booking=second, technician_id=second.technician_id, bay_id=ev_bay.pk)
    booking_cancel(booking=first)
    moved = booking_reassign(booking=second, technician_id=first.technician_id, bay_id=lifts[0].pk)
    assert set(moved.claims.values_list("resource", flat=True)) == {
        f"tech:{first.technician_id}",
        f"bay:{lifts[0].pk}",
    }


def test_an_extra_work_quote_is_mailed_to_the_owner_with_the_link_to_answer(
    car, customer, dealer, workshop, ops, django_capture_on_commit_callbacks
):
    booking = booking_hold(
        customer_id=customer.pk,
        dealer_id=dealer.pk,
        car=car,
        operation_ids=[ops["revision-60000"].pk],
        starts_at=next_weekday(9),
    )
    booking_confirm(booking=booking)
    for status in ("received", "diagnosis"):
        booking_set_status(booking=booking, status=status)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        quote_propose(booking=booking, description="Disques avant usés", amount_ht=18000)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [customer.email]
    assert booking.number in message.subject
    assert "Disques avant usés — 216,00" in message.body
    assert f"/atelier/rendez-vous/{booking.number}/" in message.body

"""Extra work proposed during a job lengthens the job's reserved time in the plan (the
technician, bay and loan car claims), or is refused with who is not free."""

import datetime as dt

import pytest
from django.urls import reverse

from autovitrine.workshop.models import Booking, CapacityClaim, ExtraWorkQuote
from autovitrine.workshop.services import (
    SlotTaken,
    booking_confirm,
    booking_hold,
    booking_set_status,
    quote_answer,
    quote_propose,
)

from .conftest import next_weekday


def _job(
    customer, dealer, car, op, hour: int, option: str = "drop_off", minute: int = 0
) -> Booking:
    held = booking_hold(
        customer_id=customer.pk,
        dealer_id=dealer.pk,
        car=car,
        operation_ids=[op.pk],
        starts_at=next_weekday(hour, minute),
        option=option,
    )
    return booking_confirm(booking=held)


def _in_diagnosis(booking: Booking) -> Booking:
    for status in ("received", "diagnosis"):
        booking_set_status(booking=booking, status=status)
    return Booking.objects.get(pk=booking.pk)


def _claim_ends(booking: Booking) -> set[dt.datetime]:
    return set(CapacityClaim.objects.filter(booking=booking).values_list("ends_at", flat=True))


def test_accepted_extra_work_keeps_the_time_reserved_when_proposed(
    car, customer, dealer, workshop, ops
):
    booking = _in_diagnosis(
        _job(customer, dealer, car, ops["revision-60000"], 9, option="loan_car")
    )
    end = booking.ends_at  # 09:00 + 150 min
    quote = quote_propose(
        booking=booking, description="Disques avant", amount_ht=18000, labour_minutes=50
    )
    booking.refresh_from_db()
    # 50 min rounded up to the 30-minute step, reserved at once for the technician, bay, loan car
    assert booking.ends_at == end + dt.timedelta(minutes=60)
    assert _claim_ends(booking) == {booking.ends_at}
    assert CapacityClaim.objects.filter(booking=booking).count() == 3
    assert quote.labour_minutes == 60
    quote_answer(quote=quote, accept=True)
    booking.refresh_from_db()
    assert booking.status == "in_progress" and booking.ends_at == end + dt.timedelta(minutes=60)


def test_refused_extra_work_gives_the_time_back(car, customer, dealer, workshop, ops):
    booking = _in_diagnosis(_job(customer, dealer, car, ops["revision-60000"], 9))
    end = booking.ends_at
    quote = quote_propose(booking=booking, description="Pneus", amount_ht=30000, labour_minutes=90)
    quote_answer(quote=quote, accept=False)
    booking.refresh_from_db()
    assert booking.ends_at == end and _claim_ends(booking) == {end}


def test_extra_work_that_no_longer_fits_is_refused_with_who_is_not_free(
    car, customer, dealer, workshop, ops
):
    # Given the job 09:00–11:30 on technician 1 and the next job from 11:30 on the same one
    booking = _in_diagnosis(_job(customer, dealer, car, ops["revision-60000"], 9))
    after = _job(customer, dealer, car, ops["plaquettes-av"], 11, minute=30)
    after = Booking.objects.get(pk=after.pk)
    assert after.technician_id == booking.technician_id
    with pytest.raises(SlotTaken) as refused:
        quote_propose(booking=booking, description="Disques", amount_ht=18000, labour_minutes=30)
    message = " ".join(refused.value.messages)
    assert "n'est pas libre" in message and "Réaffectez" in message
    assert refused.value.code == "extra_does_not_fit"
    # The caller's row is not left saying "proposed"
    assert booking.status == "diagnosis"
    booking.refresh_from_db()
    # Nothing was proposed: same status, same time, no quote
    assert booking.status == "diagnosis" and not ExtraWorkQuote.objects.exists()
    assert _claim_ends(booking) == {booking.ends_at}


def test_extra_work_past_the_technicians_day_is_refused(car, customer, dealer, workshop, ops):
    # The job ends at 18:00, when the workshop closes
    booking = _in_diagnosis(_job(customer, dealer, car, ops["plaquettes-av"], 17))
    with pytest.raises(SlotTaken):
        quote_propose(booking=booking, description="Disques", amount_ht=18000, labour_minutes=15)
    # Work without extra time (parts only) is still proposed
    quote_propose(booking=booking, description="Balais", amount_ht=3000, labour_minutes=0)


def test_an_estimate_on_photos_reserves_its_time_too(car, customer, dealer, workshop, ops):
    booking = _job(customer, dealer, car, ops["pre-ct"], 9)
    end = booking.ends_at
    quote = quote_propose(
        booking=booking, description="Bosse portière", amount_ht=25000, labour_minutes=120
    )
    booking.refresh_from_db()
    assert booking.status == "confirmed" and booking.ends_at == end + dt.timedelta(minutes=120)
    quote_answer(quote=quote, accept=False)
    booking.refresh_from_db()
    assert booking.ends_at == end


@pytest.mark.postgres  # the exclusion constraint checks the UPDATE that lengthens the claims
def test_postgresql_refuses_a_lengthened_claim_that_overlaps(car, customer, dealer, workshop, ops):
    from django.db import IntegrityError, transaction

    booking = _in_diagnosis(_job(customer, dealer, car, ops["revision-60000"], 9))
    after = _job(customer, dealer, car, ops["plaquettes-av"], 11, minute=30)
    shared = {c.resource for c in booking.claims.all()} & {c.resource for c in after.claims.all()}
    assert shared
    with pytest.raises(IntegrityError), transaction.atomic():
        CapacityClaim.objects.filter(booking=booking, resource__in=shared).update(
            ends_at=booking.ends_at + dt.timedelta(minutes=60)
        )


def test_the_dealer_reads_why_extra_work_does_not_fit(client_as, car, customer, dealer, ops):
    from autovitrine.testing.workshop import equip_workshop

    equip_workshop(dealer, technicians=1, lifts=1)
    booking = _in_diagnosis(_job(customer, dealer, car, ops["revision-60000"], 9))
    _job(customer, dealer, car, ops["plaquettes-av"], 11, minute=30)
    client, _ = client_as("dealer_staff")
    url = reverse("workshop:dealer_booking", kwargs={"number": booking.number})
    data = {"action": "quote", "description": "Disques", "amount_eur": "180", "labour_minutes": 30}
    refused = client.post(url, data)
    assert refused.status_code == 422
    assert "Technicien 1 n&#x27;est pas libre" in refused.content.decode()
    assert Booking.objects.get(pk=booking.pk).status == "diagnosis"
    # Without extra time the quote leaves
    data["labour_minutes"] = 0
    assert client.post(url, data).status_code == 302
    assert Booking.objects.get(pk=booking.pk).status == "extra_proposed"

"""Parts added by the owner to a service booking, to be fitted: compatible, taken from the
dealer's stock at once, priced into the job, put back if the booking is cancelled."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from autovitrine.parts.models import Compatibility, Part, Reservation, Stock
from autovitrine.parts.services import stock_set
from autovitrine.testing import factories as f
from autovitrine.workshop.services import (
    booking_add_part,
    booking_cancel,
    booking_set_status,
)


@pytest.fixture
def mats(dealer, ops):
    part = Part.objects.get(reference="AC-TAPIS")
    stock_set(dealer_id=dealer.pk, part_id=part.pk, quantity=2)
    return part


def test_a_part_added_to_a_booking_is_priced_and_taken_from_stock(booking, mats, dealer):
    before = booking.total_ttc
    line = booking_add_part(booking=booking, reference="ac-tapis", quantity=1)
    booking.refresh_from_db()
    assert booking.total_ttc == before + 8280  # 69,00 € HT + 20 % VAT
    assert line.label == "Tapis de sol (AC-TAPIS) — à monter" and line.amount_ht == 6900
    assert Stock.objects.get(dealer=dealer, part=mats).quantity == 1
    reservation = Reservation.objects.get(number=line.part_reservation)
    assert reservation.booking_number == booking.number
    assert reservation.expires_at > booking.ends_at


def test_more_than_the_stock_is_refused_and_changes_nothing(booking, mats, dealer):
    before = booking.total_ttc
    with pytest.raises(ValidationError) as error:
        booking_add_part(booking=booking, reference="AC-TAPIS", quantity=3)
    assert error.value.code == "out_of_stock"
    booking.refresh_from_db()
    assert (
        booking.total_ttc == before and booking.lines.filter(part_reservation__gt="").count() == 0
    )
    assert Stock.objects.get(dealer=dealer, part=mats).quantity == 2


def test_a_part_that_does_not_fit_the_car_is_refused(booking, dealer):
    other_model = f.VersionFactory().car_model
    part = Part.objects.create(
        reference="PL-9999",
        name="Plaquettes d'un autre modèle",
        kind="plaquettes-av",
        price_ht=5000,
    )
    Compatibility.objects.create(part=part, car_model=other_model, year_from=2015, year_to=2030)
    stock_set(dealer_id=dealer.pk, part_id=part.pk, quantity=5)
    with pytest.raises(ValidationError) as error:
        booking_add_part(booking=booking, reference="PL-9999")
    assert error.value.code == "incompatible_part"
    assert Stock.objects.get(dealer=dealer, part=part).quantity == 5


def test_cancelling_puts_the_part_back_and_collecting_hands_it_over(booking, mats, dealer):
    line = booking_add_part(booking=booking, reference="AC-TAPIS", quantity=2)
    booking_cancel(booking=booking)
    assert Stock.objects.get(dealer=dealer, part=mats).quantity == 2
    assert Reservation.objects.get(number=line.part_reservation).status == "released"


def test_a_collected_job_marks_its_parts_fitted(booking, mats, dealer):
    line = booking_add_part(booking=booking, reference="AC-TAPIS")
    for status in ("received", "in_progress", "ready", "collected"):
        booking_set_status(booking=booking, status=status)
    assert Reservation.objects.get(number=line.part_reservation).status == "collected"
    assert Stock.objects.get(dealer=dealer, part=mats).quantity == 1
    with pytest.raises(ValidationError):
        booking_add_part(booking=booking, reference="AC-TAPIS")


def test_the_owner_adds_a_part_from_the_booking_page(client_as, booking, mats):
    client, _ = client_as("customer")
    url = reverse("workshop:booking", kwargs={"number": booking.number})
    page = client.get(url)
    assert [hit.reference for hit in page.context["part_choices"]] == ["AC-TAPIS"]
    add = reverse("workshop:add_part", kwargs={"number": booking.number})
    assert client.post(add, {"reference": "AC-TAPIS", "quantite": "x"}).status_code == 302
    assert client.post(add, {"reference": "AC-TAPIS", "quantite": "1"}).status_code == 302
    assert "Tapis de sol (AC-TAPIS) — à monter" in client.get(url).content.decode()
    # Another owner cannot add parts to this booking.
    client.force_login(f.UserFactory(), backend="django.contrib.auth.backends.ModelBackend")
    assert client.post(add, {"reference": "AC-TAPIS"}).status_code == 404


@pytest.fixture
def tow_bar(dealer, booking):
    part = Part.objects.create(
        reference="AT-ATTELAGE",
        name="Attelage démontable",
        kind="attelage",
        price_ht=42000,
        is_accessory=True,
        universal=True,
        fitting_minutes=100,
    )
    stock_set(dealer_id=dealer.pk, part_id=part.pk, quantity=1)
    return part


def test_a_part_that_needs_fitting_brings_its_labour_and_its_time(booking, tow_bar, dealer):
    from autovitrine.workshop.models import Booking, CapacityClaim

    before_ht, end = booking.total_ht, booking.ends_at
    booking_add_part(booking=booking, reference="AT-ATTELAGE")
    booking = Booking.objects.get(pk=booking.pk)
    fitting = booking.lines.get(label__startswith="Pose")
    # 100 min rounded up to the 30-minute step, at 90 € HT an hour: its own line
    assert fitting.label == "Pose : Attelage démontable — main-d'œuvre (120 min)"
    assert fitting.amount_ht == 18000
    assert booking.total_ht == before_ht + 42000 + 18000
    # The totals add up: the lines, their VAT per line, TTC
    from autovitrine.core.money import price_of_lines

    lines = price_of_lines(line.amount_ht for line in booking.lines.all())
    assert (lines.ht, lines.vat) == (booking.total_ht, booking.total_vat)
    # The job's reserved time is two hours longer for its technician and bay
    assert booking.ends_at == end + dt.timedelta(minutes=120)
    assert set(CapacityClaim.objects.filter(booking=booking).values_list("ends_at", flat=True)) == {
        booking.ends_at
    }


def test_fitting_that_no_longer_fits_is_refused_and_takes_nothing(
    booking, tow_bar, dealer, customer, car, ops
):
    from autovitrine.workshop.models import Booking
    from autovitrine.workshop.services import booking_confirm, booking_hold

    # The job's technician is booked again right after it (and the other one too)
    for _ in range(2):
        booking_confirm(
            booking=booking_hold(
                customer_id=customer.pk,
                dealer_id=dealer.pk,
                car=car,
                operation_ids=[ops["plaquettes-av"].pk],
                starts_at=booking.ends_at,
            )
        )
    before = Booking.objects.get(pk=booking.pk)
    with pytest.raises(ValidationError) as error:
        booking_add_part(booking=booking, reference="AT-ATTELAGE")
    assert error.value.code == "fitting_does_not_fit"
    assert "appelez la concession" in " ".join(error.value.messages)
    after = Booking.objects.get(pk=booking.pk)
    assert (after.total_ht, after.ends_at) == (before.total_ht, before.ends_at)
    assert Stock.objects.get(dealer=dealer, part=tow_bar).quantity == 1
    assert not Reservation.objects.filter(part=tow_bar).exists()

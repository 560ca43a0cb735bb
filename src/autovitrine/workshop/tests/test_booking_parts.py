"""Parts added by the owner to a service booking, to be fitted: compatible, taken from the
dealer's stock at once, priced into the job, put back if the booking is cancelled."""

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

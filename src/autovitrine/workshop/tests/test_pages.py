"""The pages by role: an owner sees only their cars and bookings, a dealer only its workshop,
head office any workshop; and the booking flow through the pages."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from autovitrine.conftest import ROLES
from autovitrine.testing import factories as f
from autovitrine.workshop.services import booking_confirm, booking_hold, booking_token

from .conftest import next_weekday

OWNER_PAGES = {
    "anonymous": 302,
    "customer": 200,
    "other_dealer_staff": 403,
    "dealer_staff": 403,
    "head_office": 403,
}
DEALER_PAGES = {
    "anonymous": 302,
    "customer": 403,
    "other_dealer_staff": 404,
    "dealer_staff": 200,
    "head_office": 200,
}


@pytest.fixture
def booking(car, customer, dealer, workshop, ops):
    held = booking_hold(
        customer_id=customer.pk,
        dealer_id=dealer.pk,
        car=car,
        operation_ids=[ops["revision-60000"].pk],
        starts_at=next_weekday(9),
        option="loan_car",
    )
    return booking_confirm(booking=held)


@pytest.mark.parametrize("role", ROLES)
def test_owner_pages(client_as, car, booking, role):
    client, _ = client_as(role)
    for url in (
        reverse("workshop:garage"),
        reverse("workshop:car", kwargs={"car_id": car.pk}),
        reverse("workshop:book", kwargs={"car_id": car.pk}),
        reverse("workshop:booking", kwargs={"number": booking.number}),
        reverse("workshop:ics", kwargs={"number": booking.number}),
    ):
        assert client.get(url).status_code == OWNER_PAGES[role], url


@pytest.mark.parametrize("role", ROLES)
def test_dealer_pages(client_as, booking, dealer, role):
    client, _ = client_as(role)
    query = f"?concession={dealer.code}" if role == "head_office" else ""
    planning = reverse("workshop:planning") + query
    detail = reverse("workshop:dealer_booking", kwargs={"number": booking.number}) + query
    expected = DEALER_PAGES[role]
    # The other dealer's planning opens (its own, empty); this dealer's job page does not.
    assert client.get(planning).status_code == (200 if role == "other_dealer_staff" else expected)
    assert client.get(detail).status_code == expected
    if expected == 200:
        assert (
            booking.number
            in client.get(
                planning + ("&" if query else "?") + f"jour={booking.starts_at.date()}"
            ).content.decode()
        )


def test_head_office_without_a_dealer_picks_one(client_as, dealer, workshop):
    client, _ = client_as("head_office")
    page = client.get(reverse("workshop:planning"))
    assert page.status_code == 200
    assert f'href="?concession={dealer.code}"' in page.content.decode()
    assert client.get(reverse("workshop:planning"), {"concession": "nope"}).status_code == 404


def test_another_owner_finds_nothing(client, car, booking):
    client.force_login(f.UserFactory(), backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("workshop:car", kwargs={"car_id": car.pk})).status_code == 404
    assert (
        client.get(reverse("workshop:booking", kwargs={"number": booking.number})).status_code
        == 404
    )
    assert (
        client.post(reverse("workshop:confirm", kwargs={"number": booking.number})).status_code
        == 404
    )


def test_add_a_car_by_plate_then_book_through_the_pages(client_as, version, dealer, workshop, ops):
    client, user = client_as("customer")
    response = client.post(
        reverse("workshop:garage"),
        {"plate": "ab123cd", "version": version.pk, "year": 2021, "mileage_km": 59000},
    )
    assert response.status_code == 302
    car = user.garage_cars.get()
    assert car.plate == "AB-123-CD"
    op = ops["revision-60000"].pk
    page = client.get(
        reverse("workshop:book", kwargs={"car_id": car.pk}),
        {"op": op, "concession": dealer.pk, "option": "loan_car"},
    )
    assert page.status_code == 200 and "Total TTC" in page.content.decode()
    slot = page.context["days"][0][1][0]
    response = client.post(
        reverse("workshop:hold", kwargs={"car_id": car.pk}),
        {"op": op, "concession": dealer.pk, "option": "loan_car", "slot": slot.isoformat()},
    )
    assert response.status_code == 302
    number = response["Location"].rstrip("/").split("/")[-1]
    assert client.post(reverse("workshop:confirm", kwargs={"number": number})).status_code == 302
    assert (
        client.get(reverse("workshop:booking", kwargs={"number": number})).context["booking"].status
        == "confirmed"
    )


def test_bad_plate_is_a_french_message_not_a_500(client_as):
    client, _ = client_as("customer")
    response = client.post(
        reverse("workshop:garage"), {"plate": "XX-1", "year": 2020, "mileage_km": 1}
    )
    assert response.status_code == 422
    assert "AA-123-AA" in response.content.decode()


def test_the_signed_link_cancels_without_signing_in(client, booking):
    url = reverse("workshop:manage", kwargs={"token": booking_token(booking)})
    assert client.get(url).status_code == 200
    assert client.get(url.replace("gerer/", "gerer/x")).status_code == 404
    assert client.post(url, {"action": "cancel"}).status_code == 302
    booking.refresh_from_db()
    assert booking.status == "cancelled"


def test_hold_with_a_taken_slot_answers_409(client_as, car, booking, dealer, ops):
    client, _ = client_as("customer")
    # Both technicians busy at that time
    booking_hold(
        customer_id=car.owner_id,
        dealer_id=dealer.pk,
        car=car,
        operation_ids=[ops["revision-60000"].pk],
        starts_at=booking.starts_at,
    )
    response = client.post(
        reverse("workshop:hold", kwargs={"car_id": car.pk}),
        {
            "op": ops["revision-60000"].pk,
            "concession": dealer.pk,
            "slot": booking.starts_at.isoformat(),
        },
    )
    assert response.status_code == 409
    assert dt.timedelta(0) is not None


def test_workshops_nearest_first_with_the_selling_dealer_highlighted(
    client_as, car, dealer, other_dealer, workshop, ops
):
    from autovitrine.testing.workshop import equip_workshop

    equip_workshop(other_dealer)
    car.selling_dealer = dealer
    car.save()
    client, _ = client_as("customer")
    url = reverse("workshop:book", kwargs={"car_id": car.pk})
    assert [d.pk for d in client.get(url).context["dealers"]][0] == dealer.pk
    near_marseille = client.get(url, {"ville": "Marseille"})
    assert [d.pk for d in near_marseille.context["dealers"]] == [other_dealer.pk, dealer.pk]
    assert "(votre vendeur)" in near_marseille.content.decode()
    assert client.get(url, {"ville": "Zzzzqx"}).context["error"] == "Lieu inconnu."


def test_the_owner_reads_the_job_timeline_in_french(client_as, booking):
    from autovitrine.workshop.services import booking_set_status

    client, _ = client_as("customer")
    booking_set_status(booking=booking, status="received")
    booking_set_status(booking=booking, status="in_progress")
    page = client.get(reverse("workshop:booking", kwargs={"number": booking.number}))
    timeline = page.content.decode().split('id="booking-timeline"')[1].split("</ol>")[0]
    for label in ("Créneau réservé 5 minutes", "Confirmé", "Véhicule réceptionné", "En cours"):
        assert label in timeline
    for code in ("held", "confirmed", "received", "in_progress"):
        assert f"— {code}" not in timeline
    # The site's timeline component: a step per status, with its time
    assert timeline.count('<li class="step">') == 4 and "<time datetime=" in timeline


def test_the_service_history_is_a_timeline_with_the_invoices(client_as, booking, car):
    from autovitrine.workshop.services import booking_set_status

    for status in ("received", "in_progress", "ready", "collected"):
        booking_set_status(booking=booking, status=status)
    client, _ = client_as("customer")
    html = client.get(reverse("workshop:car", kwargs={"car_id": car.pk})).content.decode()
    history = html.split('<ol class="timeline" id="service-history">')[1].split("</ol>")[0]
    assert '<li class="step">' in history and "Révision des 60 000 km" in history
    assert reverse("workshop:invoice", kwargs={"number": booking.number}) in history


def test_the_move_link_offers_only_times_with_a_loan_car_free(client, booking, car, dealer, ops):
    # Given the only loan car taken by another job that afternoon (technicians and bays free)
    day = timezone.localtime(booking.starts_at)
    afternoon = day.replace(hour=14)
    other = booking_hold(
        customer_id=car.owner_id,
        dealer_id=dealer.pk,
        car=car,
        operation_ids=[ops["revision-60000"].pk],
        starts_at=afternoon,
        option="loan_car",
    )
    booking_confirm(booking=other)
    # When the owner of the loan-car booking opens the move link
    page = client.get(reverse("workshop:manage", kwargs={"token": booking_token(booking)}))
    # Then that afternoon is not offered, while the morning after the booking is
    slots = page.context["slots"]
    assert afternoon not in slots
    assert day.replace(hour=11, minute=30) in slots  # back by 14:00
    # And every day of the window is offered, each in its own section
    assert [d for d, _ in page.context["days"]][-1] >= day.date() + dt.timedelta(days=14)


def test_the_booking_page_offers_only_the_dealer_options(client_as, car, dealer, workshop, ops):
    from autovitrine.workshop.models import WorkshopSettings

    WorkshopSettings.objects.filter(dealer=dealer).update(
        offers_pickup=False, offers_loan_car=False
    )
    client, _ = client_as("customer")
    url = reverse("workshop:book", kwargs={"car_id": car.pk})
    revision = ops["revision-60000"].pk
    page = client.get(url, {"op": revision, "concession": dealer.pk})
    assert [value for value, _label in page.context["options"]] == ["drop_off", "wait"]
    assert 'value="pickup"' not in page.content.decode()
    # A loan car asked for anyway: said in French, drop-off times shown instead
    loan = client.get(url, {"op": revision, "concession": dealer.pk, "option": "loan_car"})
    assert loan.context["option"] == "drop_off" and loan.context["days"]
    assert "ne propose pas cette option" in loan.context["error"]
    # Waiting on site for a 2 h 30 job: refused before a slot is chosen
    wait = client.get(url, {"op": revision, "concession": dealer.pk, "option": "wait"})
    assert "trop longs pour attendre" in wait.context["error"] and "days" not in wait.context
    short = client.get(url, {"op": ops["pre-ct"].pk, "concession": dealer.pk, "option": "wait"})
    assert short.context["error"] == "" and short.context["days"]


def test_too_many_holds_say_in_french_how_long_to_wait(client_as, car, dealer, ops, monkeypatch):
    """Issue 10: « Every 429 carries Retry-After, and pages say in French how long to wait »."""
    monkeypatch.setattr("autovitrine.workshop.views.ACTIONS_PER_HOUR", 0)
    client, _ = client_as("customer")

    response = client.post(
        reverse("workshop:hold", kwargs={"car_id": car.pk}),
        {"op": ops["revision-60000"].pk, "concession": dealer.pk, "slot": "x"},
    )

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "réessayez dans" in response.content.decode()

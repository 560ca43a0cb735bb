"""The handover at the dealer: a slot booked from the ETA within the dealer's capacity, moved
when the ETA slips past it, a to-do list that gates the handover, and the handover that
delivers the order (and starts the withdrawal period)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from PIL import Image

from autovitrine.conftest import ROLES
from autovitrine.inventory.models import StockVehicle
from autovitrine.orders.models import Order
from autovitrine.orders.selectors import withdrawal_deadline
from autovitrine.orders.services import (
    order_mark_ready,
    order_trade_in_accept,
    order_trade_in_attach,
    order_trade_in_offer,
)
from autovitrine.production import selectors, services
from autovitrine.production.models import (
    HandoverBooking,
    HandoverDocument,
    OrderProgress,
)
from autovitrine.testing import factories as f
from autovitrine.tradein.tests.factories import TradeInFactory

from .conftest import factory_order, post

TRADE_IN_VIN = "VF3ABC00012345678"
WEEKDAYS = range(5)


def open_handovers(dealer, *, places: int = 2, saturday: int = 0) -> None:
    """Monday to Friday, morning and afternoon, ``places`` handovers each (bays = staff)."""
    rows = [(day, half, places, places) for day in WEEKDAYS for half in ("am", "pm")]
    if saturday:
        rows.append((5, "am", saturday + 1, saturday))  # more bays than staff: staff decide
    services.handover_capacity_set(dealer_id=dealer.pk, rows=rows)


def future_monday(weeks: int = 6) -> dt.date:
    """A Monday weeks ahead of the real today, so the ETA, not today, sets the earliest day."""
    today = timezone.localdate()
    return today + dt.timedelta(days=7 * weeks - today.weekday())


def arriving(order, plant, *, eta_to: dt.date) -> OrderProgress:
    """The car's progress with an arrival window ending on ``eta_to``."""
    return OrderProgress.objects.create(
        order=order,
        vin=f.random_vin(),
        plant=plant,
        line=plant.lines.get(),
        eta_from=eta_to - dt.timedelta(days=2),
        eta_to=eta_to,
    )


def weekday_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7 or 7)


@pytest.fixture
def booked_order(order, plant, dealer, customer):
    open_handovers(dealer)
    monday = future_monday()
    arriving(order, plant, eta_to=monday)
    return order


# --- Booking ----------------------------------------------------------------------------------


def test_the_first_slot_is_one_working_day_after_the_eta(order, plant, dealer, customer):
    # Given a car due on a Friday at a dealer open on weekdays and Saturday mornings
    open_handovers(dealer, saturday=1)
    friday = future_monday() + dt.timedelta(days=4)
    arriving(order, plant, eta_to=friday)

    # When
    earliest = selectors.handover_earliest_day(order)
    slots = selectors.handover_free_slots(dealer_id=dealer.pk, earliest=earliest, days=7)

    # Then Saturday is not a working day: the first slot is Monday morning, 2 places
    assert earliest == friday + dt.timedelta(days=3)
    assert (slots[0].day, slots[0].half_day, slots[0].free) == (earliest, "am", 2)
    # and the next Saturday morning has 1 place (1 person for 2 bays)
    saturday = [s for s in slots if s.day.weekday() == 5]
    assert [(s.half_day, s.places) for s in saturday] == [("am", 1)]


def test_public_holidays_have_no_slot(dealer):
    # Given Easter Monday 2027 (29 March) falls on a weekday the dealer hands cars over
    open_handovers(dealer)

    # When
    slots = selectors.handover_free_slots(
        dealer_id=dealer.pk, earliest=dt.date(2027, 3, 26), days=5
    )

    # Then
    assert [s.day for s in slots[::2]] == [dt.date(2027, 3, 26), dt.date(2027, 3, 30)]
    assert selectors.working_day_after(dt.date(2027, 3, 26)) == dt.date(2027, 3, 30)


def test_no_slot_before_the_arrival_is_known(order, dealer, customer):
    # Given a confirmed factory order not planned yet
    open_handovers(dealer)

    # Then
    assert selectors.handover_earliest_day(order) is None
    with pytest.raises(ValidationError, match="pas encore connue"):
        services.handover_book(number=order.number, customer_id=customer.pk, slot="2030-01-07-am")


def test_a_slot_before_the_eta_is_refused(booked_order, customer):
    # Given the car arrives on a Monday
    monday = future_monday()

    # When the buyer asks for that very Monday
    with pytest.raises(ValidationError, match="trop tôt") as refused:
        services.handover_book(
            number=booked_order.number, customer_id=customer.pk, slot=f"{monday}-pm"
        )

    # Then
    assert refused.value.code == "too_early"
    assert not HandoverBooking.objects.exists()


def test_booking_twice_the_same_slot_books_once_and_changing_frees_the_first(
    booked_order, customer
):
    tuesday = future_monday() + dt.timedelta(days=1)
    book = {"number": booked_order.number, "customer_id": customer.pk}

    # When the buyer double-clicks, then changes to Wednesday afternoon
    first = services.handover_book(**book, slot=f"{tuesday}-am")
    again = services.handover_book(**book, slot=f"{tuesday}-am")
    services.handover_book(**book, slot=f"{tuesday + dt.timedelta(days=1)}-pm")

    # Then one seat is held, the new one
    assert first.pk == again.pk
    assert list(
        HandoverBooking.objects.filter(status__in=("booked", "offered")).values_list(
            "day", "half_day"
        )
    ) == [(tuesday + dt.timedelta(days=1), "pm")]
    first.refresh_from_db()
    assert first.status == "changed"


def test_a_full_half_day_is_refused_and_the_buyer_keeps_their_slot(order, plant, dealer, customer):
    # Given one place a half-day; another buyer holds Tuesday morning, ours Tuesday afternoon
    open_handovers(dealer, places=1)
    monday = future_monday()
    other_buyer = f.UserFactory(email="autre-acheteur@example.fr")
    other = factory_order(other_buyer, dealer)
    for each in (order, other):
        arriving(each, plant, eta_to=monday)
    tuesday = monday + dt.timedelta(days=1)
    services.handover_book(number=other.number, customer_id=other_buyer.pk, slot=f"{tuesday}-am")
    mine = services.handover_book(
        number=order.number, customer_id=customer.pk, slot=f"{tuesday}-pm"
    )

    # When our buyer tries to move to the full morning
    with pytest.raises(services.SlotFull, match="vient d'être pris"):
        services.handover_book(number=order.number, customer_id=customer.pk, slot=f"{tuesday}-am")

    # Then they keep their afternoon, and the morning has its one handover
    mine.refresh_from_db()
    assert mine.status == "booked"
    assert HandoverBooking.objects.filter(day=tuesday, half_day="am").count() == 1


def test_a_stock_order_books_from_the_next_working_day(dealer, customer):
    # Given a confirmed order of a car in stock
    open_handovers(dealer)
    vehicle = f.StockVehicleFactory(dealer=dealer)
    order = factory_order(customer, dealer)
    Order.objects.filter(pk=order.pk).update(kind="stock", stock_vehicle=vehicle)
    order.refresh_from_db()
    today = dt.date(2030, 1, 4)  # a Friday

    # Then
    assert selectors.handover_earliest_day(order, today=today) == dt.date(2030, 1, 7)


# --- The ETA slips past the slot ------------------------------------------------------------


def test_an_eta_slipping_past_the_slot_offers_the_first_free_one_and_tells_everyone_once(
    client,
    order,
    plant,
    dealer,
    dealer_staff,
    customer,
    rail_key,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    # Given the car has left the plant, due on a Monday; the buyer booked Tuesday morning
    open_handovers(dealer)
    monday = future_monday()
    progress = arriving(order, plant, eta_to=monday)
    OrderProgress.objects.filter(pk=progress.pk).update(rank=10_000, stage_kind="left_plant")
    tuesday = monday + dt.timedelta(days=1)
    booking = services.handover_book(
        number=order.number, customer_id=customer.pk, slot=f"{tuesday}-am"
    )

    # When the carrier says the train will reach the hub 10 days later
    late = timezone.make_aware(dt.datetime.combine(monday + dt.timedelta(days=10), dt.time(9)))
    checkpoint = {
        "id": "rail-late",
        "kind": "transport_checkpoint",
        "occurred_at": timezone.now().isoformat(),
        "vin": progress.vin,
        "leg": "douai-lyon-rail",
        "eta": late.isoformat(),
    }
    with django_capture_on_commit_callbacks(execute=True):
        answer = post(client, rail_key, [checkpoint])

    # Then the Tuesday seat is free again, and the first free slot after the new ETA is held
    assert answer.json()["results"][0]["status"] == "accepted"
    booking.refresh_from_db()
    progress.refresh_from_db()
    offered = selectors.handover_current_booking(order)
    assert booking.status == "slipped"
    assert offered.status == "offered"
    assert offered.day == selectors.working_day_after(progress.eta_to)
    assert offered.half_day == "am"
    # the buyer and the dealer's staff are told
    to_buyer = [m for m in mailoutbox if m.to == [order.email]]
    to_dealer = [m for m in mailoutbox if m.to == [dealer_staff.email]]
    assert [m.subject for m in to_buyer] == [
        f"Votre remise des clés est à replanifier — {order.number}"
    ]
    assert "/remise/" in to_buyer[0].body
    assert selectors.slot_label(offered.day, "am") in to_buyer[0].body
    assert len(to_dealer) == 1 and order.number in to_dealer[0].subject

    # When the same event is delivered again
    sent = len(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, rail_key, [checkpoint])

    # Then nothing moves and nobody is told twice
    assert len(mailoutbox) == sent
    assert HandoverBooking.objects.count() == 2

    # When the buyer confirms the offered slot
    confirmed = services.handover_book(
        number=order.number, customer_id=customer.pk, slot=f"{offered.day}-am"
    )
    assert (confirmed.pk, confirmed.status) == (offered.pk, "booked")


def test_an_eta_moving_earlier_keeps_the_slot(order, plant, dealer, customer, rail_key, client):
    # Given a booking on Thursday for a car due Monday
    open_handovers(dealer)
    monday = future_monday()
    progress = arriving(order, plant, eta_to=monday)
    OrderProgress.objects.filter(pk=progress.pk).update(rank=10_000, stage_kind="left_plant")
    booking = services.handover_book(
        number=order.number, customer_id=customer.pk, slot=f"{monday + dt.timedelta(days=3)}-am"
    )

    # When the carrier's ETA is two days before the booking
    soon = timezone.make_aware(dt.datetime.combine(monday - dt.timedelta(days=5), dt.time(9)))
    post(
        client,
        rail_key,
        [
            {
                "id": "rail-ok",
                "kind": "transport_checkpoint",
                "occurred_at": timezone.now().isoformat(),
                "vin": progress.vin,
                "leg": "douai-lyon-rail",
                "eta": soon.isoformat(),
            }
        ],
    )

    # Then
    booking.refresh_from_db()
    assert booking.status == "booked"


# --- To-do list and the handover ------------------------------------------------------------


def pdf_upload(name: str = "assurance.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def jpeg_with_metadata():
    from django.core.files.uploadedfile import SimpleUploadedFile

    image = Image.new("RGB", (40, 30), "navy")
    exif = Image.Exif()
    exif[0x010F] = "Fabricant du téléphone"  # Make
    exif[0x0110] = "Téléphone du client"  # Model
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return SimpleUploadedFile("carte-grise.jpg", buffer.getvalue(), content_type="image/jpeg")


def ready(order, dealer, staff) -> None:
    Order.objects.filter(pk=order.pk).update(status="in_production")
    order_mark_ready(number=order.number, dealer_id=dealer.pk, by=staff)


def test_the_handover_waits_for_the_to_do_list_then_delivers_the_order(
    booked_order, dealer, dealer_staff, customer
):
    number = booked_order.number
    services.handover_book(
        number=number, customer_id=customer.pk, slot=f"{future_monday() + dt.timedelta(1)}-am"
    )
    ready(booked_order, dealer, dealer_staff)

    # When the dealer tries to hand the car over at once
    with pytest.raises(ValidationError) as refused:
        services.handover_complete(number=number, dealer_id=dealer.pk, by=dealer_staff)

    # Then it is told what is missing, and nothing moved
    message = refused.value.messages[0]
    assert "Solde de 27\u202f000\u00a0€ payé ou financement accepté" in message
    assert "attestation d'assurance" in message
    assert "Pièce d'identité vérifiée" in message
    assert Order.objects.get(pk=booked_order.pk).status == "ready"

    # When the buyer uploads the insurance certificate, the dealer confirms the loan and the ID
    services.handover_document_upload(
        number=number, customer_id=customer.pk, kind="insurance", upload=pdf_upload()
    )
    services.handover_confirm_balance(
        number=number, dealer_id=dealer.pk, by=dealer_staff, means="loan"
    )
    services.handover_check_identity(number=number, dealer_id=dealer.pk, by=dealer_staff)
    handed = timezone.make_aware(dt.datetime(2030, 4, 10, 15, 0))
    order = services.handover_complete(
        number=number, dealer_id=dealer.pk, by=dealer_staff, now=handed
    )

    # Then the order is delivered that day, paid by the loan; the 14 days run from it
    assert (order.status, order.delivered_at, order.balance_means) == ("delivered", handed, "loan")
    assert order.balance_paid_cents == 2_700_000
    assert withdrawal_deadline(order) == dt.date(2030, 4, 24)
    assert [b.status for b in HandoverBooking.objects.all()] == ["done"]
    assert order.events.last().to_status == "delivered"


def test_an_accepted_trade_in_needs_its_papers_and_enters_used_stock_at_the_handover(
    booked_order, dealer, dealer_staff, customer
):
    # Given an accepted trade-in on the order
    number = booked_order.number
    trade_in = TradeInFactory(customer=customer)
    Order.objects.filter(pk=booked_order.pk).update(status="deposit_paid")
    order_trade_in_attach(number=number, customer_id=customer.pk, trade_in_id=trade_in.pk)
    order_trade_in_offer(
        number=number,
        dealer_id=dealer.pk,
        by=dealer_staff,
        amount_cents=600_000,
        note="Pare-chocs rayé.",
    )
    order_trade_in_accept(number=number, customer_id=customer.pk)
    Order.objects.filter(pk=booked_order.pk).update(status="confirmed")
    order = Order.objects.get(pk=booked_order.pk)

    # Then the to-do list asks for its registration and non-pledge certificates
    assert [item.key for item in selectors.handover_todo(order)] == [
        "balance",
        "insurance",
        "registration",
        "non_pledge",
        "identity",
    ]

    # When every item is done
    for kind, upload in (
        ("insurance", pdf_upload()),
        ("registration", jpeg_with_metadata()),
        ("non_pledge", pdf_upload("non-gage.pdf")),
    ):
        services.handover_document_upload(
            number=number, customer_id=customer.pk, kind=kind, upload=upload
        )
    services.handover_confirm_balance(
        number=number, dealer_id=dealer.pk, by=dealer_staff, means="transfer"
    )
    services.handover_check_identity(number=number, dealer_id=dealer.pk, by=dealer_staff)
    ready(order, dealer, dealer_staff)
    services.handover_complete(
        number=number, dealer_id=dealer.pk, by=dealer_staff, trade_in_vin=TRADE_IN_VIN
    )

    # Then the trade-in is in the dealer's used stock
    used = StockVehicle.objects.get(vin=TRADE_IN_VIN)
    assert (used.dealer_id, used.condition) == (dealer.pk, "used")
    # and the photo of the registration certificate was stored without its metadata
    stored = HandoverDocument.objects.get(kind="registration")
    with stored.file.open("rb") as handle, Image.open(handle) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}


def test_a_document_that_is_neither_pdf_nor_image_is_refused(booked_order, customer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ValidationError, match="PDF ou une photo"):
        services.handover_document_upload(
            number=booked_order.number,
            customer_id=customer.pk,
            kind="insurance",
            upload=SimpleUploadedFile("x.html", b"<script>alert(1)</script>"),
        )
    # and trade-in papers are not asked without a trade-in
    with pytest.raises(ValidationError, match="pas demandé"):
        services.handover_document_upload(
            number=booked_order.number,
            customer_id=customer.pk,
            kind="registration",
            upload=pdf_upload(),
        )
    assert not HandoverDocument.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_a_buyers_document(client_as, booked_order, customer, role):
    # Given the buyer's insurance certificate
    document = services.handover_document_upload(
        number=booked_order.number, customer_id=customer.pk, kind="insurance", upload=pdf_upload()
    )

    # When
    client, _user = client_as(role)
    answer = client.get(f"/remise/documents/{document.pk}/")

    # Then only the buyer and the delivering dealer's staff get it
    expected = {
        "anonymous": 302,
        "customer": 200,
        "other_dealer_staff": 404,
        "dealer_staff": 200,
        "head_office": 404,
    }[role]
    assert answer.status_code == expected
    if expected == 200:
        assert b"".join(answer.streaming_content).startswith(b"%PDF-")
        assert answer["Content-Type"] == "application/pdf"
        assert "no-store" in answer["Cache-Control"]


def test_documents_are_not_under_the_public_media(booked_order, customer, settings):
    document = services.handover_document_upload(
        number=booked_order.number, customer_id=customer.pk, kind="insurance", upload=pdf_upload()
    )
    assert not (settings.MEDIA_ROOT / document.file.name).exists()


# --- Pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_the_buyers_handover_page(client_as, booked_order, role):
    client, _user = client_as(role)
    answer = client.get(f"/commandes/{booked_order.number}/remise/")
    expected = {
        "anonymous": 302,
        "customer": 200,
        "other_dealer_staff": 404,
        "dealer_staff": 404,
        "head_office": 404,
    }[role]
    assert answer.status_code == expected


def test_the_buyer_books_from_the_timeline(client, booked_order, customer):
    client.force_login(customer)

    # Given the timeline links to the handover
    timeline = client.get(f"/commandes/{booked_order.number}/suivi/").content.decode()
    assert "Choisir mon créneau de remise des clés" in timeline

    # When the buyer picks Tuesday afternoon
    tuesday = future_monday() + dt.timedelta(days=1)
    answer = client.post(
        f"/commandes/{booked_order.number}/remise/reserver/",
        {"creneau": f"{tuesday}-pm"},
        follow=True,
    )

    # Then
    page = answer.content.decode()
    assert "Remise des clés réservée" in page
    assert 'data-status="booked"' in page
    timeline = client.get(f"/commandes/{booked_order.number}/suivi/").content.decode()
    assert "Remise réservée" in timeline


@pytest.mark.parametrize(
    "slot", ["", "demain", "2030-13-40-am", "2030-01-07-soir", "٢٠٣٠-01-07-am"]
)
def test_a_bad_slot_is_a_french_message_not_a_500(client, booked_order, customer, slot):
    client.force_login(customer)
    answer = client.post(f"/commandes/{booked_order.number}/remise/reserver/", {"creneau": slot})
    assert answer.status_code == 400
    assert "Créneau inconnu" in answer.content.decode()


def test_the_dealer_sets_its_capacity_and_sees_its_calendar_with_the_to_do(
    client, order, plant, dealer, dealer_staff, customer
):
    client.force_login(dealer_staff)

    # When the dealer opens Tuesday mornings with 3 bays and 2 people
    data = {
        f"{what}_{d}_{h}": 0 for what in ("bays", "staff") for d in range(7) for h in ("am", "pm")
    }
    data.update({"bays_1_am": 3, "staff_1_am": 2})
    assert client.post("/concessions/espace/remises/capacite/", data).status_code == 302

    # Then a buyer can book Tuesday morning, 2 places
    monday = future_monday()
    arriving(order, plant, eta_to=monday)
    slots = selectors.handover_free_slots(
        dealer_id=dealer.pk, earliest=monday + dt.timedelta(days=1), days=7
    )
    assert [(s.day.weekday(), s.half_day, s.free) for s in slots] == [(1, "am", 2)]
    services.handover_book(number=order.number, customer_id=customer.pk, slot=f"{slots[0].day}-am")

    # and the dealer's week shows the handover with the buyer's to-do progress
    page = client.get(f"/concessions/espace/remises/?du={slots[0].day}").content.decode()
    assert order.number in page
    assert "à faire : 0/3" in page
    detail = client.get(f"/concessions/espace/remises/{order.number}/")
    assert detail.status_code == 200


def test_the_capacity_form_refuses_bad_numbers_in_french(client, dealer_staff):
    client.force_login(dealer_staff)
    answer = client.post("/concessions/espace/remises/capacite/", {"bays_0_am": "-3"})
    assert answer.status_code == 400
    assert "Corrigez les valeurs" in answer.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_a_dealers_handover(client_as, booked_order, role):
    client, _user = client_as(role)
    answer = client.get(f"/concessions/espace/remises/{booked_order.number}/")
    expected = {
        "anonymous": 302,
        "customer": 403,
        "other_dealer_staff": 404,
        "dealer_staff": 200,
        "head_office": 403,
    }[role]
    assert answer.status_code == expected


def test_the_dealer_hands_the_car_over_from_its_page(
    client, booked_order, dealer, dealer_staff, customer
):
    # Given the insurance certificate is there and the car is ready
    number = booked_order.number
    services.handover_document_upload(
        number=number, customer_id=customer.pk, kind="insurance", upload=pdf_upload()
    )
    ready(booked_order, dealer, dealer_staff)
    client.force_login(dealer_staff)
    base = f"/concessions/espace/remises/{number}/"

    # When the dealer confirms the bank cheque and the ID, then hands over
    client.post(base + "solde/", {"means": "bank_cheque"})
    client.post(base + "identite/")
    answer = client.post(base + "remise/", follow=True)

    # Then
    assert "Remise effectuée" in answer.content.decode()
    order = Order.objects.get(pk=booked_order.pk)
    assert (order.status, order.balance_means) == ("delivered", "bank_cheque")


def test_the_dealer_is_told_what_is_missing(client, booked_order, dealer, dealer_staff):
    ready(booked_order, dealer, dealer_staff)
    client.force_login(dealer_staff)
    answer = client.post(f"/concessions/espace/remises/{booked_order.number}/remise/")
    assert answer.status_code == 400
    assert "Avant la remise, il reste" in answer.content.decode()
    assert Order.objects.get(pk=booked_order.pk).status == "ready"

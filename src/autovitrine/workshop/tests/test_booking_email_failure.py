"""Issue 10: a workshop e-mail that cannot be sent (the relay refuses it) is written on the
booking's history and badged in the workshop's planning, not lost in a failed task."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse
from django.utils import timezone

from autovitrine.workshop.models import BookingEvent
from autovitrine.workshop.services import booking_confirm, booking_hold

from .conftest import next_weekday

pytestmark = pytest.mark.django_db


def test_a_confirmation_the_relay_refuses_is_on_the_booking_and_badged_in_the_planning(
    client,
    car,
    customer,
    dealer,
    workshop,
    ops,
    dealer_staff,
    smtp_down,
    django_capture_on_commit_callbacks,
):
    # Given: a held slot; the mail relay is down
    start = next_weekday(9)
    held = booking_hold(
        customer_id=customer.pk,
        dealer_id=dealer.pk,
        car=car,
        operation_ids=[ops["revision-60000"].pk],
        starts_at=start,
    )

    # When: the owner confirms (the confirmation with its .ics is e-mailed)
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_confirm(booking=held)

    # Then: the booking stands and its history says the e-mail did not leave, to whom
    failed = list(BookingEvent.objects.filter(booking=booking, status=BookingEvent.EMAIL_FAILED))
    assert len(failed) == 1
    assert customer.email in failed[0].note
    assert failed[0].status_label == "E-mail non envoyé"
    booking.refresh_from_db()
    assert booking.status == "confirmed"

    # And the workshop's planning of that day badges it (on its technician's and bay's rows)
    client.force_login(dealer_staff)
    day = timezone.localtime(start).date().isoformat()
    page = html.unescape(client.get(reverse("workshop:planning"), {"jour": day}).content.decode())
    assert booking.number in page
    assert page.count("data-email-failed") == page.count(f"{booking.number} ") >= 1


def test_a_booking_whose_emails_leave_has_no_badge(client, booking, dealer_staff, mailoutbox):
    client.force_login(dealer_staff)
    day = timezone.localtime(booking.starts_at).date().isoformat()
    page = client.get(reverse("workshop:planning"), {"jour": day}).content.decode()
    assert booking.number in page
    assert "data-email-failed" not in page

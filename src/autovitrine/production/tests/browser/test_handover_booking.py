"""On a phone, the buyer books the handover slot from the tracking page, with links and buttons
only; the pages pass axe-core."""

from __future__ import annotations

import datetime as dt

import pytest

from autovitrine.production.models import HandoverBooking
from autovitrine.testing import factories as f

from ..conftest import factory_order
from ..test_handover import arriving, future_monday, open_handovers
from .test_live_timeline import axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_buyer_books_the_handover_from_the_tracking_page(new_phone, plant):
    # Given a car due on a Monday at a dealer handing cars over on weekdays
    dealer = f.DealerFactory(code="aurore-lyon", name="Aurore Lyon Confluence")
    buyer = f.UserFactory(email="lea@example.fr")
    order = factory_order(buyer, dealer)
    open_handovers(dealer)
    monday = future_monday()
    arriving(order, plant, eta_to=monday)
    page = new_phone()
    sign_in(page, buyer.email)

    # When the buyer opens the tracking page and follows the handover link
    page.goto(f"/commandes/{order.number}/suivi/")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Choisir mon créneau de remise des clés").click()
    page.wait_for_selector("#handover-slots")
    assert axe_violations(page) == []

    # and taps the first slot offered: Tuesday morning
    first = page.locator("#handover-slots button").first
    assert first.get_attribute("value") == f"{monday + dt.timedelta(days=1)}-am"
    first.click()

    # Then the page confirms it, and the slot is held
    page.wait_for_selector("#handover-booking[data-status=booked]")
    assert "Remise des clés réservée" in page.locator(".messages").inner_text()
    assert axe_violations(page) == []
    booking = HandoverBooking.objects.get()
    assert (booking.day, booking.half_day, booking.status) == (
        monday + dt.timedelta(days=1),
        "am",
        "booked",
    )
    # and the tracking page says so
    page.get_by_role("link", name="Suivi de votre voiture").click()
    assert "Remise réservée" in page.locator("#handover-summary").inner_text()

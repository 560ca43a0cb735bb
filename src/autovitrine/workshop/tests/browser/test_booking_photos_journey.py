"""On a phone: the owner sends a photo of the damage before the visit, then sees the
workshop's photo of the job; the images load (the owner's session, no public URL) and
axe-core finds nothing."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from autovitrine.workshop.services import (
    booking_photo_add,
    booking_set_status,
)

from ..test_booking_photos import jpeg
from .test_service_journey import axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_owner_sends_a_damage_photo_and_sees_the_workshop_photos(
    new_phone, booking, customer, dealer
):
    # Given a confirmed booking

    # When the owner sends a photo of the damage from a phone
    page = new_phone()
    sign_in(page, customer.email)
    page.goto(f"/atelier/rendez-vous/{booking.number}/")
    assert axe_violations(page) == []
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), "blue").save(buffer, format="PNG")
    page.get_by_label("Photos (JPEG, PNG ou WebP, 5 au plus)").set_input_files(
        files=[{"name": "bosse.png", "mimeType": "image/png", "buffer": buffer.getvalue()}]
    )
    page.get_by_label("Ce que montrent les photos").fill("Bosse portière arrière")
    page.locator("#send-photos").click()
    page.wait_for_load_state()
    assert "Photos envoyées à l'atelier." in page.content()

    # and the workshop adds its own at check-in
    booking_set_status(booking=booking, status="received")
    booking_photo_add(booking=booking, upload=jpeg(), caption="Pneu avant usé", by_owner=False)
    page.reload()

    # Then both show, as loaded images, and the page is accessible at 390 px
    assert page.locator("#photo-form").count() == 0  # the car is at the workshop now
    for caption in ("Bosse portière arrière", "Pneu avant usé"):
        image = page.get_by_alt_text(caption)
        image.scroll_into_view_if_needed()
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

"""On a phone: the owner sends a photo of the damage before the visit, then sees the
workshop's photo of the job; the images load (the owner's session, no public URL) and
axe-core finds nothing."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from autovitrine.testing import factories as f
from autovitrine.testing.workshop import basic_parts, equip_workshop, service_catalogue
from autovitrine.workshop.services import (
    booking_confirm,
    booking_hold,
    booking_photo_add,
    booking_set_status,
    garage_add_car,
)

from ..conftest import next_weekday
from ..test_booking_photos import jpeg
from .test_service_journey import axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_owner_sends_a_damage_photo_and_sees_the_workshop_photos(new_phone):
    # Given a confirmed booking
    dealer = f.DealerFactory(code="aurore-lyon", name="Aurore Lyon Confluence")
    version = f.VersionFactory()
    ops = service_catalogue()
    basic_parts(version.car_model_id)
    equip_workshop(dealer)
    owner = f.UserFactory(email="lea@example.fr")
    car = garage_add_car(owner_id=owner.pk, plate="fg-456-hj", version_id=version.pk, year=2021)
    booking = booking_confirm(
        booking=booking_hold(
            customer_id=owner.pk,
            dealer_id=dealer.pk,
            car=car,
            operation_ids=[ops["revision-60000"].pk],
            starts_at=next_weekday(9),
        )
    )

    # When the owner sends a photo of the damage from a phone
    page = new_phone()
    sign_in(page, owner.email)
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

"""At reception, on the dealer's tablet (here a phone, the smaller screen): the owner signs with
a finger on the pad; the drawing is kept with the check-in and shown on the job page; the pad
fits the screen and axe-core finds nothing."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from autovitrine.testing import factories as f

from .test_service_journey import axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_owner_signs_the_check_in_on_the_tablet(new_phone, booking, customer, dealer):
    staff = f.DealerStaffFactory(dealer=dealer, user__email="atelier@example.fr").user

    page = new_phone()
    sign_in(page, staff.email)
    page.goto(f"/atelier/concession/rendez-vous/{booking.number}/")
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_label("Kilométrage").fill("61000")
    page.get_by_label("Signature du client (nom)").fill("Léa Martin")
    pad = page.get_by_role("img", name="Zone de signature du client")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 25, box["y"] + 20 + (step % 3) * 15)
    page.mouse.up()
    page.get_by_role("button", name="Réceptionner").click()
    page.wait_for_load_state()

    booking.refresh_from_db()
    assert booking.status == "received" and booking.checkin_signed_by == "Léa Martin"
    with booking.checkin_signature.open("rb") as stored:
        drawing = Image.open(io.BytesIO(stored.read())).convert("RGBA")
    assert drawing.getbbox() is not None  # ink on the pad, not an empty picture
    signature = page.get_by_alt_text("Signature de Léa Martin")
    assert signature.evaluate("img => img.complete && img.naturalWidth > 0")
    assert axe_violations(page) == []

"""On a phone: the owner adds floor mats in stock at the dealer to a confirmed service booking;
the line and the new total show, axe-core finds nothing."""

from __future__ import annotations

import pytest

from autovitrine.core.money import format_eur
from autovitrine.parts.models import Part
from autovitrine.parts.services import stock_set

from .test_service_journey import axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_owner_adds_a_part_to_be_fitted_at_the_service(new_phone, booking, customer, dealer):
    # Given a confirmed 60,000 km service and mats in the dealer's stock
    stock_set(dealer_id=dealer.pk, part_id=Part.objects.get(reference="AC-TAPIS").pk, quantity=3)
    before = booking.total_ttc

    # When the owner adds them from the booking page on a phone
    page = new_phone()
    sign_in(page, customer.email)
    page.goto(f"/atelier/rendez-vous/{booking.number}/")
    assert axe_violations(page) == []
    page.get_by_label("Pièce").select_option("AC-TAPIS")
    page.get_by_label("Quantité").fill("2")
    page.locator("#add-part-button").click()
    page.wait_for_load_state()

    # Then the line and the new total show, and the page is still accessible
    assert "Tapis de sol (AC-TAPIS) — à monter" in page.content()
    booking.refresh_from_db()
    assert booking.total_ttc == before + 2 * 8280
    assert page.locator("#booking-total").inner_text() == format_eur(booking.total_ttc)
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_tow_bar_brings_its_fitting_labour_line(new_phone, booking, customer, dealer):
    # Given a tow bar that takes 100 minutes to fit, in the dealer's stock
    part = Part.objects.create(
        reference="AT-ATTELAGE",
        name="Attelage démontable",
        kind="attelage",
        price_ht=42000,
        universal=True,
        is_accessory=True,
        fitting_minutes=100,
    )
    stock_set(dealer_id=dealer.pk, part_id=part.pk, quantity=1)
    before, end = booking.total_ttc, booking.ends_at

    # When the owner adds it from the booking page on a phone
    page = new_phone()
    sign_in(page, customer.email)
    page.goto(f"/atelier/rendez-vous/{booking.number}/")
    option = page.get_by_label("Pièce").locator("option[value=AT-ATTELAGE]")
    assert "pose 100 min en plus" in option.inner_text()
    page.get_by_label("Pièce").select_option("AT-ATTELAGE")
    page.locator("#add-part-button").click()
    page.wait_for_load_state()

    # Then the part and its fitting are two lines, the total adds both, the job is longer
    content = page.content()
    assert "Attelage démontable (AT-ATTELAGE) — à monter" in content
    assert "Pose : Attelage démontable — main-d'œuvre (120 min)" in content
    booking.refresh_from_db()
    assert booking.total_ttc == before + 50400 + 21600  # (420 + 180 €) HT + 20 % VAT
    assert page.locator("#booking-total").inner_text() == format_eur(booking.total_ttc)
    assert (booking.ends_at - end).total_seconds() == 120 * 60
    assert axe_violations(page) == []

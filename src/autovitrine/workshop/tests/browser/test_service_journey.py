"""On a phone: an owner adds a car by plate, books its 60,000 km service with a loan car, gets
the .ics (parsed here), accepts an extra-work quote and sees the invoice; the dealer's planning
shows the booking. axe-core checks the owner's pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from icalendar import Calendar

from autovitrine.testing import factories as f
from autovitrine.testing.workshop import basic_parts, equip_workshop, schedule, service_catalogue
from autovitrine.workshop.models import Booking
from autovitrine.workshop.services import booking_set_status, quote_propose

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR).parent.parent / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[str]:
    before = len(page.csp_violations)
    page.evaluate(AXE.read_text())
    found = page.evaluate("async () => (await axe.run(document)).violations")
    page.csp_violations[before:] = [
        v for v in page.csp_violations[before:] if not v.startswith(": Applying inline style")
    ]
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in found]


def sign_in(page, email: str) -> None:
    page.goto("/")
    page.get_by_role("link", name="Se connecter").click()
    form = page.locator("#login-form")
    form.locator("[name=username]").fill(email)
    form.locator("[name=password]").fill(f.PASSWORD)
    form.locator("[type=submit]").click()
    page.wait_for_load_state()


def test_book_a_60000_km_service_with_a_loan_car_then_accept_extra_work(new_phone):
    # Given a dealer's workshop, head office's catalogue and an owner
    dealer = f.DealerFactory(code="aurore-lyon", name="Aurore Lyon Confluence")
    staff = f.DealerStaffFactory(dealer=dealer, user__email="atelier@example.fr").user
    version = f.VersionFactory()
    service_catalogue()
    basic_parts(version.car_model_id)
    schedule(version.car_model_id, km=30000, months=24)
    equip_workshop(dealer)
    owner = f.UserFactory(email="lea@example.fr")

    # When the owner adds the car by its plate
    page = new_phone()
    sign_in(page, owner.email)
    page.goto("/atelier/")
    assert axe_violations(page) == []
    form = page.locator("#add-car-form")
    form.locator("[name=plate]").fill("fg 456 hj")
    form.locator("[name=version]").select_option(str(version.pk))
    form.locator("[name=year]").fill("2021")
    form.locator("[name=mileage_km]").fill("58500")
    form.locator("[name=last_service_km]").fill("30000")
    page.locator("#add-car-button").click()
    page.wait_for_load_state()
    assert "60000 km" in page.locator("#next-service").inner_text()

    # and books the 60,000 km service with a loan car
    page.locator("#book-service").click()
    page.wait_for_load_state()
    page.get_by_label("Véhicule de prêt").check()
    page.locator("#see-slots").click()
    page.wait_for_load_state()
    assert "Révision des 60 000 km" in page.locator("#fixed-price").inner_text()
    page.locator("#slot-form input[name=slot]").first.check()
    page.locator("#hold-slot").click()
    page.wait_for_load_state()
    page.locator("#confirm-booking").click()
    page.wait_for_load_state()
    assert page.locator("#booking-status").inner_text() == "Confirmé"
    assert axe_violations(page) == []
    booking = Booking.objects.get(customer=owner)
    assert booking.option == "loan_car" and booking.loan_car_id is not None

    # Then the invitation is a calendar event at the booked time
    ics = page.request.get(page.locator("#ics-link").get_attribute("href"))
    event = Calendar.from_ical(ics.body()).walk("VEVENT")[0]
    assert event.decoded("dtstart") == booking.starts_at

    # When the workshop proposes extra work, the owner accepts it online
    booking_set_status(booking=booking, status="received")
    booking_set_status(booking=booking, status="diagnosis")
    quote_propose(booking=booking, description="Disques avant usés", amount_ht=18000)
    page.reload()
    page.locator("#accept-quote").click()
    page.wait_for_load_state()
    assert page.locator("#booking-status").inner_text() == "En cours"
    assert "Disques avant usés" in page.content()

    # and once the car is collected, the invoice is there
    booking_set_status(booking=booking, status="ready")
    booking_set_status(booking=booking, status="collected")
    page.reload()
    invoice = page.request.get(page.locator("#invoice-link").get_attribute("href"))
    assert invoice.status == 200 and invoice.body().startswith(b"%PDF")

    # The job's statuses and the car's service history are the site's timeline component
    assert page.locator("#booking-timeline li.step").count() >= 5
    page.locator("#car-link").click()
    page.wait_for_load_state()
    history = page.locator("#service-history")
    assert "Révision des 60 000 km" in history.locator("li.step").first.inner_text()
    assert history.evaluate("el => getComputedStyle(el).borderLeftStyle") == "solid"
    assert axe_violations(page) == []
    pdf = page.request.get(history.get_by_role("link").first.get_attribute("href"))
    assert pdf.body().startswith(b"%PDF")

    # The dealer's planning of that day shows the booking
    workshop_page = new_phone()
    sign_in(workshop_page, staff.email)
    booking.refresh_from_db()
    workshop_page.goto(f"/atelier/concession/planning/?jour={booking.starts_at.date()}")
    assert booking.number in workshop_page.content()

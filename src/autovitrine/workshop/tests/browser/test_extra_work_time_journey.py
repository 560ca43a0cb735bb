"""On a phone: the workshop opens a job from its planning and proposes extra work; work that no
longer fits before the next job is refused with a French message naming who is not free, work
that fits lengthens the job in the planning; the owner accepts it online."""

from __future__ import annotations

import pytest

from autovitrine.testing import factories as f
from autovitrine.testing.workshop import equip_workshop
from autovitrine.workshop.models import Booking
from autovitrine.workshop.services import booking_confirm, booking_hold, booking_set_status

from ..conftest import next_weekday
from .test_service_journey import axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_extra_work_lengthens_the_job_or_is_refused_when_it_no_longer_fits(
    new_phone, customer, car, dealer, ops
):
    # Given one technician and one lift: the job 09:00–11:30 in diagnosis, the next at 12:00
    equip_workshop(dealer, technicians=1, lifts=1)
    staff = f.DealerStaffFactory(dealer=dealer, user__email="atelier@example.fr").user

    def book(hour: int, minute: int, op: str) -> Booking:
        held = booking_hold(
            customer_id=customer.pk,
            dealer_id=dealer.pk,
            car=car,
            operation_ids=[ops[op].pk],
            starts_at=next_weekday(hour, minute),
        )
        return booking_confirm(booking=held)

    job = book(9, 0, "revision-60000")
    book(12, 0, "pre-ct")
    for status in ("received", "diagnosis"):
        booking_set_status(booking=job, status=status)

    # When the workshop opens the job from the day's planning on a phone
    page = new_phone()
    sign_in(page, staff.email)
    page.goto(f"/atelier/concession/planning/?jour={next_weekday(9).date()}")
    page.get_by_role("link", name=job.number).first.click()
    page.wait_for_load_state()
    assert "11:30" in page.locator("#dealer-booking-reserved").inner_text()

    # and proposes an hour of extra work: the technician is not free after 11:30
    form = page.locator("#quote-form")
    form.get_by_label("Travaux supplémentaires").fill("Disques avant usés")
    form.get_by_label("Montant HT (€)").fill("180")
    form.get_by_label("Temps de travail en plus (min)").fill("60")
    form.get_by_role("button", name="Envoyer le devis au client").click()
    page.wait_for_load_state()
    alert = page.get_by_role("alert").inner_text()
    assert "Technicien 1 n'est pas libre" in alert and "Réaffectez" in alert
    assert Booking.objects.get(pk=job.pk).status == "diagnosis"
    assert axe_violations(page) == []

    # then half an hour, which fits before the next job: the job is reserved until 12:00
    form = page.locator("#quote-form")
    form.get_by_label("Travaux supplémentaires").fill("Disques avant usés")
    form.get_by_label("Montant HT (€)").fill("180")
    form.get_by_label("Temps de travail en plus (min)").fill("30")
    form.get_by_role("button", name="Envoyer le devis au client").click()
    page.wait_for_load_state()
    assert "12:00" in page.locator("#dealer-booking-reserved").inner_text()
    page.locator("#back-to-planning").click()
    page.wait_for_load_state()
    assert "09:00–12:00" in page.get_by_role("link", name=job.number).first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # When the owner accepts the quote online, the time stays reserved
    owner = new_phone()
    sign_in(owner, customer.email)
    owner.goto(f"/atelier/rendez-vous/{job.number}/")
    owner.locator("#accept-quote").click()
    owner.wait_for_load_state()
    assert owner.locator("#booking-status").inner_text() == "En cours"
    job.refresh_from_db()
    assert job.ends_at == next_weekday(12, 0)

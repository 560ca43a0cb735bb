"""On a phone, from a car's page: the financing simulator opens pre-filled with a result; an
invalid duration shows its French error next to the field and clears the result, keeping the
focus; a valid one brings a fresh result back. Under the strict CSP (no inline script), axe-core
clean."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from autovitrine.testing import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR).parent.parent / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[str]:
    before = len(page.csp_violations)
    page.evaluate(AXE.read_text())  # devtools evaluation: not an inline script under the CSP
    found = page.evaluate("async () => (await axe.run(document)).violations")
    page.csp_violations[before:] = [
        v for v in page.csp_violations[before:] if not v.startswith(": Applying inline style")
    ]
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in found]


def test_the_simulator_never_shows_a_stale_result(new_phone):
    car = f.StockVehicleFactory(price_ttc=2_490_000)
    phone = new_phone()

    # From the car's page, the simulator opens with its price and a result at once.
    phone.goto(_vehicle_url(car))
    phone.locator("#vehicle-financing").click()
    phone.wait_for_selector("#monthly-payment")
    assert phone.locator("[name=price]").input_value() == "24900"
    assert "48 mensualités de" in phone.locator("#monthly-payment").inner_text()
    assert axe_violations(phone) == []

    # An invalid duration: its error in place, no result, the focus kept on the field.
    months = phone.locator("[name=months]")
    months.fill("0")
    months.dispatch_event("change")
    phone.wait_for_selector("#monthly-payment", state="detached")
    assert "supérieure ou égale à 1" in phone.locator("#error-months").inner_text()
    assert phone.locator("#financing-error").is_visible()
    assert phone.evaluate("document.activeElement.name") == "months"

    # A valid one: a fresh result, the error gone.
    months.fill("60")
    months.dispatch_event("change")
    phone.wait_for_selector("#monthly-payment")
    assert "60 mensualités de" in phone.locator("#monthly-payment").inner_text()
    assert phone.locator("#error-months").inner_text() == ""
    assert axe_violations(phone) == []


def _vehicle_url(car) -> str:
    from django.urls import reverse

    return reverse("inventory:vehicle", kwargs={"vehicle_id": car.pk})

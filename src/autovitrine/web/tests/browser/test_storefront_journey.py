"""A buyer near Lyon books a test drive from a phone; only that dealer's staff sees the lead.
A window sticker's QR code decodes to the vehicle page, and scanning it records a QR visit."""

from __future__ import annotations

import datetime as dt

import pytest
import zxingcpp
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from autovitrine.inventory.models import VehicleVisit
from autovitrine.leads.models import Lead
from autovitrine.testing import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, email: str) -> None:
    page.goto("/compte/connexion/")
    form = page.locator("#login-form")
    form.get_by_label("Adresse e-mail").fill(email)
    form.locator("[name=password]").fill(f.PASSWORD)
    form.locator("[type=submit]").click()
    page.wait_for_load_state()


@pytest.fixture
def network():
    version = f.VersionFactory(car_model__name="Terra", car_model__code="terra")
    lyon = f.DealerFactory(code="aurore-lyon", name="Aurore Lyon Confluence")
    marseille = f.DealerFactory(
        code="aurore-marseille",
        name="Aurore Marseille Prado",
        city="Marseille",
        postcode="13008",
        latitude=43.2599,
        longitude=5.3803,
    )
    f.StockVehicleFactory(dealer=marseille, version=version, price_ttc=2_190_000)
    car = f.StockVehicleFactory(dealer=lyon, version=version, price_ttc=2_990_000)
    lyon_staff = f.DealerStaffFactory(dealer=lyon, user__email="vendeur.lyon@example.fr").user
    marseille_staff = f.DealerStaffFactory(
        dealer=marseille, user__email="vendeur.marseille@example.fr"
    ).user
    return car, lyon_staff, marseille_staff


def test_search_near_lyon_to_test_drive_seen_only_by_that_dealer(new_phone, network):
    car, lyon_staff, marseille_staff = network
    buyer = new_phone()

    # The buyer searches near Lyon: the Lyon car comes first, although the other is cheaper.
    buyer.goto("/stock/")
    buyer.locator("#stock-search [name=place]").fill("Lyon")
    buyer.locator("#stock-search [type=submit]").first.click()
    buyer.wait_for_load_state()
    buyer.locator("article.vehicle-card a").first.click()
    buyer.wait_for_url(f"**/stock/vehicule/{car.pk}/**")

    # … and asks for a test drive next Tuesday at 10:00.
    slot = timezone.localdate() + dt.timedelta(days=(1 - timezone.localdate().weekday()) % 7 + 7)
    form = buyer.locator("#lead-form")
    form.locator("[name=kind][value=test_drive]").check()
    form.locator("input[type=datetime-local]").fill(f"{slot.isoformat()}T10:00")
    form.locator("[name=name]").fill("Léa Fontaine")
    form.locator("[name=email]").fill("lea.fontaine@example.fr")
    form.locator("[name=phone]").fill("06 12 34 56 78")
    form.locator("[type=checkbox]").check()
    form.locator("[type=submit]").click()
    buyer.wait_for_url("**/demandes/merci/**")

    lead = Lead.objects.get()
    assert (lead.kind, lead.dealer_id, lead.vehicle_id) == ("test_drive", car.dealer_id, car.pk)

    # The Lyon salesperson sees it in the dealer's space…
    lyon = new_phone()
    _sign_in(lyon, lyon_staff.email)
    lyon.goto("/demandes/concession/")
    rows = lyon.locator("tr.lead-row")
    assert rows.count() == 1
    assert "Léa Fontaine" in rows.first.inner_text()

    # … the Marseille salesperson neither sees it nor can open it.
    marseille = new_phone()
    _sign_in(marseille, marseille_staff.email)
    marseille.goto("/demandes/concession/")
    assert marseille.locator("tr.lead-row").count() == 0
    response = marseille.goto(f"/demandes/concession/{lead.pk}/")
    assert response.status == 404


def test_window_sticker_qr_decodes_to_the_vehicle_and_records_a_qr_visit(
    new_phone, network, granian_server, settings, tmp_path
):
    settings.PUBLIC_BASE_URL = granian_server.url
    car, lyon_staff, _ = network
    staff = new_phone()
    _sign_in(staff, lyon_staff.email)
    staff.goto(f"/stock/concession/{car.pk}/affichette/")
    shot = tmp_path / "qr.png"
    staff.locator("#sticker-qr").screenshot(path=str(shot))

    decoded = zxingcpp.read_barcodes(Image.open(shot))
    assert [d.text for d in decoded] == [
        f"{granian_server.url}/stock/vehicule/{car.pk}/?src=qr&medium=sticker"
    ]

    passer_by = new_phone()
    passer_by.goto(decoded[0].text)
    expect(passer_by.locator("h1").first).to_be_visible()
    visits = VehicleVisit.objects.filter(vehicle=car)
    assert [(v.source, v.medium) for v in visits] == [(VehicleVisit.Source.QR, "sticker")]

"""The window sticker: a printable A4 page with price, specs, label, dealer and a scannable QR code."""

from __future__ import annotations

import html
import io
import re

import pytest
import zxingcpp
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from autovitrine.catalog.models import MalusBracket, MalusScale
from autovitrine.inventory.models import VehiclePhoto
from autovitrine.inventory.services import vehicle_qr_svg, vehicle_qr_url
from autovitrine.testing import factories as f


def sticker_url(vehicle) -> str:
    return reverse("inventory:dealer_vehicle_sticker", kwargs={"vehicle_id": vehicle.pk})


@pytest.fixture
def vehicle(dealer):
    version = f.VersionFactory(
        car_model__name="Austral", trim="Techno", powertrain="E-Tech 200", power_hp=200
    )
    vehicle = f.StockVehicleFactory(
        dealer=dealer,
        version=version,
        price_ttc=3_489_000,
        mileage_km=12,
        gearbox="automatic",
        power_hp=200,
        colour_label="Rouge Flamme",
        co2_g_km=180,
    )
    VehiclePhoto.objects.create(vehicle=vehicle, image=f.png_upload("face.png"), position=0)
    return vehicle


def test_the_sticker_carries_price_specs_dealer_and_qr_code(client_as, vehicle, dealer):
    # Given
    client, _ = client_as("dealer_staff")

    # When
    response = client.get(sticker_url(vehicle))

    # Then
    text = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert '<link rel="stylesheet" href="/static/inventory/sticker.css">' in text
    assert '<h1 class="sticker-title">Aurore Austral</h1>' in text
    assert '<p class="sticker-version">Techno E-Tech 200</p>' in text
    assert (
        '<p class="sticker-price" id="sticker-price">34\u202f890\u00a0€ <small>TTC</small></p>'
        in text
    )
    for name, value in [
        ("État", "Neuf"),
        ("Boîte", "Automatique"),
        ("Puissance", "200 ch"),
        ("Kilométrage", "12 km"),
        ("Couleur", "Rouge Flamme"),
        ("VIN", vehicle.vin),
    ]:
        assert f"<dt>{name}</dt><dd>{value}</dd>" in text
    assert f'src="{vehicle.photos.get().image.url}"' in text
    assert f"<strong>{dealer.name}</strong>" in text and "<strong>04 72 00 00 00</strong>" in text
    assert f'<div id="sticker-qr" data-url="{vehicle_qr_url(vehicle)}">' in text
    assert vehicle_qr_svg(vehicle) in response.content.decode()
    assert "Scannez pour voir ce véhicule en ligne" in text


def test_a_new_cars_label_carries_the_malus_in_force_and_a_used_cars_none(
    client_as, vehicle, dealer
):
    # Given a malus scale in force from today (the latest one wins)
    scale = MalusScale.objects.create(
        year=2099,
        valid_from=timezone.localdate(),
        source="Barème d'essai",
        threshold_g_km=108,
        cap_cents=8_000_000,
    )
    MalusBracket.objects.create(scale=scale, co2_g_km=180, amount_cents=1_127_000)
    used = f.StockVehicleFactory(dealer=dealer, condition="used", co2_g_km=180)
    client, _ = client_as("dealer_staff")

    # When
    new_label = client.get(sticker_url(vehicle)).context["label"]
    used_response = client.get(sticker_url(used))

    # Then
    assert (new_label.co2_g_km, new_label.energy_class) == (180, "E")
    assert (new_label.malus_cents, new_label.malus_year) == (1_127_000, 2099)
    used_label = used_response.context["label"]
    assert (used_label.malus_cents, used_label.malus_year) == (0, None)
    assert "Malus CO2" not in used_response.content.decode()


@pytest.mark.browser
def test_the_printed_sticker_hides_the_site_scans_and_fits_one_a4_page(
    new_phone, granian_server, vehicle, dealer_staff, client
):
    # Given a signed-in dealer staff member in Chromium
    client.force_login(dealer_staff, backend="django.contrib.auth.backends.ModelBackend")
    page = new_phone()
    page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": granian_server.url,
            }
        ]
    )

    # When the sticker is opened and printed
    page.goto(sticker_url(vehicle))
    page.emulate_media(media="print")

    # Then no site header; the QR code is at least 35 mm wide (96 px per inch) and scans
    expect(page.locator(".site-header")).to_be_hidden()
    box = page.locator("#sticker-qr svg").bounding_box()
    assert box["width"] >= 35 / 25.4 * 96
    png = page.locator("#sticker-qr").screenshot()
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert [barcode.text for barcode in decoded] == [vehicle_qr_url(vehicle)]
    # and the whole sticker prints on a single A4 sheet
    pdf = page.pdf(prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1

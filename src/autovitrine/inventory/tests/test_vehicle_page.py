"""The public vehicle page: gallery, specifications, prices, label, dealer, lead form, QR visits."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from autovitrine.catalog.models import Energy
from autovitrine.inventory.models import StockVehicle, VehiclePhoto, VehicleVisit
from autovitrine.inventory.services import vehicle_qr_url
from autovitrine.testing import factories as f


def vehicle_url(vehicle: StockVehicle) -> str:
    return reverse("inventory:vehicle", kwargs={"vehicle_id": vehicle.pk})


def page_text(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def used_car(dealer):
    version = f.VersionFactory(
        car_model__name="Terra", trim="Techno", powertrain="1.3 TCe 140", co2_g_km=131
    )
    car = f.StockVehicleFactory(
        dealer=dealer,
        version=version,
        condition=StockVehicle.Condition.USED,
        vin="VF1RJA00123456789",
        version_label="Techno 1.3 TCe 140",
        colour_label="Bleu Iron",
        energy=Energy.PETROL,
        gearbox="automatic",
        power_hp=140,
        mileage_km=32_450,
        year=2021,
        first_registration=dt.date(2021, 3, 3),
        price_ttc=2_199_000,
        co2_g_km=131,
        description="Première main, carnet d'entretien complet.",
    )
    car.options.add(
        f.OptionFactory(car_model=version.car_model, name="Toit ouvrant", price_ht=75_000)
    )
    return car


def test_the_page_shows_specifications_prices_and_options(client, used_car):
    # When
    response = client.get(vehicle_url(used_car))

    # Then
    assert response.status_code == 200
    text = page_text(response)
    assert '<h1>Aurore Terra <span class="muted">Techno 1.3 TCe 140</span></h1>' in text
    assert "21\u202f990\u00a0€ <small>TTC</small>" in text
    assert "soit 18\u202f325\u00a0€ HT (TVA 20 %)" in text
    specs_section = text.split('id="specs-title"')[1].split("</section>")[0]
    specs = dict(re.findall(r"<dt>(.*?)</dt><dd[^>]*>(.*?)</dd>", specs_section))
    assert specs == {
        "Version": "Techno 1.3 TCe 140",
        "Énergie": "Essence",
        "Puissance": "140 ch",
        "Boîte de vitesses": "Automatique",
        "Kilométrage": "32\u00a0450 km",
        "Année": "2021",
        "Première immatriculation": "3 mars 2021",
        "Couleur": "Bleu Iron",
        "VIN": "VF1••••••••••6789",
    }
    assert "<li><span>Toit ouvrant</span> <span>900\u00a0€ TTC</span></li>" in text
    assert "Première main, carnet d'entretien complet." in text


def test_a_new_cars_vin_is_shown_whole(client, dealer):
    # Given
    car = f.StockVehicleFactory(dealer=dealer, vin="VF1NEW00123456789")

    # When
    text = page_text(client.get(vehicle_url(car)))

    # Then
    assert '<dd class="vin">VF1NEW00123456789</dd>' in text


def test_the_environmental_label_is_computed_for_the_car(client, used_car):
    # When
    response = client.get(vehicle_url(used_car))

    # Then: 131 g/km is class C; no malus on a used car
    text = page_text(response)
    assert "Étiquette environnementale" in text
    assert '<strong class="ec-badge ec-C">C</strong>' in text
    assert "131\xa0g/km" in text and "5,6 l/100 km" in text
    assert "Malus" not in text


def test_the_gallery_has_descriptive_alt_texts(client, used_car):
    # Given
    for position in range(2):
        VehiclePhoto.objects.create(vehicle=used_car, image=f.png_upload(), position=position)

    # When
    text = page_text(client.get(vehicle_url(used_car)))

    # Then
    assert 'alt="Aurore Terra Techno 1.3 TCe 140, photo 1 sur 2"' in text
    assert 'alt="Aurore Terra Techno 1.3 TCe 140, photo 2 sur 2"' in text
    assert "no-photo.svg" not in text


def test_without_photos_the_gallery_shows_the_drawing_of_the_car(client, used_car):
    # When
    text = page_text(client.get(vehicle_url(used_car)))

    # Then
    assert 'class="car-picture"' in text
    assert f'aria-label="{used_car.title}, dessin (photo à venir)"' in text


def test_the_dealer_block_has_address_phone_hours_and_map(client, used_car):
    # Given
    dealer = used_car.dealer

    # When
    response = client.get(vehicle_url(used_car))

    # Then
    text = page_text(response)
    assert f'<h2 id="dealer-title">{dealer.name}</h2>' in text
    assert "<address>12 avenue Jean Jaurès<br>69007 Lyon</address>" in text
    assert '<a href="tel:0472000000">04 72 00 00 00</a>' in text
    assert (
        '<ul class="hours"><li>Lundi – samedi : 9 h – 12 h 30, 14 h – 19 h</li>'
        "<li>Dimanche : fermé</li></ul>"
    ) in text
    assert (
        'href="https://www.openstreetmap.org/?mlat=45.74850&amp;mlon=4.84670#map=16/45.74850/4.84670"'
        in response.content.decode()
    )


def test_an_available_car_has_the_lead_form_for_it(client, used_car):
    # When
    html = client.get(vehicle_url(used_car)).content.decode()

    # Then
    assert '<form id="lead-form"' in html
    assert f'<input type="hidden" name="vehicle" value="{used_car.pk}" id="id_vehicle">' in html
    assert (
        f'<input type="hidden" name="dealer" value="{used_car.dealer.code}" id="id_dealer">' in html
    )
    for kind in ("question", "test_drive", "callback"):
        assert f'name="kind" value="{kind}"' in html
    assert '<span class="badge badge-available" id="vehicle-status">Disponible</span>' in html


def test_the_lead_form_carries_the_source_of_the_visit(client, used_car):
    # When
    html = client.get(
        vehicle_url(used_car),
        {"src": "qr", "medium": "sticker", "utm_source": "vitrine", "utm_campaign": "printemps"},
    ).content.decode()

    # Then
    assert '<input type="hidden" name="src" value="qr" id="id_src">' in html
    assert '<input type="hidden" name="utm_source" value="vitrine" id="id_utm_source">' in html
    assert (
        '<input type="hidden" name="utm_campaign" value="printemps" id="id_utm_campaign">' in html
    )
    assert re.search(r'name="idempotency_key" value="[0-9a-f-]{36}"', html)


def test_a_reserved_car_says_so_and_still_takes_leads(client, used_car):
    # Given
    StockVehicle.objects.filter(pk=used_car.pk).update(status=StockVehicle.Status.RESERVED)

    # When
    text = page_text(client.get(vehicle_url(used_car)))

    # Then
    assert '<span class="badge badge-reserved" id="vehicle-status">Réservé</span>' in text
    assert "Ce véhicule est réservé" in text
    assert 'id="lead-form"' in text


def test_a_sold_car_says_so_without_a_lead_form(client, used_car):
    # Given
    StockVehicle.objects.filter(pk=used_car.pk).update(status=StockVehicle.Status.SOLD)

    # When
    response = client.get(vehicle_url(used_car))

    # Then
    text = page_text(response)
    assert response.status_code == 200
    assert '<span class="badge badge-sold" id="vehicle-status">Vendu</span>' in text
    assert "Ce véhicule est vendu." in text
    assert 'id="lead-form"' not in text


def test_an_unknown_vehicle_is_not_found(client, db):
    # When
    response = client.get(reverse("inventory:vehicle", kwargs={"vehicle_id": 999_999}))

    # Then
    assert response.status_code == 404


def test_a_vehicle_of_an_inactive_dealer_is_not_found(client, used_car):
    # Given
    used_car.dealer.is_active = False
    used_car.dealer.save()

    # When
    response = client.get(vehicle_url(used_car))

    # Then
    assert response.status_code == 404


def test_a_qr_scan_records_one_visit_per_session(client, used_car, settings):
    # Given: the URL printed on the window sticker
    settings.PUBLIC_BASE_URL = "http://testserver"
    qr_url = vehicle_qr_url(used_car)

    # When: scanned, then reloaded twice
    for _ in range(3):
        assert client.get(qr_url).status_code == 200

    # Then
    visits = VehicleVisit.objects.filter(vehicle=used_car)
    assert [(v.source, v.medium, v.dealer_id) for v in visits] == [
        (VehicleVisit.Source.QR, "sticker", used_car.dealer_id)
    ]


def test_each_phone_scanning_the_qr_code_counts(client, used_car, settings):
    # Given
    settings.PUBLIC_BASE_URL = "http://testserver"

    # When: two different phones scan it
    client.get(vehicle_qr_url(used_car))
    Client().get(vehicle_qr_url(used_car, medium="poster"))

    # Then
    visits = VehicleVisit.objects.filter(vehicle=used_car).order_by("id")
    assert [(v.source, v.medium) for v in visits] == [("qr", "sticker"), ("qr", "poster")]


def test_a_campaign_link_records_a_campaign_visit(client, used_car):
    # When
    client.get(vehicle_url(used_car), {"utm_campaign": "printemps", "utm_medium": "email"})

    # Then
    visits = VehicleVisit.objects.filter(vehicle=used_car)
    assert [(v.source, v.medium, v.campaign) for v in visits] == [
        (VehicleVisit.Source.CAMPAIGN, "email", "printemps")
    ]


def test_a_plain_visit_records_nothing(client, used_car):
    # When
    client.get(vehicle_url(used_car))

    # Then
    assert VehicleVisit.objects.count() == 0

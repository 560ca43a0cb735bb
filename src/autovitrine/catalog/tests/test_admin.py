"""Head-office catalog admin: a model and its versions are entered on one page."""

from __future__ import annotations

from django.urls import reverse

from autovitrine.catalog.models import CarModel
from autovitrine.testing import factories as f


def test_head_office_adds_a_model_with_its_first_version(db, client_as):
    # Given
    client, _ = client_as("head_office")
    brand = f.BrandFactory()
    form = {
        "brand": brand.pk,
        "code": "aurore-nova",
        "name": "Nova",
        "body": CarModel.Body.HATCH,
        "position": 6,
        "is_published": "on",
        "versions-TOTAL_FORMS": "1",
        "versions-INITIAL_FORMS": "0",
        "versions-0-code": "nova-evolution-tce-100",
        "versions-0-trim": "Évolution",
        "versions-0-powertrain": "TCe 100",
        "versions-0-energy": "petrol",
        "versions-0-power_hp": "100",
        "versions-0-gearbox": "manual",
        "versions-0-base_price_ht": "1750000",
        "versions-0-co2_g_km": "121",
        "versions-0-consumption_x10": "53",
        "versions-0-consumption_unit": "l",
        "versions-0-crit_air": "1",
        "versions-0-is_published": "on",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
    }

    # When
    response = client.post(reverse("admin:catalog_carmodel_add"), form)

    # Then
    assert response.status_code == 302
    car_model = CarModel.objects.get(code="aurore-nova")
    assert [
        (v.code, v.base_price_ht, v.co2_g_km, v.consumption_x10) for v in car_model.versions.all()
    ] == [("nova-evolution-tce-100", 1_750_000, 121, 53)]


def test_the_version_list_shows_prices_with_vat(db, client_as):
    # Given: 20,750 € HT
    version = f.VersionFactory(base_price_ht=2_075_000)
    client, _ = client_as("head_office")

    # When
    response = client.get(reverse("admin:catalog_version_changelist"))

    # Then
    assert response.status_code == 200
    assert '<td class="field-price_ttc">24\u202f900\u00a0€</td>' in response.content.decode()
    assert str(version) in response.content.decode()

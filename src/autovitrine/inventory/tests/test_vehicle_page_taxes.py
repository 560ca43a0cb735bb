"""The stock vehicle page shows the taxes due at registration as the configurator and flash-sale
pages do (issue 13): CO2 malus and weight malus for a new car (CIBS L421-58 and L421-71 and
following: due at the first registration in France), the carte grise estimate for every car
(CIBS L421-41 and following: the regional rate per fiscal horsepower, halved from ten years
after the first registration, L421-45), computed by the order's own rule so the page and the
order show the same figures (``orders.selectors.sale_taxes``)."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from autovitrine.catalog.models import Energy
from autovitrine.inventory.models import StockVehicle
from autovitrine.orders.selectors import sale_taxes
from autovitrine.testing import factories as f

pytestmark = pytest.mark.django_db


def taxes_on_page(client, vehicle: StockVehicle) -> tuple[str, dict[str, str]]:
    text = unescape(
        client.get(reverse("inventory:vehicle", kwargs={"vehicle_id": vehicle.pk})).content.decode()
    )
    text = text.replace("\u202f", " ").replace("\xa0", " ")
    block = text.split('id="sale-taxes"')[1].split("</section>")[0] if "sale-taxes" in text else ""
    return block, dict(re.findall(r'<dd data-code="(\w+)">([^<]*)</dd>', block))


def euros(cents: int) -> str:
    from autovitrine.core.templatetags.money import eur_cents

    return eur_cents(cents).replace("\u202f", " ").replace("\xa0", " ")


@pytest.fixture
def heavy_new_car(dealer):
    """A new petrol car of 1 650 kg at 150 g/km: over both malus thresholds."""
    version = f.VersionFactory(co2_g_km=150, weight_kg=1_650)
    return f.StockVehicleFactory(
        dealer=dealer,
        version=version,
        condition=StockVehicle.Condition.NEW,
        energy=Energy.PETROL,
        power_hp=160,
        co2_g_km=150,
        year=timezone.localdate().year,
        price_ttc=3_990_000,
    )


def test_a_new_car_shows_its_co2_and_weight_malus_and_the_carte_grise_as_the_order_will(
    client, heavy_new_car
):
    block, amounts = taxes_on_page(client, heavy_new_car)

    expected = sale_taxes(
        vehicle=heavy_new_car,
        price_ttc=heavy_new_car.price_ttc,
        buyer_postcode="",
        dealer_postcode=heavy_new_car.dealer.postcode,
    )
    assert "Malus CO2" in block and "Malus au poids" in block and "(1650 kg)" in block
    assert "Carte grise, estimation" in block
    assert set(amounts) == {"malus", "weight_malus", "registration"}
    assert amounts == {line.code: euros(line.ttc) for line in expected.lines}
    assert "région de la concession de livraison" in block  # a visitor has no postcode


def test_a_used_car_shows_the_carte_grise_on_its_fiscal_power_and_no_malus(client, dealer):
    """The malus is due at the first registration only; the carte grise of a used car is based
    on the fiscal power of its registration certificate (field P.6) and its first registration
    (11 years: the regional rate is halved, L421-45)."""
    car = f.StockVehicleFactory(
        dealer=dealer,
        condition=StockVehicle.Condition.USED,
        energy=Energy.PETROL,
        power_hp=90,
        fiscal_hp=5,
        co2_g_km=120,
        year=2014,
        first_registration=timezone.localdate() - dt.timedelta(days=365 * 11 + 3),
        price_ttc=890_000,
    )

    block, amounts = taxes_on_page(client, car)

    assert set(amounts) == {"registration"}
    assert "Malus" not in block
    assert "(5 CV," in block


def test_a_signed_in_buyer_sees_the_carte_grise_of_their_own_region(client, heavy_new_car):
    buyer = f.UserFactory(email="paris@example.fr", postcode="75011")
    client.force_login(buyer, backend="django.contrib.auth.backends.ModelBackend")

    block, amounts = taxes_on_page(client, heavy_new_car)

    assert "Île-de-France" in block
    assert "région de votre code postal" in block
    dealer_region = sale_taxes(
        vehicle=heavy_new_car,
        price_ttc=heavy_new_car.price_ttc,
        buyer_postcode="",
        dealer_postcode="69007",
    )
    assert "Auvergne-Rhône-Alpes" in str(dealer_region.lines[-1].label)


def test_a_car_without_emissions_or_power_shows_no_tax_block(client, dealer):
    car = f.StockVehicleFactory(dealer=dealer, version=None, co2_g_km=None, power_hp=None)
    block, amounts = taxes_on_page(client, car)
    assert block == "" and amounts == {}


def test_a_margin_scheme_car_shows_no_vat_separately(client, dealer):
    """CGI art. 297 A (margin scheme) and 297 E: no VAT shown separately; the order form's
    mention « TVA sur la marge – art. 297 A du CGI » instead of an HT price."""
    car = f.StockVehicleFactory(
        dealer=dealer,
        condition=StockVehicle.Condition.USED,
        vat_scheme="margin",
        purchase_price_cents=1_500_000,
        price_ttc=1_990_000,
    )
    text = unescape(
        client.get(reverse("inventory:vehicle", kwargs={"vehicle_id": car.pk})).content.decode()
    )
    mention = text.split('id="vat-mention">')[1].split("</p>")[0]
    assert mention == "TVA sur la marge – art. 297 A du CGI"
    assert " HT " not in text.split('id="price-title"')[1].split("</section>")[0]

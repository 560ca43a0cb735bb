"""Flash-sale pages show the environmental label and the taxes due at registration as any sale
page (issue 13): CO2 malus, weight malus (CIBS L421-75), carte grise estimate; the same rule
as the order (``orders.selectors.sale_taxes``)."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse
from django.utils import timezone

from autovitrine.core.templatetags.money import eur_cents
from autovitrine.pricing.law.weight_malus import l421_75_amount_cents, weight_scale_on

from .factories import claim, direct_token, join

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode()).replace("\u202f", " ").replace("\xa0", " ")


@pytest.fixture
def heavy_sale(sale_kit):
    """A sale of one new petrol car of 1 650 kg at 128 g/km."""
    kit = sale_kit(units=1)
    version = kit.vehicles[0].version
    version.weight_kg = 1_650
    version.save(update_fields=["weight_kg"])
    return kit


def test_the_teaser_shows_the_label_and_the_taxes_due_at_registration(client, heavy_sale):
    page = text(client.get(reverse("flashsales:teaser", kwargs={"slug": heavy_sale.sale.slug})))

    assert 'id="sale-taxes"' in page
    assert "Émissions de CO2 (WLTP)" in page and "128 g/km" in page
    assert "Malus CO2" in page
    assert "Malus au poids" in page and "(1650 kg)" in page
    assert "Carte grise, estimation" in page
    assert "région de la concession de livraison" in page  # a visitor has no postcode


def test_the_weight_malus_shown_is_the_l421_75_amount_for_today(client, heavy_sale):
    """L421-75 (2026 scale: 1 500 to 1 699 kg at 10 € per kg, so 151 kg → 1 510 €): the page
    shows the amount of today's scale."""
    scale = weight_scale_on(timezone.localdate())
    if scale is None:
        pytest.skip("no weight scale entered for this year yet")
    page = text(client.get(reverse("flashsales:teaser", kwargs={"slug": heavy_sale.sale.slug})))
    weight = page.split('data-code="weight_malus">')[1].split("</dd>")[0]
    assert weight == eur_cents(l421_75_amount_cents(1_650, scale)).replace("\u202f", " ").replace(
        "\xa0", " "
    )


def test_the_hold_page_shows_the_same_taxes(client_as, heavy_sale):
    client, buyer = client_as("customer")
    join(heavy_sale, buyer)
    heavy_sale.open()
    answer = claim(heavy_sale, buyer, direct_token(heavy_sale, buyer))

    page = text(client.get(reverse("flashsales:hold", kwargs={"ref": answer.hold_ref})))

    assert 'id="sale-taxes"' in page
    assert "Malus au poids" in page and "Carte grise, estimation" in page

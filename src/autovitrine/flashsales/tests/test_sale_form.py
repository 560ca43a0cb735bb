"""Head office's sale form: no opening in the past, cars picked from the dealers' available
stock (searched by model and dealer), the anti-robot difficulty from the settings, minutes."""

from __future__ import annotations

import datetime as dt
import html

from django.urls import reverse
from django.utils import timezone

from autovitrine.flashsales.models import FlashSale
from autovitrine.testing import factories as f

URL = reverse("flashsales:office_sale_create")


def sale_post(brand_id: int, **changes) -> dict:
    opens = timezone.localtime(timezone.now() + dt.timedelta(days=2))
    data = {
        "brand": brand_id,
        "title": "Terra 97",
        "slug": "terra-97",
        "price": "19 900",
        "deposit": "500",
        "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
        "hold_minutes": "10",
        "admission_minutes": "3",
        "limit_per_customer": "1",
        "action": "create",
    }
    data.update(changes)
    return data


def test_an_opening_in_the_past_is_refused(client_as, dealer):
    client, _ = client_as("head_office")
    car = f.StockVehicleFactory(dealer=dealer)
    past = timezone.localtime(timezone.now() - dt.timedelta(minutes=5))

    response = client.post(
        URL,
        sale_post(dealer.brand_id, opens_at=past.strftime("%Y-%m-%dT%H:%M"), vehicles=[car.vin]),
    )

    assert response.status_code == 200
    assert "L'ouverture doit être dans le futur." in html.unescape(response.content.decode())
    assert not FlashSale.objects.exists()


def test_cars_are_picked_from_the_available_stock_and_minutes_become_seconds(
    client_as, dealer, settings
):
    # Given
    settings.FLASH_SALE_POW_DIFFICULTY_BITS = 12
    client, _ = client_as("head_office")
    picked = f.StockVehicleFactory(dealer=dealer)
    f.StockVehicleFactory(dealer=dealer)

    # When
    page = client.get(URL).content.decode()
    response = client.post(URL, sale_post(dealer.brand_id, vehicles=[picked.vin]))

    # Then
    assert f'value="{picked.vin}"' in page
    assert "pow_difficulty_bits" not in page
    assert response.status_code == 302
    sale = FlashSale.objects.get()
    assert [u.stock_vehicle.vin for u in sale.units.all()] == [picked.vin]
    assert (sale.hold_seconds, sale.admission_seconds, sale.pow_difficulty_bits) == (600, 180, 12)


def test_the_picker_searches_by_model_and_dealer_and_keeps_ticked_cars(
    client_as, dealer, other_dealer
):
    # Given
    client, _ = client_as("head_office")
    ours = f.StockVehicleFactory(dealer=dealer, model_label="Terra")
    theirs = f.StockVehicleFactory(dealer=other_dealer, model_label="Terra")
    other_model = f.StockVehicleFactory(dealer=dealer, model_label="Urbia")
    sold = f.StockVehicleFactory(dealer=dealer, model_label="Terra", status="sold")

    # When: filter on "terra" at the dealer, with another car already ticked
    response = client.post(
        URL,
        {
            "action": "filter",
            "search": "terra",
            "search_dealer": dealer.pk,
            "vehicles": [other_model.vin],
        },
    )

    # Then
    shown = [vin for vin, _label in response.context["form"].fields["vehicles"].choices]
    assert shown == [other_model.vin, ours.vin]
    assert theirs.vin not in shown and sold.vin not in shown
    assert "has-error" not in response.content.decode()
    assert not FlashSale.objects.exists()


def test_a_sale_needs_at_least_one_car(client_as, dealer):
    client, _ = client_as("head_office")

    response = client.post(URL, sale_post(dealer.brand_id))

    assert "Cochez au moins un véhicule" in html.unescape(response.content.decode())
    assert not FlashSale.objects.exists()

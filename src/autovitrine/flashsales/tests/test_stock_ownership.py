"""A car in a live flash sale is owned by the sale (issue #11, defect 3): the dealer's stock status
page, the checkout, the admin and any raw write refuse it; one rule in the database (status
``flash_sale`` with its owner, check ``stock_flash_sale_owner``). The page is driven through the
production ASGI application."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from autovitrine.flashsales import services
from autovitrine.inventory import services as inventory_services
from autovitrine.inventory.models import StockVehicle
from autovitrine.orders.services import BuyerIdentity, order_place_stock
from autovitrine.testing import factories as f

from .asgi_buyers import ORIGIN, new_buyer, run

MESSAGE = "Ce véhicule est dans une vente flash en cours"


def _identity() -> BuyerIdentity:
    return BuyerIdentity(
        first_name="Camille",
        last_name="Martin",
        email="camille@example.fr",
        phone="06 12 34 56 78",
        street="3 rue de la République",
        postcode="69002",
        city="Lyon",
    )


@pytest.mark.django_db(transaction=True)
def test_the_dealers_stock_status_page_refuses_a_car_in_a_live_sale(sale_kit, dealer, dealer_staff):
    kit = sale_kit(units=1)
    vehicle = kit.vehicles[0]
    url = reverse("inventory:dealer_vehicle_status", kwargs={"vehicle_id": vehicle.pk})

    async def attempt():
        staff = await new_buyer(dealer_staff)
        try:
            page = await staff.client.get(url)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
            return await staff.client.post(
                url,
                data={
                    "csrfmiddlewaretoken": token,
                    "expected_status": "flash_sale",
                    "to_status": "available",
                    "reason": "",
                },
                headers={"Origin": ORIGIN, "Referer": f"{ORIGIN}{url}"},
            )
        finally:
            await staff.close()

    response = run(attempt())
    assert response.status_code == 409
    assert MESSAGE in response.text
    vehicle.refresh_from_db()
    assert (vehicle.status, vehicle.flash_sale_ref) == ("flash_sale", kit.sale.pk)


@pytest.mark.django_db
def test_every_status_channel_refuses_a_car_in_a_live_sale_with_a_clear_message(sale_kit):
    kit = sale_kit(units=1)
    vehicle = kit.vehicles[0]
    for to_status in ("available", "reserved", "sold"):
        with pytest.raises(ValidationError) as refused:
            inventory_services.vehicle_set_status(vehicle_id=vehicle.pk, to_status=to_status)
        assert refused.value.code == "in_flash_sale"
        assert MESSAGE in refused.value.messages[0]
    vehicle.refresh_from_db()
    assert vehicle.status == "flash_sale"


@pytest.mark.django_db
def test_the_checkout_refuses_a_car_in_a_live_sale(sale_kit, customer):
    kit = sale_kit(units=1)
    with pytest.raises(ValidationError) as refused:
        order_place_stock(
            customer=customer,
            vehicle_id=kit.vehicles[0].pk,
            identity=_identity(),
            idempotency_key="k",
        )
    assert refused.value.code == "in_flash_sale"
    assert MESSAGE in refused.value.messages[0]


@pytest.mark.django_db
def test_an_edit_from_a_stale_copy_cannot_undo_the_sales_ownership(sale_kit):
    kit = sale_kit(units=1)
    stale = StockVehicle.objects.get(pk=kit.vehicles[0].pk)
    stale.status, stale.flash_sale_ref = "available", None  # as loaded before the sale took it
    data = inventory_services.VehicleData(
        **{
            name: getattr(stale, name)
            for name in inventory_services.VehicleData.__dataclass_fields__
        }
    )
    with pytest.raises(ValidationError) as refused:
        inventory_services.vehicle_update(vehicle=stale, data=data)
    assert refused.value.code == "in_flash_sale"
    assert StockVehicle.objects.get(pk=stale.pk).status == "flash_sale"


@pytest.mark.django_db
def test_the_database_refuses_any_write_that_separates_the_car_from_its_sale(sale_kit):
    kit = sale_kit(units=1)
    cars = StockVehicle.objects.filter(pk=kit.vehicles[0].pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        cars.update(status="available")
    with pytest.raises(IntegrityError), transaction.atomic():
        cars.update(flash_sale_ref=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockVehicle.objects.filter(pk=kit.vehicles[0].pk).update(
            flash_sale_ref=None, status="flash_sale"
        )


@pytest.mark.django_db
def test_after_the_close_the_car_is_the_dealers_again(sale_kit):
    kit = sale_kit(units=1)
    services.sale_close(sale_id=kit.sale.pk, by=kit.head_office)
    vehicle = StockVehicle.objects.get(pk=kit.vehicles[0].pk)
    assert (vehicle.status, vehicle.flash_sale_ref) == ("available", None)
    inventory_services.vehicle_set_status(vehicle_id=vehicle.pk, to_status="reserved")


@pytest.mark.django_db
def test_a_car_owned_by_a_sale_or_reserved_cannot_enter_another_sale(sale_kit, dealer):
    kit = sale_kit(units=1)
    reserved = f.StockVehicleFactory(dealer=dealer, status="reserved")
    for vehicle_id in (kit.vehicles[0].pk, reserved.pk):
        with pytest.raises(ValidationError):
            inventory_services.vehicles_flash_sale_take(
                vehicle_ids=[vehicle_id], sale_id=kit.sale.pk + 1
            )
    assert StockVehicle.objects.get(pk=kit.vehicles[0].pk).flash_sale_ref == kit.sale.pk
    assert StockVehicle.objects.get(pk=reserved.pk).status == "reserved"

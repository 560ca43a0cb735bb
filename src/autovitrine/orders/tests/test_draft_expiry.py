"""Unpaid drafts expire by themselves after 30 minutes and release their car (the periodic work
``manage.py run_periodic`` runs); one account cannot hold more than a few drafts at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from autovitrine.inventory.models import StockVehicle
from autovitrine.orders.models import Order
from autovitrine.orders.services import MAX_DRAFTS_PER_ACCOUNT, order_place_stock
from autovitrine.testing import factories as f
from autovitrine.web.periodic import run_due_work


def test_a_draft_older_than_30_minutes_is_expired_and_its_car_released(place, vehicle):
    order = place()
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - dt.timedelta(minutes=31))

    done = run_due_work()

    order.refresh_from_db()
    vehicle.refresh_from_db()
    assert done.drafts_expired == 1
    assert order.status == Order.Status.CANCELLED
    assert vehicle.status == StockVehicle.Status.AVAILABLE


def test_a_draft_of_29_minutes_stays(place, vehicle):
    order = place()
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - dt.timedelta(minutes=29))

    call_command("run_periodic", "--once")

    order.refresh_from_db()
    assert order.status == Order.Status.DRAFT


def test_one_account_cannot_hold_more_drafts_than_the_limit(
    customer, identity, dealer, malus_scale
):
    cars = [f.StockVehicleFactory(dealer=dealer) for _ in range(MAX_DRAFTS_PER_ACCOUNT + 1)]
    for number, car in enumerate(cars[:-1]):
        order_place_stock(
            customer=customer, vehicle_id=car.pk, identity=identity, idempotency_key=f"d-{number}"
        )

    with pytest.raises(ValidationError) as exc:
        order_place_stock(
            customer=customer, vehicle_id=cars[-1].pk, identity=identity, idempotency_key="d-x"
        )

    assert exc.value.code == "too_many_drafts"
    assert StockVehicle.objects.get(pk=cars[-1].pk).status == StockVehicle.Status.AVAILABLE

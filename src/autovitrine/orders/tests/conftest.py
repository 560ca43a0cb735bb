"""Fixtures for order tests: a fixed malus scale, a buyer's identity, a stock car, paying."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from autovitrine.catalog.models import MalusBracket, MalusScale
from autovitrine.orders.models import Order
from autovitrine.orders.services import BuyerIdentity, order_pay_deposit, order_place_stock
from autovitrine.payments.tests.conftest import post_webhook, stripe  # noqa: F401 — fixtures
from autovitrine.testing import factories as f
from autovitrine.testing.payments import settle

RETURN_URL = "/commandes/retour/"


@pytest.fixture
def malus_scale(db):
    """The only scale in force: 540 € at 128 g/km (the official ones are set aside so the
    figures asserted do not move when the law does)."""
    MalusScale.objects.all().delete()
    year = timezone.localdate().year
    scale = MalusScale.objects.create(
        year=year,
        valid_from=dt.date(year, 1, 1),
        source="CIBS art. L. 421-62",
        threshold_g_km=113,
        cap_cents=7_000_000,
    )
    for grams, cents in ((113, 5_000), (128, 54_000), (150, 300_000)):
        MalusBracket.objects.create(scale=scale, co2_g_km=grams, amount_cents=cents)
    return scale


@pytest.fixture
def identity() -> BuyerIdentity:
    return BuyerIdentity(
        first_name="Camille",
        last_name="Martin",
        email="camille@example.fr",
        phone="06 12 34 56 78",
        street="3 rue de la République",
        postcode="69002",
        city="Lyon",
    )


@pytest.fixture
def vehicle(dealer, malus_scale):
    """A new 130 hp petrol at 24 900 € TTC, 128 g/km, at the dealer."""
    return f.StockVehicleFactory(
        dealer=dealer, price_ttc=2_490_000, co2_g_km=128, power_hp=130, version__power_hp=130
    )


@pytest.fixture
def place(customer, vehicle, identity):
    """``place(key="k-1", **changes)`` → the customer's order for the stock car."""

    def place_order(key: str = "k-1", **changes) -> Order:
        arguments = dict(
            customer=customer, vehicle_id=vehicle.pk, identity=identity, idempotency_key=key
        )
        arguments.update(changes)
        return order_place_stock(**arguments)

    return place_order


def pay(order: Order, *, paid: bool = True) -> Order:
    """Open the deposit payment, then deliver the simulator's signed webhook for it."""
    payment = order_pay_deposit(
        number=order.number, customer_id=order.customer_id, return_url=RETURN_URL
    )
    settle(payment, paid=paid)
    order.refresh_from_db()
    return order


@pytest.fixture
def paid_order(place):
    return pay(place())

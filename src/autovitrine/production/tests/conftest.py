"""A plant with a short line and two transport legs, its API keys, a confirmed factory order."""

from __future__ import annotations

import datetime as dt
import itertools

import orjson
import pytest
from django.utils import timezone

from autovitrine.orders.models import Order
from autovitrine.production import services
from autovitrine.production.models import Carrier, Line, Plant, Station, TransportLeg
from autovitrine.production.signing import signed_headers

URL = "/api/production/events"
VIN = "VF1AB000123456789"
STATIONS = [
    ("tolerie", "Tôlerie", 240, 30),
    ("peinture", "Peinture", 300, 40),
    ("montage", "Montage", 480, 60),
    ("audit", "Audit qualité", 120, 30),
]
T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def plant(db):
    plant = Plant.objects.create(code="douai", name="Douai", city="Douai")
    line = Line.objects.create(plant=plant, code="l1", name="Ligne 1")
    for position, (code, name, minutes, spread) in enumerate(STATIONS, start=1):
        Station.objects.create(
            line=line,
            position=position,
            code=code,
            name=name,
            typical_minutes=minutes,
            spread_minutes=spread,
        )
    rail = Carrier.objects.create(code="fret", name="Fret Rail")
    road = Carrier.objects.create(code="route", name="Transports Route")
    TransportLeg.objects.create(
        plant=plant,
        position=1,
        code="douai-lyon-rail",
        origin="Douai",
        destination="Hub de Lyon",
        mode="rail",
        carrier=rail,
        typical_hours=48,
        spread_hours=8,
    )
    TransportLeg.objects.create(
        plant=plant,
        position=2,
        code="lyon-concession",
        origin="Hub de Lyon",
        destination="Concession",
        mode="road",
        carrier=road,
        typical_hours=24,
        spread_hours=6,
    )
    return plant


@pytest.fixture
def plant_key(plant):
    credential, secret = services.credential_create(label="MES Douai", plant_id=plant.pk)
    return credential, secret


@pytest.fixture
def rail_key(plant):
    credential, secret = services.credential_create(
        label="Fret Rail", carrier_id=Carrier.objects.get(code="fret").pk
    )
    return credential, secret


_numbers = itertools.count(1)


def factory_order(customer, dealer, *, status: str = "confirmed") -> Order:
    number = f"AV-T{next(_numbers):05d}"
    return Order.objects.create(
        number=number,
        kind="factory",
        status=status,
        customer=customer,
        dealer=dealer,
        vehicle_label="Aurore Brise GT",
        first_name="Camille",
        last_name="Martin",
        email="camille@example.fr",
        phone="0612345678",
        street="3 rue de la République",
        postcode="69002",
        city="Lyon",
        price_ht=2_500_000,
        vat_cents=500_000,
        price_ttc=3_000_000,
        total_ttc=3_000_000,
        deposit_cents=300_000,
        contract_at=timezone.now(),
        idempotency_key=f"k-{number}",
    )


@pytest.fixture
def order(customer, dealer):
    return factory_order(customer, dealer)


def post(client, key, events, *, now=None, path=URL, body=None, headers=None):
    credential, secret = key
    body = body if body is not None else orjson.dumps({"events": events})
    signed = signed_headers(
        key_id=credential.key_id, secret=secret, method="POST", path=path, body=body, now=now
    )
    signed.update(headers or {})
    return client.post(
        path,
        data=body,
        content_type="application/json",
        headers=signed,
    )


def event(event_id: str, kind: str, minutes: float = 0, **fields):
    at = T0 + dt.timedelta(minutes=minutes)
    return {"id": event_id, "kind": kind, "occurred_at": at.isoformat(), **fields}


def assign(order, vin: str = VIN, event_id: str = "e-vin"):
    return event(event_id, "vin_assigned", 0, order=order.number, vin=vin)

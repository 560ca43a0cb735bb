"""Demo production: two Aurore plants with a realistic line, road and rail legs, and two factory
orders of the demo buyer followed live — one in production, one on its way to the dealer."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO, StringIO
from typing import TypedDict

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw
from rich.console import Console

from autovitrine.accounts.models import User
from autovitrine.catalog.models import Version
from autovitrine.dealers.models import Dealer, DealerStaff
from autovitrine.orders.selectors import order_by_number
from autovitrine.orders.services import (
    BuyerIdentity,
    order_confirm,
    order_pay_deposit,
    order_place_built,
)
from autovitrine.payments import conf as payments_conf
from autovitrine.payments.providers.simulated import SimulatedProvider
from autovitrine.payments.services import payment_webhook_receive
from autovitrine.pricing.selectors import factory_car
from autovitrine.production.management.commands.simulate_factory import simulate
from autovitrine.production.models import (
    Carrier,
    HandoverCapacity,
    Line,
    OrderProgress,
    Plant,
    ProductionEvent,
    Station,
    StationPhoto,
    TransportLeg,
)
from autovitrine.production.services import handover_capacity_set, station_photo_attach

Tick = Callable[[int], None]


class PlantSpec(TypedDict):
    code: str
    name: str
    city: str
    # (code, origin, destination, mode, index in CARRIERS, typical hours, spread in hours)
    legs: tuple[tuple[str, str, str, str, int, int, int], ...]


# (code, name shown to the buyer, typical minutes to the next station, spread in minutes)
LINE = (
    ("emboutissage", "Emboutissage des panneaux", 180, 30),
    ("tolerie", "Tôlerie (assemblage de la caisse)", 360, 45),
    ("peinture", "Peinture", 480, 60),
    ("montage", "Montage (moteur, sellerie, tableau de bord)", 720, 90),
    ("audit", "Audit qualité", 180, 40),
    ("essais", "Essais sur piste", 240, 60),
    ("expedition", "Expédition", 600, 180),
)
CARRIERS = (("fret-aurore", "Fret Aurore (rail)"), ("transroute", "TransRoute Logistique"))
PLANTS: tuple[PlantSpec, ...] = (
    {
        "code": "douai",
        "name": "Douai",
        "city": "Douai (Nord)",
        "legs": (
            ("douai-amberieu", "Usine de Douai", "Hub d'Ambérieu-en-Bugey", "rail", 0, 30, 6),
            ("amberieu-concession", "Hub d'Ambérieu-en-Bugey", "Concession", "road", 1, 20, 5),
        ),
    },
    {
        "code": "mulhouse",
        "name": "Mulhouse",
        "city": "Mulhouse (Haut-Rhin)",
        "legs": (
            ("mulhouse-lyon", "Usine de Mulhouse", "Hub de Lyon-Vénissieux", "road", 1, 10, 3),
            ("lyon-concession", "Hub de Lyon-Vénissieux", "Concession", "road", 1, 16, 4),
        ),
    },
)
# The train is 36 h late: over a day even after the carriers' ETA noise (σ 2 h each), so its ETA
# moves to a later date at any hour the demo is loaded (12 h moved it only across midnight).
ORDERS = (("demo-suivi-production", "production", 0.0), ("demo-suivi-transport", "transport", 36.0))


def load_plants(tick: Tick) -> int:
    added = 0
    carriers = {}
    for code, name in CARRIERS:
        carriers[code], created = Carrier.objects.get_or_create(code=code, defaults={"name": name})
        added += created
    for spec in PLANTS:
        plant, created = Plant.objects.get_or_create(
            code=spec["code"], defaults={"name": spec["name"], "city": spec["city"]}
        )
        added += created
        line, created = Line.objects.get_or_create(
            plant=plant, code="l1", defaults={"name": "Ligne 1 (Brise, Zéphyr)"}
        )
        added += created
        for position, (code, name, minutes, spread) in enumerate(LINE, start=1):
            _station, created = Station.objects.get_or_create(
                line=line,
                code=code,
                defaults={
                    "position": position,
                    "name": name,
                    "typical_minutes": minutes,
                    "spread_minutes": spread,
                },
            )
            added += created
        for position, (code, origin, destination, mode, carrier, hours, spread) in enumerate(
            spec["legs"], start=1
        ):
            _leg, created = TransportLeg.objects.get_or_create(
                code=code,
                defaults={
                    "plant": plant,
                    "position": position,
                    "origin": origin,
                    "destination": destination,
                    "mode": mode,
                    "carrier": carriers[CARRIERS[carrier][0]],
                    "typical_hours": hours,
                    "spread_hours": spread,
                },
            )
            added += created
        tick(1)
    return added


def _confirmed_order(key: str, buyer: User, dealer: Dealer, staff: User) -> str:
    """A factory order of the demo buyer, deposit paid, confirmed by the dealer."""
    version = Version.objects.select_related("car_model__brand").order_by("pk").first()
    assert version is not None
    colour = version.car_model.colours.order_by("pk").first()
    identity = BuyerIdentity(
        first_name=buyer.first_name or "Camille",
        last_name=buyer.last_name or "Durand",
        email=buyer.email,
        phone="06 12 34 56 78",
        street="3 rue de la République",
        postcode="69002",
        city="Lyon",
    )
    order = order_place_built(
        customer=buyer,
        car=factory_car(version=version, colour=colour, options=[]),
        dealer_id=dealer.pk,
        identity=identity,
        idempotency_key=key,
    )
    if order.status == "draft":
        payment = order_pay_deposit(
            number=order.number, customer_id=buyer.pk, return_url="/commandes/"
        )
        provider = SimulatedProvider(secret=payments_conf.simulator_secret())
        body, signature = provider.webhook_for(
            provider_id=payment.provider_id, amount_cents=payment.amount_cents, paid=True
        )
        payment_webhook_receive(
            provider_name="simulated", headers={"X-Simulator-Signature": signature}, body=body
        )
    current = order_by_number(number=order.number)
    assert current is not None
    if current.status == "deposit_paid":
        order_confirm(number=current.number, dealer_id=dealer.pk, by=staff)
    return current.number


def load_tracked_orders(buyer_email: str, staff_email: str, tick: Tick) -> int:
    """The buyer's two followed orders, played through the signed API up to where they stand."""
    buyer = User.objects.filter(email=buyer_email).first()
    staff = (
        DealerStaff.objects.select_related("dealer", "user").filter(user__email=staff_email).first()
    )
    plant = Plant.objects.filter(code="douai").first()
    if buyer is None or staff is None or plant is None:
        return 0
    added = 0
    if not HandoverCapacity.objects.filter(dealer=staff.dealer).exists():
        # Handover capacity: 3 bays and 2 people on weekdays, 2 and 1 on Saturday mornings, so
        # the demo buyer can book the handover of the car on its way from its tracking page.
        rows = [(day, half, 3, 2) for day in range(5) for half in ("am", "pm")]
        handover_capacity_set(dealer_id=staff.dealer.pk, rows=[*rows, (5, "am", 2, 1)])
        added += 1
    for key, until, delay in ORDERS:
        number = _confirmed_order(key, buyer, staff.dealer, staff.user)
        if not OrderProgress.objects.filter(order__number=number).exists():
            simulate(
                numbers=[number],
                plant=plant,
                until=until,
                delay_hours=delay,
                console=Console(file=StringIO()),
            )
            added += 1
        added += _station_photos(number)
        tick(1)
    return added


def _demo_picture(station: str, hue: int) -> SimpleUploadedFile:
    """A drawn stand-in for the plant's camera: a car's outline on a shop-floor background."""
    image = Image.new("RGB", (960, 540), (40 + hue % 60, 60, 80 + hue % 90))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 400, 960, 540), fill=(90, 94, 100))
    draw.rounded_rectangle((230, 250, 730, 390), radius=40, fill=(200, 40, 50))
    draw.rounded_rectangle((340, 170, 610, 270), radius=30, fill=(170, 30, 40))
    for x in (330, 630):
        draw.ellipse((x - 55, 340, x + 55, 450), fill=(20, 20, 20))
    draw.text((30, 30), station, fill=(255, 255, 255))
    buffer = BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return SimpleUploadedFile("poste.jpg", buffer.getvalue(), content_type="image/jpeg")


def _station_photos(number: str) -> int:
    """A photo for each station the demo car left, sent as the plant would."""
    events = ProductionEvent.objects.filter(
        progress__order__number=number, kind="station_left", station__isnull=False
    ).select_related("station", "credential")
    added = 0
    for row in events:
        if StationPhoto.objects.filter(event=row).exists():
            continue
        assert row.station is not None
        station_photo_attach(
            credential=row.credential,
            event_id=row.event_id,
            upload=_demo_picture(row.station.name, 37 * row.station.position),
        )
        added += 1
    return added

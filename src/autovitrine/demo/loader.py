"""Load the demo step by step: pictures, the Aurore range, its network, accounts, stock, leads.

Every step creates only what is missing, keyed on natural codes (model, version and dealer codes,
VINs, e-mail addresses, lead idempotency keys), so running it again writes nothing. Leads and
buyer sign-up go through their services; the stock is bulk-inserted (with its first status event,
photo and options, as ``vehicle_create`` would write them) because 2,000 service calls would take
minutes on SQLite.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from autovitrine.accounts.models import User
from autovitrine.accounts.services import user_sign_up
from autovitrine.catalog.models import Brand, CarModel, Colour, ModelImage, Option, Pack, Version
from autovitrine.configurator.engine import parse_rule_base
from autovitrine.configurator.engine.demo import DEMO_PATH
from autovitrine.configurator.engine.fileformat import rule_base_to_document
from autovitrine.configurator.models import ProductData, SavedConfiguration
from autovitrine.configurator.services import product_data_create
from autovitrine.core.places import resolve_place
from autovitrine.dealers.models import Dealer, DealerStaff, OpeningPeriod
from autovitrine.demo.product_data import rule_base_document
from autovitrine.inventory.models import StockVehicle, VehiclePhoto, VehicleStatusEvent
from autovitrine.leads.models import Lead
from autovitrine.leads.services import lead_create, lead_set_status
from autovitrine.parts.models import Reservation as PartReservation
from autovitrine.tradein.services import reference_price_ensure
from autovitrine.workshop.models import Booking

from .network import DEALERS, HOURS, fiction_phone
from .pictures import STORAGE_DIR, ensure_picture
from .range import (
    BRAND_BASELINE,
    BRAND_CODE,
    BRAND_NAME,
    CATALOG,
    RANGE,
    TERRA,
    ModelSpec,
    ht_cents,
)
from .stock import WMI, VehicleDraw, draw_vehicle
from .tradein_prices import reference_prices

DEMO_EMAIL_DOMAIN = "demo.autovitrine.fr"
DEMO_PASSWORD = "motdepasse-demo-2026"
KM_PER_DEGREE = 111.2
BATCH_SIZE = 500
DEALER_WEIGHT: dict[str, int] = {Dealer.Kind.CONCESSION: 3, Dealer.Kind.AGENT: 1}
ENTRY_REASON = "Entrée en stock (démonstration)"

Tick = Callable[[int], None]


def _no_tick(_steps: int) -> None:
    return None


@dataclass(frozen=True, slots=True)
class DemoAccount:
    role: str
    email: str
    kind: str
    first_name: str
    last_name: str
    home: str  # where this account lands once signed in
    dealer_index: int | None = None  # in the dealer list
    staff_role: str = DealerStaff.Role.SALES


ACCOUNTS = (
    DemoAccount(
        "Acheteuse", f"acheteur@{DEMO_EMAIL_DOMAIN}", User.Kind.CUSTOMER, "Camille", "Durand", "/"
    ),
    DemoAccount(
        "Vendeur, Lyon",
        f"vendeur.lyon@{DEMO_EMAIL_DOMAIN}",
        User.Kind.DEALER,
        "Antoine",
        "Girard",
        "/concessions/espace/tableau-de-bord/",
        dealer_index=0,
    ),
    DemoAccount(
        "Direction, Marseille",
        f"vendeur.marseille@{DEMO_EMAIL_DOMAIN}",
        User.Kind.DEALER,
        "Sarah",
        "Benali",
        "/concessions/espace/tableau-de-bord/",
        dealer_index=1,
        staff_role=DealerStaff.Role.MANAGER,
    ),
    DemoAccount(
        "Siège",
        f"siege@{DEMO_EMAIL_DOMAIN}",
        User.Kind.HEAD_OFFICE,
        "Claire",
        "Fontaine",
        "/admin/",
    ),
)
MIN_DEALERS = 1 + max(a.dealer_index for a in ACCOUNTS if a.dealer_index is not None)


@dataclass(frozen=True, slots=True)
class LeadSpec:
    dealer_index: int
    kind: str
    name: str
    email: str
    phone: str
    message: str
    about_a_vehicle: bool = False
    from_buyer: bool = False
    contacted_note: str = ""  # set: the dealer has already called back


# Prospects' numbers are in the ARCEP fiction range for mobiles (06 39 98).
# fmt: off
LEADS = (
    LeadSpec(0, Lead.Kind.QUESTION, "Camille Durand", f"acheteur@{DEMO_EMAIL_DOMAIN}", "06 39 98 00 11", "Bonjour, ce véhicule est-il encore disponible ? Je peux passer samedi matin.", about_a_vehicle=True, from_buyer=True),
    LeadSpec(0, Lead.Kind.TEST_DRIVE, "Karim Haddad", "karim.haddad@example.com", "06 39 98 00 12", "J'aimerais essayer la version hybride avant de me décider.", about_a_vehicle=True),
    LeadSpec(0, Lead.Kind.CALLBACK, "Sophie Lefèvre", "sophie.lefevre@example.com", "06 39 98 00 13", "Rappel souhaité en fin de journée pour une reprise.", contacted_note="Rappelée : rendez-vous pris jeudi pour l'estimation de la reprise."),
    LeadSpec(0, Lead.Kind.QUESTION, "Thomas Moreau", "thomas.moreau@example.com", "", "Quel est le délai de livraison pour une Électra Techno en Vert Lagune ?"),
    LeadSpec(0, Lead.Kind.TEST_DRIVE, "Chloé Garnier", "chloe.garnier@example.com", "06 39 98 00 15", "Un essai de ce véhicule, si possible avec un siège enfant ?", about_a_vehicle=True),
    LeadSpec(1, Lead.Kind.QUESTION, "Nicolas Roux", "nicolas.roux@example.com", "", "La garantie est-elle transférable en cas de revente ?", about_a_vehicle=True),
    LeadSpec(1, Lead.Kind.CALLBACK, "Inès Fontaine", "ines.fontaine@example.com", "06 39 98 00 17", "Je souhaite un financement sur 48 mois, merci de me rappeler.", contacted_note="Simulation de financement envoyée par e-mail."),
    LeadSpec(1, Lead.Kind.TEST_DRIVE, "Julien Mercier", "julien.mercier@example.com", "06 39 98 00 18", "Essai de l'Altaïr pour un long trajet, un samedi de préférence."),
    LeadSpec(2, Lead.Kind.QUESTION, "Manon Girard", "manon.girard@example.com", "", "Le véhicule a-t-il l'attelage ?", about_a_vehicle=True),
    LeadSpec(3, Lead.Kind.CALLBACK, "Hugo Lambert", "", "06 39 98 00 20", "Rappel entre 12 h et 14 h, s'il vous plaît."),
    LeadSpec(4, Lead.Kind.TEST_DRIVE, "Léa Bonnet", "lea.bonnet@example.com", "06 39 98 00 21", "Un essai de ce véhicule en ville me permettrait de me décider.", about_a_vehicle=True),
    LeadSpec(5, Lead.Kind.QUESTION, "Mathieu Faure", "mathieu.faure@example.com", "", "Proposez-vous la reprise de mon ancien véhicule ?"),
)
# fmt: on


# --- Pictures and the range ----------------------------------------------------------------
def ensure_pictures(tick: Tick = _no_tick) -> dict[tuple[str, str], str]:
    """Every model × colour picture, drawn once; keyed by (model code, colour code)."""
    names = {}
    for model in CATALOG:
        for colour in model.colours:
            names[model.code, colour.code] = ensure_picture(
                model_code=model.code,
                colour_code=colour.code,
                body=model.body,
                hex_value=colour.hex_value,
                caption=f"{BRAND_NAME} {model.name} · {colour.name}",
            )
            tick(1)
    return names


def load_range(pictures: dict[tuple[str, str], str], tick: Tick = _no_tick) -> int:
    """The brand and its models with versions, colours, options and packs; rows added."""
    brand, added = Brand.objects.get_or_create(
        code=BRAND_CODE, defaults={"name": BRAND_NAME, "baseline": BRAND_BASELINE}
    )
    created = int(added)
    for position, spec in enumerate(CATALOG):
        with transaction.atomic():
            created += _load_model(brand, position, spec, pictures)
            _repoint_captioned_pictures(spec, pictures)
        tick(1)
    return created


def _repoint_captioned_pictures(spec: ModelSpec, pictures: dict[tuple[str, str], str]) -> None:
    """A demo loaded when its pictures had a caption drawn in them shows the new ones."""
    for colour in spec.colours:
        old = f"{STORAGE_DIR}/{spec.code}-{colour.code}.jpg"
        new = pictures[spec.code, colour.code]
        CarModel.objects.filter(code=spec.code, hero_image=old).update(hero_image=new)
        ModelImage.objects.filter(image=old).update(image=new)
        VehiclePhoto.objects.filter(image=old).update(image=new)


def _load_model(
    brand: Brand, position: int, spec: ModelSpec, pictures: dict[tuple[str, str], str]
) -> int:
    car_model, added = CarModel.objects.get_or_create(
        code=spec.code,
        defaults={
            "brand": brand,
            "name": spec.name,
            "body": spec.body,
            "tagline": spec.tagline,
            "description": spec.description,
            "position": position,
            "hero_image": pictures[spec.code, spec.colours[0].code],
        },
    )
    created = int(added)
    if added:
        ModelImage.objects.bulk_create(
            ModelImage(
                car_model=car_model,
                image=pictures[spec.code, colour.code],
                alt=f"{BRAND_NAME} {spec.name} {colour.name}, vue de profil",
                position=index,
            )
            for index, colour in enumerate(spec.colours)
        )
    for version in spec.versions:
        _, added = Version.objects.get_or_create(
            code=version.code,
            defaults={
                "car_model": car_model,
                "trim": version.trim,
                "powertrain": version.powertrain,
                "energy": version.energy,
                "power_hp": version.power_hp,
                "gearbox": version.gearbox,
                "base_price_ht": ht_cents(version.price_ttc_euros),
                "co2_g_km": version.co2_g_km,
                "consumption_x10": version.consumption_x10,
                "consumption_unit": version.consumption_unit,
                "electric_range_km": version.electric_range_km,
                "crit_air": version.crit_air,
                "recycled_share_pct": version.recycled_share_pct,
                "weight_kg": version.weight_kg,
            },
        )
        created += added
    for colour in spec.colours:
        _, added = Colour.objects.get_or_create(
            car_model=car_model,
            code=colour.code,
            defaults={
                "name": colour.name,
                "hex_value": colour.hex_value,
                "finish": colour.finish,
                "price_ht": colour.price_ht_euros * 100,
            },
        )
        created += added
    options = {}
    for option in spec.options:
        options[option.code], added = Option.objects.get_or_create(
            car_model=car_model,
            code=option.code,
            defaults={
                "name": option.name,
                "category": option.category,
                "price_ht": option.price_ht_euros * 100,
                "co2_delta_g_km": option.co2_delta_g_km,
            },
        )
        created += added
    for pack_spec in spec.packs:
        pack, added = Pack.objects.get_or_create(
            car_model=car_model,
            code=pack_spec.code,
            defaults={"name": pack_spec.name, "price_ht": pack_spec.price_ht_euros * 100},
        )
        if added:
            pack.options.set([options[code] for code in pack_spec.option_codes])
        created += added
    return created


def _as_stored(data: bytes) -> dict[str, Any] | None:
    """A rule base file as a published revision keeps it (parsed, then written back)."""
    rule_base, _problems = parse_rule_base(data)
    return rule_base_to_document(rule_base) if rule_base is not None else None


def load_product_data(tick: Tick = _no_tick) -> int:
    """Every model's rule base, imported and published unless the same is published already:
    the Terra's own file, and the others' built from the range (trims, engines, gearboxes,
    paints, roofs, wheels, options, packs and their rules: ``demo/product_data.py``)."""
    created = 0
    sources = [(TERRA.code, DEMO_PATH.read_bytes())] + [
        (spec.code, orjson.dumps(rule_base_document(spec))) for spec in RANGE
    ]
    for code, data in sources:
        car_model = CarModel.objects.filter(code=code).first()
        if car_model is None:
            continue
        published = ProductData.objects.filter(
            car_model=car_model, status=ProductData.Status.PUBLISHED
        ).first()
        # A demo loaded before its product data changed gets the new revision; the same data
        # is never imported twice.
        if published is not None and published.document == _as_stored(data):
            continue
        product_data_create(car_model=car_model, data=data, publish=True)
        created += 1
    tick(1)
    return created


def load_reference_prices(tick: Tick = _no_tick) -> int:
    """The new prices trade-in estimates start from (``demo/tradein_prices.py``); added."""
    added = 0
    for segment, make, model, cents in reference_prices():
        added += reference_price_ensure(
            segment=segment,
            make=make,
            model_label=model,
            new_price_cents=cents,
            source="Démonstration",
        )
        tick(1)
    return added


# --- The network ---------------------------------------------------------------------------
def load_network(count: int, tick: Tick = _no_tick) -> tuple[list[Dealer], int]:
    """The first ``count`` dealers of the network (Lyon and Marseille first); dealers added."""
    brand = Brand.objects.get(code=BRAND_CODE)
    specs = DEALERS[:count]
    existing = {d.code: d for d in Dealer.objects.filter(code__in=[s.code for s in specs])}
    created = 0
    for index, spec in enumerate(specs):
        if spec.code not in existing:
            place = resolve_place(spec.city)
            if place is None:
                raise ValueError(f"{spec.city} is missing from the places index")
            latitude = place.latitude + spec.north_km / KM_PER_DEGREE
            longitude = place.longitude + spec.east_km / (
                KM_PER_DEGREE * math.cos(math.radians(latitude))
            )
            with transaction.atomic():
                dealer = Dealer.objects.create(
                    brand=brand,
                    code=spec.code,
                    name=spec.name,
                    kind=spec.kind,
                    street=spec.street,
                    postcode=spec.postcode,
                    city=place.name,
                    latitude=round(latitude, 5),
                    longitude=round(longitude, 5),
                    phone=fiction_phone(place.department, index),
                    email=f"{spec.code.removeprefix('aurore-')}@{DEMO_EMAIL_DOMAIN}",
                    sells_new=spec.sells_new,
                    sells_used=spec.sells_used,
                    has_workshop=spec.has_workshop,
                    # The seller's legal identity (L221-5 1°, L111-1 4° C. consom.), fictional:
                    # all-zero registration numbers that no real company carries.
                    company_name=f"{spec.name} Automobiles SAS",
                    legal_form="SAS",
                    share_capital_eur=100_000,
                    rcs=f"RCS {place.name} 000 000 {index + 1:03d}",
                    vat_number=f"FR00000000{index + 1:03d}",
                )
                OpeningPeriod.objects.bulk_create(
                    OpeningPeriod(dealer=dealer, weekday=day, opens_at=opens, closes_at=closes)
                    for day, spans in HOURS[spec.hours].items()
                    for opens, closes in spans
                )
            existing[spec.code] = dealer
            created += 1
        tick(1)
    return [existing[spec.code] for spec in specs], created


# The admin sections the demo head office account may use.
HEAD_OFFICE_ADMIN_APPS = ("configurator", "flashsales", "catalog")


# --- Accounts ------------------------------------------------------------------------------
def load_accounts(dealers: list[Dealer], tick: Tick = _no_tick) -> int:
    """The buyer, two dealers' staff and the head office, all with ``DEMO_PASSWORD``."""
    created = 0
    known = set(
        User.objects.filter(email__in=[a.email for a in ACCOUNTS]).values_list("email", flat=True)
    )
    for account in ACCOUNTS:
        if account.email not in known:
            _create_account(account, dealers)
            created += 1
        tick(1)
    return created


@transaction.atomic
def _create_account(account: DemoAccount, dealers: list[Dealer]) -> User:
    if account.kind == User.Kind.CUSTOMER:
        return user_sign_up(
            email=account.email,
            password=DEMO_PASSWORD,
            first_name=account.first_name,
            last_name=account.last_name,
        )
    user = User.objects.create_user(
        account.email,
        DEMO_PASSWORD,
        kind=account.kind,
        first_name=account.first_name,
        last_name=account.last_name,
        is_staff=account.kind == User.Kind.HEAD_OFFICE,
    )
    if account.dealer_index is not None:
        DealerStaff.objects.create(
            user=user, dealer=dealers[account.dealer_index], role=account.staff_role
        )
    if account.kind == User.Kind.HEAD_OFFICE:
        # Head office runs the product data and the flash sales from the admin.
        user.user_permissions.set(
            Permission.objects.filter(content_type__app_label__in=HEAD_OFFICE_ADMIN_APPS)
        )
    return user


# --- Stock ---------------------------------------------------------------------------------
class _DealerDraw:
    """Turns a vehicle's draw in [0, 1) into a dealer selling its condition, concessions thrice
    as often as agents."""

    def __init__(self, dealers: Iterable[Dealer]) -> None:
        self.dealers = list(dealers)
        weights = [DEALER_WEIGHT[d.kind] for d in self.dealers]
        total = sum(weights)
        self.bounds = [step / total for step in itertools.accumulate(weights)]

    def pick(self, key: float) -> Dealer:
        return self.dealers[min(bisect.bisect_right(self.bounds, key), len(self.dealers) - 1)]


def load_stock(
    dealers: list[Dealer],
    count: int,
    pictures: dict[tuple[str, str], str],
    tick: Tick = _no_tick,
) -> int:
    """Vehicles 0 to ``count - 1`` of the seeded stock; the ones already there are skipped."""
    today = timezone.localdate()
    draws = [draw_vehicle(number, today=today) for number in range(count)]
    # Every demo VIN starts with the demo WMI: one query, whatever the stock size.
    existing = set(StockVehicle.objects.filter(vin__startswith=WMI).values_list("vin", flat=True))
    missing = [draw for draw in draws if draw.vin not in existing]
    tick(count - len(missing))
    by_condition = {
        "new": _DealerDraw(d for d in dealers if d.sells_new),
        "used": _DealerDraw(d for d in dealers if d.sells_used),
    }
    versions = {v.code: v for v in Version.objects.filter(car_model__brand__code=BRAND_CODE)}
    colours = {
        (c.car_model.code, c.code): c
        for c in Colour.objects.filter(car_model__brand__code=BRAND_CODE).select_related(
            "car_model"
        )
    }
    options = {
        (o.car_model.code, o.code): o
        for o in Option.objects.filter(car_model__brand__code=BRAND_CODE).select_related(
            "car_model"
        )
    }
    for start in range(0, len(missing), BATCH_SIZE):
        batch = missing[start : start + BATCH_SIZE]
        _insert_batch(batch, by_condition, versions, colours, options, pictures)
        tick(len(batch))
    return len(missing)


@transaction.atomic
def _insert_batch(
    batch: list[VehicleDraw],
    by_condition: dict[str, _DealerDraw],
    versions: dict[str, Version],
    colours: dict[tuple[str, str], Colour],
    options: dict[tuple[str, str], Option],
    pictures: dict[tuple[str, str], str],
) -> None:
    vehicles = StockVehicle.objects.bulk_create(
        StockVehicle(
            dealer=by_condition[draw.condition].pick(draw.dealer_weight_key),
            condition=draw.condition,
            vin=draw.vin,
            car_model_id=versions[draw.version.code].car_model_id,
            version=versions[draw.version.code],
            colour=colours[draw.model.code, draw.colour.code],
            make=BRAND_NAME,
            model_label=draw.model.name,
            version_label=f"{draw.version.trim} {draw.version.powertrain}",
            colour_label=draw.colour.name,
            energy=draw.version.energy,
            gearbox=draw.version.gearbox,
            power_hp=draw.version.power_hp,
            co2_g_km=draw.co2_g_km,
            mileage_km=draw.mileage_km,
            year=draw.year,
            first_registration=draw.first_registration,
            price_ttc=draw.price_ttc,
            description=draw.description,
            status=draw.status,
        )
        for draw in batch
    )
    events = []
    for vehicle in vehicles:
        events.append(
            VehicleStatusEvent(vehicle=vehicle, to_status="available", reason=ENTRY_REASON)
        )
        if vehicle.status != "available":
            events.append(
                VehicleStatusEvent(
                    vehicle=vehicle,
                    from_status="available",
                    to_status=vehicle.status,
                    reason="Démonstration",
                )
            )
    VehicleStatusEvent.objects.bulk_create(events)
    VehiclePhoto.objects.bulk_create(
        VehiclePhoto(vehicle=vehicle, image=pictures[draw.model.code, draw.colour.code])
        for vehicle, draw in zip(vehicles, batch, strict=True)
    )
    through = StockVehicle.options.through
    through.objects.bulk_create(
        through(stockvehicle_id=vehicle.pk, option_id=options[draw.model.code, option.code].pk)
        for vehicle, draw in zip(vehicles, batch, strict=True)
        for option in draw.options
    )


# --- Leads ---------------------------------------------------------------------------------
def load_leads(dealers: list[Dealer], tick: Tick = _no_tick) -> int:
    """A few questions, test drives and call-backs, created through ``lead_create``."""
    created = 0
    buyer = User.objects.filter(email=ACCOUNTS[0].email).first()
    staff_by_dealer = {
        staff.dealer_id: staff.user
        for staff in DealerStaff.objects.filter(dealer__in=dealers).select_related("user")
    }
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    for number, spec in enumerate(LEADS):
        key = f"demo-lead-{number}"
        if spec.dealer_index >= len(dealers) or Lead.objects.filter(idempotency_key=key).exists():
            tick(1)
            continue
        dealer = dealers[spec.dealer_index]
        # Different leads of a dealer ask about different cars of its stock.
        vehicle = (
            StockVehicle.objects.filter(dealer=dealer, status="available")
            .order_by("vin")[number % 5 : number % 5 + 1]
            .first()
            if spec.about_a_vehicle
            else None
        )
        slot = None
        if spec.kind == Lead.Kind.TEST_DRIVE:
            day = tomorrow + dt.timedelta(days=number % 5)
            slot = timezone.make_aware(dt.datetime.combine(day, dt.time(10 + number % 7)))
        lead = lead_create(
            dealer_id=dealer.pk,
            kind=spec.kind,
            name=spec.name,
            email=spec.email,
            phone=spec.phone,
            message=spec.message,
            preferred_slot=slot,
            vehicle_id=vehicle.pk if vehicle else None,
            customer=buyer if spec.from_buyer else None,
            idempotency_key=key,
        )
        staff = staff_by_dealer.get(dealer.pk)
        if spec.contacted_note and staff is not None:
            lead_set_status(
                lead_id=lead.pk,
                dealer_id=dealer.pk,
                to_status=Lead.Status.CONTACTED,
                by=staff,
                note=spec.contacted_note,
            )
        created += 1
        tick(1)
    return created


# --- Reset ---------------------------------------------------------------------------------
@transaction.atomic
def wipe_demo() -> int:
    """Remove everything of the demo brand and the demo accounts; rows deleted.

    Raises ``ProtectedError``/``RestrictedError`` (nothing deleted) when other data, such as an
    order, still points at a demo row.
    """
    dealers = Dealer.objects.filter(brand__code=BRAND_CODE)
    deleted = 0
    from autovitrine.demo.production import ORDERS as TRACKED_ORDERS
    from autovitrine.orders.models import Order

    for queryset in (
        # The demo buyer's followed factory orders (their tracking goes with them).
        Order.objects.filter(idempotency_key__in=[key for key, *_rest in TRACKED_ORDERS]),
        SavedConfiguration.objects.filter(product_data__car_model__brand__code=BRAND_CODE),
        ProductData.objects.filter(car_model__brand__code=BRAND_CODE),
        Lead.objects.filter(dealer__in=dealers),
        Booking.objects.filter(dealer__in=dealers),
        Booking.objects.filter(customer__email__endswith=f"@{DEMO_EMAIL_DOMAIN}"),
        PartReservation.objects.filter(dealer__in=dealers),
        StockVehicle.objects.filter(dealer__in=dealers),
        dealers,
        User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}"),
        CarModel.objects.filter(brand__code=BRAND_CODE),
        Brand.objects.filter(code=BRAND_CODE),
    ):
        deleted += queryset.delete()[0]
    return deleted

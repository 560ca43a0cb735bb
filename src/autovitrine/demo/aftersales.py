"""Demo after-sales: a workshop for every demo dealer (bays, technicians, loan cars, rates),
head office's service catalogue with a schedule for every demo model, ~500 parts with their
compatibility and stock, and a week of jobs. Idempotent: a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from autovitrine.catalog.models import CarModel
from autovitrine.dealers.models import Dealer
from autovitrine.parts.models import Compatibility, Part, Stock
from autovitrine.workshop.models import (
    Bay,
    Booking,
    LoanCar,
    Operation,
    OperationPart,
    ServiceSchedule,
    Technician,
    TechnicianHours,
    WorkshopSettings,
)
from autovitrine.workshop.selectors import PARIS, is_public_holiday
from autovitrine.workshop.services import walk_in_create

Tick = Callable[[int], None]

# code, name, family, minutes, skill, bay kind, mileage, electric only, parts (kind, quantity)
OPERATIONS = [
    (
        "revision-15000",
        "Révision des 15 000 km",
        "maintenance",
        75,
        "mechanics",
        "lift",
        15000,
        False,
        [("filtre-huile", 1), ("huile", 5)],
    ),
    (
        "revision-30000",
        "Révision des 30 000 km",
        "maintenance",
        90,
        "mechanics",
        "lift",
        30000,
        False,
        [("filtre-huile", 1), ("huile", 5), ("filtre-habitacle", 1)],
    ),
    (
        "revision-60000",
        "Révision des 60 000 km",
        "maintenance",
        150,
        "mechanics",
        "lift",
        60000,
        False,
        [("filtre-huile", 1), ("huile", 5), ("filtre-air", 1), ("bougies", 4)],
    ),
    (
        "revision-90000",
        "Révision des 90 000 km",
        "maintenance",
        120,
        "mechanics",
        "lift",
        90000,
        False,
        [("filtre-huile", 1), ("huile", 5), ("filtre-habitacle", 1)],
    ),
    (
        "plaquettes-av",
        "Plaquettes de frein avant",
        "brakes",
        60,
        "mechanics",
        "lift",
        None,
        False,
        [("plaquettes-av", 1)],
    ),
    (
        "disques-plaquettes-av",
        "Disques et plaquettes avant",
        "brakes",
        105,
        "mechanics",
        "lift",
        None,
        False,
        [("disques-av", 2), ("plaquettes-av", 1)],
    ),
    (
        "pneus-4",
        "Montage et équilibrage de 4 pneus",
        "tyres",
        60,
        "mechanics",
        "lift",
        None,
        False,
        [],
    ),
    (
        "geometrie",
        "Géométrie des trains roulants",
        "tyres",
        60,
        "mechanics",
        "alignment",
        None,
        False,
        [],
    ),
    (
        "climatisation",
        "Recharge de climatisation",
        "aircon",
        45,
        "mechanics",
        "lift",
        None,
        False,
        [],
    ),
    ("pre-ct", "Pré-contrôle technique", "pre_ct", 30, "mechanics", "lift", None, False, []),
    (
        "bilan-batterie",
        "Bilan de santé de la batterie haute tension",
        "ev_battery",
        60,
        "high_voltage",
        "ev_safe",
        None,
        True,
        [],
    ),
    (
        "devis-carrosserie",
        "Estimation carrosserie sur photos",
        "body",
        30,
        "body",
        "body",
        None,
        False,
        [],
    ),
]
PART_KINDS = [  # kind, name, price HT, accessory
    ("filtre-huile", "Filtre à huile", 1290, False),
    ("huile", "Huile moteur 5W30 (1 L)", 1190, False),
    ("filtre-air", "Filtre à air", 2390, False),
    ("filtre-habitacle", "Filtre d'habitacle", 1990, False),
    ("bougies", "Bougie d'allumage", 990, False),
    ("plaquettes-av", "Jeu de plaquettes avant", 5490, False),
    ("disques-av", "Disque de frein avant", 6490, False),
    ("plaquettes-ar", "Jeu de plaquettes arrière", 4690, False),
    ("balais", "Balais d'essuie-glace", 2490, False),
    ("batterie-12v", "Batterie 12 V", 12900, False),
    ("ampoule-h7", "Ampoule H7", 890, False),
    ("amortisseur-av", "Amortisseur avant", 8990, False),
    ("courroie", "Courroie d'accessoires", 3490, False),
    ("tapis", "Tapis de sol sur mesure", 6900, True),
    ("tapis-coffre", "Bac de coffre", 5900, True),
    ("barres-toit", "Barres de toit", 17900, True),
    ("coffre-toit", "Coffre de toit 420 L", 39900, True),
    ("attelage", "Attelage", 34900, True),
    ("chargeur", "Câble de recharge mode 3", 24900, True),
    ("housse", "Housse de protection", 9900, True),
]
# Fitting time when added to a workshop job (others are fitted free or within an operation).
FITTING_MINUTES = {"attelage": 120, "barres-toit": 15, "batterie-12v": 20, "amortisseur-av": 60}
# Four references of each kind per model (origin, economy, premium, exchange): ~480 parts.
LINES = [("", 10), (" (éco)", 8), (" (premium)", 13), (" (échange standard)", 7)]


def load_aftersales(dealers: list[Dealer], tick: Tick) -> int:
    """Rows added (operations, schedules, parts, workshops, jobs)."""
    added = 0
    with transaction.atomic():
        ops = {}
        for code, name, kind, minutes, skill, bay, km, ev_only, parts in OPERATIONS:
            ops[code], created = Operation.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "kind": kind,
                    "labour_minutes": minutes,
                    "skill": skill,
                    "bay_kind": bay,
                    "mileage_km": km,
                    "electric_only": ev_only,
                },
            )
            added += created
            for part_kind, quantity in parts:
                added += OperationPart.objects.get_or_create(
                    operation=ops[code], part_kind=part_kind, defaults={"quantity": quantity}
                )[1]
        models = list(CarModel.objects.filter(brand__code="aurore").order_by("pk"))
        for model in models:
            added += ServiceSchedule.objects.get_or_create(
                car_model=model,
                powertrain="",
                defaults={"interval_km": 30000, "interval_months": 24},
            )[1]
        existing = set(
            Part.objects.filter(reference__startswith="AU").values_list("reference", flat=True)
        )
        for model in models:
            for index, (kind, name, price, accessory) in enumerate(PART_KINDS):
                for line, (suffix, tenths) in enumerate(LINES):
                    reference = f"AU{model.pk:03d}-{index:02d}{line}"
                    if reference in existing:
                        continue
                    part = Part.objects.create(
                        reference=reference,
                        name=f"{name} {model.name}{suffix}",
                        kind=kind,
                        is_accessory=accessory,
                        price_ht=price * tenths // 10,
                        universal=kind in ("chargeur", "housse") and line == 1,
                        fitting_minutes=FITTING_MINUTES.get(kind, 0),
                    )
                    Compatibility.objects.create(
                        part=part, car_model=model, year_from=2018, year_to=2030
                    )
                    added += 1
    tick(1)
    part_ids = list(Part.objects.filter(reference__startswith="AU").values_list("pk", flat=True))
    for dealer_index, dealer in enumerate(dealers):
        rng = random.Random(dealer.code)
        with transaction.atomic():
            if WorkshopSettings.objects.filter(dealer=dealer).exists():
                continue
            WorkshopSettings.objects.create(
                dealer=dealer,
                hourly_rate_ht=rng.choice([7500, 8200, 8900, 9500]),
                labour_discount_pct=rng.choice([0, 0, 10]),
                offers_pickup=dealer_index % 3 == 0,
                pickup_price_ht=2500,
            )
            hours = list(dealer.opening_periods.all())
            for _k, (name, body, hv) in enumerate(
                [
                    ("Julien Morel", False, True),
                    ("Sarah Benali", False, False),
                    ("Marc Petit", True, False),
                ]
            ):
                tech = Technician.objects.create(
                    dealer=dealer, name=name, body=body, high_voltage=hv
                )
                TechnicianHours.objects.bulk_create(
                    TechnicianHours(
                        technician=tech, weekday=p.weekday, starts=p.opens_at, ends=p.closes_at
                    )
                    for p in hours
                )
            for name, kind in [
                ("Pont 1", "lift"),
                ("Pont 2", "lift"),
                ("Banc de géométrie", "alignment"),
                ("Poste VE", "ev_safe"),
                ("Cabine carrosserie", "body"),
            ]:
                Bay.objects.create(dealer=dealer, name=name, kind=kind)
            LoanCar.objects.create(
                dealer=dealer, label="Aurore Urbana", plate=f"GB-{100 + dealer_index % 900:03d}-AV"
            )
            LoanCar.objects.create(
                dealer=dealer, label="Aurore Terra", plate=f"GC-{100 + dealer_index % 900:03d}-AV"
            )
            Stock.objects.bulk_create(
                Stock(dealer=dealer, part_id=pk, quantity=rng.randrange(0, 8))
                for pk in rng.sample(part_ids, min(len(part_ids), 150))
            )
            added += 1
        tick(1)
    added += _a_week_of_jobs(dealers[:2])
    return added


def _a_week_of_jobs(dealers: list[Dealer]) -> int:
    """A week of walk-in jobs at the first dealers, through the booking service (their capacity
    is claimed like any booking's); none if the dealer already has jobs."""
    added = 0
    ops = list(
        Operation.objects.filter(
            electric_only=False, kind__in=["maintenance", "brakes", "pre_ct", "aircon"]
        )
    )
    now = timezone.now()
    for dealer in dealers:
        if Booking.objects.filter(dealer=dealer).exists() or not ops:
            continue
        rng = random.Random(f"jobs-{dealer.code}")
        for offset in range(1, 8):
            day = timezone.localdate() + dt.timedelta(days=offset)
            if is_public_holiday(day):
                continue
            for hour in (8, 9, 10, 14, 15):
                op = rng.choice(ops)
                start = dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS)
                if start < now + dt.timedelta(hours=3):
                    continue
                try:
                    walk_in_create(
                        dealer_id=dealer.pk,
                        label=rng.choice(["Urbana grise", "Terra blanche", "Clio bleue"]),
                        operation_ids=[op.pk],
                        starts_at=start,
                    )
                    added += 1
                except ValidationError:  # a closed day or a full hour: no job there
                    continue
    return added

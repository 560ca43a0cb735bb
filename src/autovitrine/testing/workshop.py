"""A ready workshop for tests and benchmarks: opening hours, technicians, bays, loan cars,
operations with their parts, and parts in stock."""

from __future__ import annotations

import datetime as dt

from autovitrine.dealers.models import Dealer, OpeningPeriod
from autovitrine.parts.models import Compatibility, Part
from autovitrine.workshop.models import (
    Bay,
    LoanCar,
    Operation,
    OperationPart,
    ServiceSchedule,
    Technician,
    TechnicianHours,
    WorkshopSettings,
)

OPEN, CLOSE = dt.time(8, 0), dt.time(18, 0)


def service_catalogue() -> dict[str, Operation]:
    """Head office's operations (idempotent) and the parts they need."""
    rows = [
        ("revision-30000", "Révision des 30 000 km", "maintenance", 90, "mechanics", "lift", 30000),
        (
            "revision-60000",
            "Révision des 60 000 km",
            "maintenance",
            150,
            "mechanics",
            "lift",
            60000,
        ),
        ("plaquettes-av", "Plaquettes de frein avant", "brakes", 60, "mechanics", "lift", None),
        ("geometrie", "Géométrie des trains roulants", "tyres", 60, "mechanics", "alignment", None),
        ("climatisation", "Recharge de climatisation", "aircon", 45, "mechanics", "lift", None),
        ("pre-ct", "Pré-contrôle technique", "pre_ct", 30, "mechanics", "lift", None),
        (
            "bilan-batterie",
            "Bilan de santé batterie",
            "ev_battery",
            60,
            "high_voltage",
            "ev_safe",
            None,
        ),
    ]
    ops = {}
    for code, name, kind, minutes, skill, bay, km in rows:
        ops[code], _ = Operation.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "labour_minutes": minutes,
                "skill": skill,
                "bay_kind": bay,
                "mileage_km": km,
                "electric_only": kind == "ev_battery",
            },
        )
    needs = {
        "revision-30000": [("filtre-huile", 1), ("huile-5w30", 5)],
        "revision-60000": [("filtre-huile", 1), ("huile-5w30", 5), ("filtre-air", 1)],
        "plaquettes-av": [("plaquettes-av", 1)],
    }
    for code, parts in needs.items():
        for kind, qty in parts:
            OperationPart.objects.get_or_create(
                operation=ops[code], part_kind=kind, defaults={"quantity": qty}
            )
    return ops


def basic_parts(car_model_id: int | None = None) -> list[Part]:
    rows = [
        ("FH-1001", "Filtre à huile", "filtre-huile", 1250, False),
        ("HU-5W30", "Huile moteur 5W30 (1 L)", "huile-5w30", 1190, True),
        ("FA-2001", "Filtre à air", "filtre-air", 2490, False),
        ("PL-3001", "Jeu de plaquettes avant", "plaquettes-av", 5990, False),
        ("AC-TAPIS", "Tapis de sol", "tapis", 6900, True),
    ]
    parts = []
    for ref, name, kind, price, universal in rows:
        part, _ = Part.objects.get_or_create(
            reference=ref,
            defaults={"name": name, "kind": kind, "price_ht": price, "universal": universal},
        )
        if car_model_id and not universal:
            Compatibility.objects.get_or_create(
                part=part, car_model_id=car_model_id, year_from=2015, year_to=2030
            )
        parts.append(part)
    return parts


def equip_workshop(
    dealer: Dealer,
    *,
    technicians: int = 2,
    lifts: int = 2,
    loan_cars: int = 1,
    hourly_rate_ht: int = 9000,
    weekdays: range = range(6),
) -> dict[str, list]:
    for day in weekdays:
        OpeningPeriod.objects.get_or_create(
            dealer=dealer, weekday=day, opens_at=OPEN, defaults={"closes_at": CLOSE}
        )
    WorkshopSettings.objects.get_or_create(
        dealer=dealer, defaults={"hourly_rate_ht": hourly_rate_ht, "offers_pickup": True}
    )
    techs = []
    for i in range(technicians):
        tech = Technician.objects.create(
            dealer=dealer, name=f"Technicien {i + 1}", high_voltage=i == 0
        )
        TechnicianHours.objects.bulk_create(
            TechnicianHours(technician=tech, weekday=day, starts=OPEN, ends=CLOSE)
            for day in weekdays
        )
        techs.append(tech)
    bays = [
        Bay.objects.create(dealer=dealer, name=f"Pont {i + 1}", kind="lift") for i in range(lifts)
    ]
    bays.append(Bay.objects.create(dealer=dealer, name="Poste VE", kind="ev_safe"))
    bays.append(Bay.objects.create(dealer=dealer, name="Géométrie", kind="alignment"))
    loans = [
        LoanCar.objects.create(
            dealer=dealer, label=f"Aurore Citadine {i + 1}", plate=f"GA-{100 + i}-AA"
        )
        for i in range(loan_cars)
    ]
    return {"technicians": techs, "bays": bays, "loan_cars": loans}


def schedule(car_model_id: int, *, km: int = 30000, months: int = 24) -> ServiceSchedule:
    row, _ = ServiceSchedule.objects.get_or_create(
        car_model_id=car_model_id,
        powertrain="",
        defaults={"interval_km": km, "interval_months": months},
    )
    return row

"""Demo stock drawn from a seeded generator: vehicle ``n`` is the same on every run.

Each vehicle gets its own ``random.Random`` seeded with its number, so its VIN, dealer draw,
version, colour, options, age, mileage and price do not depend on how many vehicles are asked
for: a second run recognises every vehicle by its VIN and adds none.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from autovitrine.core.money import Price

from .range import CATALOG, ColourSpec, ModelSpec, OptionSpec, VersionSpec, ht_cents

SEED = "autovitrine-demo-2026"
# A World Manufacturer Identifier in the French "VF" block, for the fictional brand.
WMI = "VFL"
PLANT = "L"
VIN_CHARACTERS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
# ISO 3779 model-year codes, from 2010 (A) on a 30-year cycle.
MODEL_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"
# ISO 3779 check digit (position 9): transliteration and weights.
TRANSLITERATION = {
    **{str(digit): digit for digit in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
MAX_VEHICLES = 900_000  # serials run from 100000 to 999999

MODEL_WEIGHTS = (28, 30, 18, 14, 10, 20)  # Lumo, Vela, Électra, Brise, Altaïr, Terra
USED_SHARE_PCT = 35
# Share of a used car's new price by age (years), the usual French curve, in %.
RESIDUAL_PCT_BY_AGE = {1: 78, 2: 68, 3: 59, 4: 52, 5: 46}
AGE_WEIGHTS = {1: 3, 2: 3, 3: 2, 4: 1, 5: 1}
KM_PER_YEAR_EXPECTED = 13_000

NEW_DESCRIPTIONS = (
    "Véhicule neuf disponible immédiatement, garantie constructeur 5 ans.",
    "Neuf, en stock : livraison sous 8 jours après votre commande.",
    "Véhicule neuf, 0 km, éligible à nos offres de financement.",
)
USED_DESCRIPTIONS = (
    "Première main, carnet d'entretien à jour, garantie 12 mois.",
    "Révisé et contrôlé en atelier (100 points), garantie 12 mois.",
    "Historique d'entretien complet, deux clés, garantie 24 mois.",
)


@dataclass(frozen=True, slots=True)
class VehicleDraw:
    number: int
    vin: str
    condition: str  # "new" or "used"
    dealer_weight_key: float  # where in the weighted dealer list this vehicle falls, in [0, 1)
    model: ModelSpec
    version: VersionSpec
    colour: ColourSpec
    options: tuple[OptionSpec, ...]
    year: int
    first_registration: dt.date | None
    mileage_km: int
    price_ttc: int  # cents
    status: str
    description: str

    @property
    def co2_g_km(self) -> int:
        return max(0, self.version.co2_g_km + sum(o.co2_delta_g_km for o in self.options))


def check_digit(vin_without_check: str) -> str:
    """The ISO 3779 check character for a 17-character VIN whose 9th character is a placeholder."""
    total = sum(
        TRANSLITERATION[char] * weight
        for char, weight in zip(vin_without_check, WEIGHTS, strict=True)
    )
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def make_vin(
    rng: random.Random, *, model_index: int, version_index: int, year: int, serial: int
) -> str:
    descriptor = (
        "ABCDEF"[model_index]
        + "1234"[version_index]
        + "".join(rng.choice(VIN_CHARACTERS) for _ in range(3))
    )
    model_year = MODEL_YEAR_CODES[(year - 2010) % len(MODEL_YEAR_CODES)]
    draft = f"{WMI}{descriptor}0{model_year}{PLANT}{serial:06d}"
    return draft[:8] + check_digit(draft) + draft[9:]


def showroom_price(cents: int) -> int:
    """Down to the hundred euros, minus 10 €: 24 890 €, as dealers display prices."""
    hundreds = cents // 10_000
    return max(hundreds * 10_000 - 1_000, 100_000)


def draw_vehicle(number: int, *, today: dt.date) -> VehicleDraw:
    rng = random.Random(f"{SEED}-{number}")
    condition = "used" if rng.randrange(100) < USED_SHARE_PCT else "new"
    dealer_weight_key = rng.random()
    # The first vehicles are one of each model, on sale: every « voir en stock » link leads to cars,
    # however small the demo.
    one_of_each = number < len(CATALOG)
    model_index = number if one_of_each else rng.choices(range(len(CATALOG)), MODEL_WEIGHTS)[0]
    model = CATALOG[model_index]
    version_index = rng.randrange(len(model.versions))
    version = model.versions[version_index]
    colour = rng.choices(model.colours, weights=(5, 3, 2))[0]
    # The configured model (Terra) has its options in its product data, not in this list.
    options = tuple(
        rng.sample(model.options, k=min(rng.choice((0, 1, 1, 2, 3)), len(model.options)))
    )
    catalogue_ht = (
        ht_cents(version.price_ttc_euros)
        + colour.price_ht_euros * 100
        + sum(option.price_ht_euros * 100 for option in options)
    )
    catalogue_ttc = Price.from_ht(catalogue_ht).ttc
    if condition == "new":
        year = today.year
        first_registration = None
        mileage_km = rng.randint(5, 50)
        discount_pct = rng.choice((0, 0, 2, 3, 5, 7))
        price_ttc = showroom_price(catalogue_ttc * (100 - discount_pct) // 100)
        status = rng.choices(("available", "reserved", "sold"), weights=(90, 6, 4))[0]
        description = rng.choice(NEW_DESCRIPTIONS)
    else:
        age = rng.choices(list(AGE_WEIGHTS), weights=list(AGE_WEIGHTS.values()))[0]
        year = today.year - age
        first_registration = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        mileage_km = age * rng.randint(8_000, 19_000) + rng.randint(0, 2_000)
        # 1 % off per 10,000 km beyond the usual 13,000 km a year, 15 % at most.
        extra_km = max(0, mileage_km - age * KM_PER_YEAR_EXPECTED)
        penalty_pct = min(15, extra_km // 10_000)
        value = catalogue_ttc * RESIDUAL_PCT_BY_AGE[age] // 100 * (100 - penalty_pct) // 100
        price_ttc = showroom_price(value)
        status = rng.choices(("available", "reserved", "sold"), weights=(85, 8, 7))[0]
        description = rng.choice(USED_DESCRIPTIONS)
    if one_of_each:
        status = "available"
    vin = make_vin(
        rng,
        model_index=model_index,
        version_index=version_index,
        year=year,
        serial=100_000 + number,
    )
    return VehicleDraw(
        number=number,
        vin=vin,
        condition=condition,
        dealer_weight_key=dealer_weight_key,
        model=model,
        version=version,
        colour=colour,
        options=options,
        year=year,
        first_registration=first_registration,
        mileage_km=mileage_km,
        price_ttc=price_ttc,
        status=status,
        description=description,
    )

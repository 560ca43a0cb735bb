"""What an order costs, frozen when it is placed: price lines with VAT, CO2 malus, registration
estimate, deposit and the delivering dealer's commission.

Rules chosen here (see docs/purchase.md):
- deposit: 10 % of the car's price TTC, rounded down to the euro, capped at 1 500 €;
- dealer commission: 3 % of the car's price HT, credited to the delivering dealer;
- CO2 malus on new cars only (used cars paid theirs at first registration);
- the trade-in estimate is shown but deducted only once the buyer accepts the dealer's offer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from autovitrine.catalog.selectors import Energy, energy_class, label_for, malus_scale_on
from autovitrine.core.money import Price
from autovitrine.inventory.selectors import StockCondition

from .registration import registration_estimate

if TYPE_CHECKING:
    from autovitrine.catalog.models import Colour, Option, Version
    from autovitrine.inventory.models import StockVehicle

DEPOSIT_RATE_BP = 1_000
DEPOSIT_CAP_CENTS = 150_000
COMMISSION_RATE_BP = 300


@dataclass(frozen=True, slots=True)
class QuoteLine:
    code: str  # vehicle, colour, option, malus, registration
    label: str
    ttc: int
    ht: int | None = None
    vat: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "ht": self.ht,
            "vat": self.vat,
            "ttc": self.ttc,
        }


@dataclass(frozen=True, slots=True)
class Quote:
    lines: tuple[QuoteLine, ...]
    price: Price  # the car with its options
    malus_cents: int
    registration_cents: int
    vehicle: dict[str, Any] = field(default_factory=dict)
    vehicle_label: str = ""

    @property
    def total_ttc(self) -> int:
        return self.price.ttc + self.malus_cents + self.registration_cents

    @property
    def deposit_cents(self) -> int:
        return deposit_for(self.price.ttc)

    @property
    def commission_cents(self) -> int:
        return self.price.ht * COMMISSION_RATE_BP // 10_000

    def lines_json(self) -> list[dict[str, Any]]:
        return [line.as_json() for line in self.lines]


def deposit_for(price_ttc: int) -> int:
    return min(DEPOSIT_CAP_CENTS, price_ttc * DEPOSIT_RATE_BP // 10_000 // 100 * 100)


def _price_line(code: str, label: str, price: Price) -> QuoteLine:
    return QuoteLine(code=code, label=label, ht=price.ht, vat=price.vat, ttc=price.ttc)


def _tax_lines(
    *,
    is_new: bool,
    co2_g_km: int | None,
    power_hp: int | None,
    energy: str,
    year: int,
    postcode: str,
    today: dt.date,
    version: Version | None,
) -> tuple[list[QuoteLine], int, int]:
    lines: list[QuoteLine] = []
    malus = 0
    if is_new and co2_g_km is not None:
        scale = malus_scale_on(today)
        malus = label_for(version=version, co2_g_km=co2_g_km, scale=scale).malus_cents
        if scale is not None:
            lines.append(
                QuoteLine(
                    code="malus",
                    label=_("Malus CO2 %(year)d (%(co2)d g/km)")
                    % {"year": scale.year, "co2": co2_g_km},
                    ttc=malus,
                )
            )
    registration = 0
    if co2_g_km is not None and power_hp:
        estimate = registration_estimate(
            postcode=postcode,
            co2_g_km=co2_g_km,
            power_hp=power_hp,
            electric=energy == Energy.ELECTRIC,
            age_years=max(0, today.year - year),
        )
        if estimate is not None:
            registration = estimate.total_cents
            lines.append(
                QuoteLine(
                    code="registration",
                    label=_("Carte grise, estimation (%(cv)d CV, %(region)s)")
                    % {"cv": estimate.fiscal_hp, "region": estimate.region},
                    ttc=registration,
                )
            )
    return lines, malus, registration


def stock_quote(*, vehicle: StockVehicle, postcode: str, today: dt.date) -> Quote:
    price = Price.from_ttc(vehicle.price_ttc)
    version = vehicle.version
    co2 = vehicle.co2_g_km if vehicle.co2_g_km is not None else getattr(version, "co2_g_km", None)
    power = vehicle.power_hp or getattr(version, "power_hp", None)
    label = " ".join(filter(None, [vehicle.make, vehicle.model_label, vehicle.version_label]))
    tax_lines, malus, registration = _tax_lines(
        is_new=vehicle.condition == StockCondition.NEW,
        co2_g_km=co2,
        power_hp=power,
        energy=vehicle.energy,
        year=vehicle.year,
        postcode=postcode,
        today=today,
        version=version,
    )
    return Quote(
        lines=(_price_line("vehicle", label, price), *tax_lines),
        price=price,
        malus_cents=malus,
        registration_cents=registration,
        vehicle_label=label[:200],
        vehicle={
            "condition": vehicle.condition,
            "vin": vehicle.vin,
            "make": vehicle.make,
            "model": vehicle.model_label,
            "version": vehicle.version_label,
            "colour": vehicle.colour_label or (vehicle.colour.name if vehicle.colour else ""),
            "options": [option.name for option in vehicle.options.all()],
            "energy": vehicle.energy,
            "year": vehicle.year,
            "mileage_km": vehicle.mileage_km,
            "co2_g_km": co2,
            "energy_class": energy_class(co2) if co2 is not None else None,
            "power_hp": power,
        },
    )


@dataclass(frozen=True, slots=True)
class BuiltCar:
    """A new car built to order as the order keeps it: priced HT lines (the car first) and the
    figures its taxes depend on (``power_hp`` ``None``: no registration estimate)."""

    make: str
    model: str
    version: str
    lines: tuple[tuple[str, str, int], ...]  # (code, label, amount HT), "vehicle" first
    co2_g_km: int
    energy: str = ""
    power_hp: int | None = None
    crit_air: int | None = None
    colour: str = ""
    options: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def factory_car(*, version: Version, colour: Colour | None, options: Sequence[Option]) -> BuiltCar:
    """A new car built to order from the catalog: the version, paint and options."""
    model = version.car_model
    lines = [("vehicle", f"{model.brand.name} {model.name} {version}", version.base_price_ht)]
    if colour is not None and colour.price_ht:
        lines.append(("colour", colour.name, colour.price_ht))
    lines += [("option", option.name, option.price_ht) for option in options]
    return BuiltCar(
        make=model.brand.name,
        model=model.name,
        version=str(version),
        lines=tuple(lines),
        co2_g_km=version.co2_g_km + sum(option.co2_delta_g_km for option in options),
        energy=version.energy,
        power_hp=version.power_hp,
        crit_air=version.crit_air,
        colour=colour.name if colour else "",
        options=tuple(option.name for option in options),
        extra={"version_code": version.code},
    )


def built_car_quote(*, car: BuiltCar, postcode: str, today: dt.date) -> Quote:
    """The lines priced HT then VAT, malus and registration estimate of a car built to order."""
    lines = [_price_line(code, label, Price.from_ht(ht)) for code, label, ht in car.lines]
    # The car's VAT is the sum of the lines' VAT, so the lines add up exactly to the total.
    price = Price(
        ht=sum(ht for _code, _label, ht in car.lines),
        vat=sum(line.vat or 0 for line in lines),
        rate_bp=Price.from_ht(0).rate_bp,
    )
    tax_lines, malus, registration = _tax_lines(
        is_new=True,
        co2_g_km=car.co2_g_km,
        power_hp=car.power_hp,
        energy=car.energy,
        year=today.year,
        postcode=postcode,
        today=today,
        version=None,  # the malus depends on the CO2 alone
    )
    return Quote(
        lines=(*lines, *tax_lines),
        price=price,
        malus_cents=malus,
        registration_cents=registration,
        vehicle_label=lines[0].label[:200],
        vehicle={
            "condition": "new",
            "vin": "",
            "make": car.make,
            "model": car.model,
            "version": car.version,
            "colour": car.colour,
            "options": list(car.options),
            "energy": car.energy,
            "year": today.year,
            "mileage_km": 0,
            "co2_g_km": car.co2_g_km,
            "energy_class": energy_class(car.co2_g_km),
            "crit_air": car.crit_air,
            "power_hp": car.power_hp,
            **car.extra,
        },
    )

"""What an order costs, frozen when it is placed: price lines with VAT, CO2 malus, registration
estimate, deposit and the delivering dealer's commission.

Rules chosen here (see docs/purchase.md):
- deposit: 10 % of the car's price TTC, rounded down to the euro, capped at 1 500 €;
- dealer commission: 3 % of the car's price HT, credited to the delivering dealer; under the
  margin scheme (CGI art. 297 A) its base is the margin HT, the only part of the price the
  dealer earns on and pays VAT on;
- VAT: one rate and one rounding rule (per line) from ``core.money``; a used car bought from a
  private person is sold under the margin scheme: no VAT shown separately, VAT due on the margin
  (price TTC less the dealer's purchase price) only;
- registration taxes (malus, carte grise estimate) are inside the contract total when the
  seller collects them (``settings.ORDER_REGISTRATION_COLLECTED_BY_SELLER``), otherwise lines of
  their own outside it;
- delivery: a stock car by the 30th day after the contract at the latest (L216-1 Code de la
  consommation: 30 days when no date is agreed), a factory order in its planned week;
- CO2 malus on new cars only (used cars paid theirs at first registration);
- the trade-in estimate is shown but deducted only once the buyer accepts the dealer's offer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext as _

from autovitrine.catalog.selectors import Energy, energy_class
from autovitrine.core.money import Price, price_of_lines
from autovitrine.inventory.selectors import StockCondition

from .law.malus import malus_outlook
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
    vat_scheme: str = "normal"
    purchase_price_cents: int | None = None
    registration_collected: bool = True
    delivery_by: dt.date | None = None

    @property
    def total_ttc(self) -> int:
        """The contract total: taxes the seller does not collect stay outside it."""
        taxes = self.malus_cents + self.registration_cents if self.registration_collected else 0
        return self.price.ttc + taxes

    @property
    def deposit_cents(self) -> int:
        return deposit_for(self.price.ttc)

    @property
    def margin_ht(self) -> int:
        """Margin scheme: the margin TTC less its VAT (CGI art. 297 A, VAT computed on the margin)."""
        margin_ttc = max(0, self.price.ttc - (self.purchase_price_cents or 0))
        return Price.from_ttc(margin_ttc).ht

    @property
    def commission_cents(self) -> int:
        base = self.margin_ht if self.vat_scheme == "margin" else self.price.ht
        return base * COMMISSION_RATE_BP // 10_000

    def lines_json(self) -> list[dict[str, Any]]:
        return [line.as_json() for line in self.lines]


def deposit_for(price_ttc: int) -> int:
    return min(DEPOSIT_CAP_CENTS, price_ttc * DEPOSIT_RATE_BP // 10_000 // 100 * 100)


def _price_line(code: str, label: str, price: Price) -> QuoteLine:
    return QuoteLine(code=code, label=label, ht=price.ht, vat=price.vat, ttc=price.ttc)


def registration_collected_by_seller() -> bool:
    return bool(getattr(settings, "ORDER_REGISTRATION_COLLECTED_BY_SELLER", True))


def l216_1_delivery_by(contract_day: dt.date) -> dt.date:
    """L216-1 Code de la consommation: without an agreed date, delivery within 30 days."""
    return contract_day + dt.timedelta(days=30)


FACTORY_LEAD_WEEKS = 12


def planned_factory_delivery(today: dt.date) -> dt.date:
    """A factory order's planned delivery: the Friday of the week ``FACTORY_LEAD_WEEKS`` ahead
    (the order states that week, L216-1)."""
    day = today + dt.timedelta(weeks=getattr(settings, "FACTORY_LEAD_WEEKS", FACTORY_LEAD_WEEKS))
    return day + dt.timedelta(days=4 - day.weekday())


def _age_years(first_registration: dt.date | None, year: int, today: dt.date) -> int:
    """A car's age for the carte grise: from its first registration, not its model year."""
    if first_registration is None:
        return max(0, today.year - year)
    years = today.year - first_registration.year
    if (today.month, today.day) < (first_registration.month, first_registration.day):
        years -= 1
    return max(0, years)


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
    fiscal_hp: int | None = None,
    age_years: int | None = None,
    mass_kg: int | None = None,
    electric_range_km: int | None = None,
    registration_day: dt.date | None = None,
) -> tuple[list[QuoteLine], int, int, str]:
    """The tax lines: CO2 malus and weight malus (new cars, at the scale of the planned
    registration day, ``law.malus``), then the carte grise estimate. Returns the lines, the
    malus total, the registration estimate and the malus notice (both scales when they differ)."""
    lines: list[QuoteLine] = []
    malus = 0
    notice = ""
    if is_new and co2_g_km is not None:
        outlook = malus_outlook(
            today=today,
            registration_day=registration_day or today,
            co2_g_km=co2_g_km,
            mass_kg=mass_kg,
            energy=energy,
            electric_range_km=electric_range_km,
        )
        applied = outlook.applied
        notice = outlook.notice
        if applied.co2_year is not None:
            lines.append(
                QuoteLine(
                    code="malus",
                    label=_("Malus CO2 %(year)d (%(co2)d g/km)")
                    % {"year": applied.co2_year, "co2": co2_g_km},
                    ttc=applied.co2_cents,
                )
            )
        if applied.weight_cents is not None and mass_kg is not None:
            label = (
                _("Malus au poids %(year)d (%(kg)d kg) : exonéré")
                if applied.weight_exempt
                else _("Malus au poids %(year)d (%(kg)d kg)")
            ) % {"year": applied.weight_year, "kg": mass_kg}
            lines.append(QuoteLine(code="weight_malus", label=label, ttc=applied.weight_cents))
        malus = applied.total_cents
    registration = 0
    if co2_g_km is not None and (power_hp or fiscal_hp):
        estimate = registration_estimate(
            postcode=postcode,
            co2_g_km=co2_g_km,
            power_hp=power_hp or 0,
            electric=energy == Energy.ELECTRIC,
            age_years=max(0, today.year - year) if age_years is None else age_years,
            fiscal_hp=fiscal_hp,
            day=registration_day or today,
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
    return lines, malus, registration, notice


def stock_quote(
    *, vehicle: StockVehicle, postcode: str, today: dt.date, price_ttc: int | None = None
) -> Quote:
    """A stock car's quote; ``price_ttc`` overrides the listed price (a flash-sale price)."""
    price = Price.from_ttc(vehicle.price_ttc if price_ttc is None else price_ttc)
    margin = getattr(vehicle, "vat_scheme", "normal") == "margin"
    version = vehicle.version
    co2 = vehicle.co2_g_km if vehicle.co2_g_km is not None else getattr(version, "co2_g_km", None)
    power = vehicle.power_hp or getattr(version, "power_hp", None)
    label = " ".join(filter(None, [vehicle.make, vehicle.model_label, vehicle.version_label]))
    tax_lines, malus, registration, malus_notice = _tax_lines(
        is_new=vehicle.condition == StockCondition.NEW,
        co2_g_km=co2,
        power_hp=power,
        energy=vehicle.energy,
        year=vehicle.year,
        postcode=postcode,
        today=today,
        version=version,
        fiscal_hp=getattr(vehicle, "fiscal_hp", None),
        age_years=_age_years(vehicle.first_registration, vehicle.year, today),
        mass_kg=getattr(version, "weight_kg", None),
        electric_range_km=getattr(version, "electric_range_km", None),
    )
    car_line = (
        # CGI art. 297 A: under the margin scheme the invoice shows no VAT separately.
        QuoteLine(code="vehicle", label=label, ttc=price.ttc)
        if margin
        else _price_line("vehicle", label, price)
    )
    return Quote(
        lines=(car_line, *tax_lines),
        price=price,
        malus_cents=malus,
        registration_cents=registration,
        vat_scheme="margin" if margin else "normal",
        purchase_price_cents=getattr(vehicle, "purchase_price_cents", None) if margin else None,
        registration_collected=registration_collected_by_seller(),
        delivery_by=l216_1_delivery_by(today),
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
            "weight_kg": getattr(version, "weight_kg", None),
            "malus_notice": malus_notice,
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
    weight_kg: int | None = None  # mass in running order (field G), for the weight malus
    electric_range_km: int | None = None
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
        weight_kg=version.weight_kg,
        electric_range_km=version.electric_range_km,
        colour=colour.name if colour else "",
        options=tuple(option.name for option in options),
        extra={"version_code": version.code},
    )


def built_car_quote(*, car: BuiltCar, postcode: str, today: dt.date) -> Quote:
    """The lines priced HT then VAT, malus and registration estimate of a car built to order."""
    lines = [_price_line(code, label, Price.from_ht(ht)) for code, label, ht in car.lines]
    # The car's VAT is the sum of the lines' VAT, so the lines add up exactly to the total.
    price = price_of_lines(ht for _code, _label, ht in car.lines)
    planned = car.extra.get("planned_delivery")
    delivery_by = planned if isinstance(planned, dt.date) else planned_factory_delivery(today)
    tax_lines, malus, registration, malus_notice = _tax_lines(
        is_new=True,
        co2_g_km=car.co2_g_km,
        power_hp=car.power_hp,
        energy=car.energy,
        year=today.year,
        postcode=postcode,
        today=today,
        version=None,
        mass_kg=car.weight_kg,
        electric_range_km=car.electric_range_km,
        # L421-33 3°: the scale of the first registration, planned at delivery.
        registration_day=delivery_by,
    )
    return Quote(
        lines=(*lines, *tax_lines),
        price=price,
        malus_cents=malus,
        registration_cents=registration,
        registration_collected=registration_collected_by_seller(),
        delivery_by=delivery_by,
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
            "weight_kg": car.weight_kg,
            "malus_notice": malus_notice,
            **car.extra,
        },
    )

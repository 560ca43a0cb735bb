"""JSON shapes of the catalog API: models, versions with their price and environmental label."""

from __future__ import annotations

from ninja import Schema

from autovitrine.core.money import Price

from .selectors import EnvironmentalLabel


class PriceOut(Schema):
    """A price in integer cents, split HT / VAT / TTC (``ht_cents + vat_cents == ttc_cents``)."""

    ht_cents: int
    vat_cents: int
    ttc_cents: int
    vat_rate_basis_points: int

    @classmethod
    def of(cls, price: Price) -> PriceOut:
        return cls(**cls.fields_of(price))

    @staticmethod
    def fields_of(price: Price) -> dict[str, int]:
        """The schema's fields as a plain dict, for answers written without pydantic."""
        return {
            "ht_cents": price.ht,
            "vat_cents": price.vat,
            "ttc_cents": price.ttc,
            "vat_rate_basis_points": price.rate_bp,
        }


class EnvironmentalLabelOut(Schema):
    """WLTP figures and the French CO2 malus due at first registration under the current scale."""

    co2_g_km: int | None
    energy_class: str | None
    consumption: str
    electric_range_km: int | None
    crit_air: int | None
    recycled_share_pct: int | None
    malus_cents: int
    malus_scale_year: int | None
    malus_scale_source: str

    @classmethod
    def of(cls, label: EnvironmentalLabel) -> EnvironmentalLabelOut:
        return cls(
            co2_g_km=label.co2_g_km,
            energy_class=label.energy_class,
            consumption=label.consumption,
            electric_range_km=label.electric_range_km,
            crit_air=label.crit_air,
            recycled_share_pct=label.recycled_share_pct,
            malus_cents=label.malus_cents,
            malus_scale_year=label.malus_year,
            malus_scale_source=label.malus_source,
        )


class VersionOut(Schema):
    code: str
    trim: str
    powertrain: str
    energy: str
    power_hp: int
    gearbox: str
    weight_kg: int | None
    price: PriceOut
    label: EnvironmentalLabelOut


class ColourOut(Schema):
    code: str
    name: str
    hex_value: str
    finish: str
    price: PriceOut


class OptionOut(Schema):
    code: str
    name: str
    category: str
    price: PriceOut
    co2_delta_g_km: int


class PackOut(Schema):
    code: str
    name: str
    price: PriceOut
    option_codes: list[str]


class CarModelSummaryOut(Schema):
    code: str
    name: str
    brand: str
    body: str
    tagline: str
    from_price: PriceOut | None
    image_url: str
    page_url: str


class CarModelOut(CarModelSummaryOut):
    description: str
    energies: list[str]
    versions: list[VersionOut]
    colours: list[ColourOut]
    options: list[OptionOut]
    packs: list[PackOut]

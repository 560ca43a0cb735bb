"""JSON shapes of the stock API: the search (same filters as the page) and a vehicle."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from autovitrine.catalog.schemas import EnvironmentalLabelOut, PriceOut
from autovitrine.catalog.selectors import Energy
from autovitrine.dealers.schemas import NearQuery, OpeningPeriodOut

from .forms import MAX_MILEAGE_KM, MAX_PRICE_CENTS, OLDEST_YEAR
from .models import StockVehicle

MAX_PAGE_SIZE = 50


class StockSearchQuery(NearQuery):
    model: str | None = Field(None, max_length=60, description="Code du modèle au catalogue.")
    energy: Energy | None = None
    condition: StockVehicle.Condition | None = None
    max_price_cents: int | None = Field(None, ge=0, le=MAX_PRICE_CENTS, description="Prix TTC.")
    max_mileage: int | None = Field(None, ge=0, le=MAX_MILEAGE_KM, description="En km.")
    min_year: int | None = Field(None, ge=OLDEST_YEAR, le=2100)
    max_distance_km: int | None = Field(
        None, ge=1, le=2000, description="Exige un lieu (place) ou une position (lat, lng)."
    )
    dealer: str | None = Field(None, max_length=60, description="Code de la concession.")
    sort: Literal["distance", "price", "newest"] | None = Field(
        None,
        description="Par défaut : distance quand un lieu est donné, sinon les plus récents.",
    )
    page: int = Field(1, ge=1, le=2**31 - 1)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


class StockDealerOut(Schema):
    code: str
    name: str
    city: str
    postcode: str


class StockItemOut(Schema):
    id: int
    title: str
    make: str
    model_label: str
    version_label: str
    condition: str
    energy: str
    year: int
    mileage_km: int
    price: PriceOut
    distance_km: float | None
    dealer: StockDealerOut
    photo_url: str
    page_url: str


class Origin(Schema):
    latitude: float
    longitude: float


class StockSearchOut(Schema):
    items: list[StockItemOut]
    total: int
    total_is_capped: bool  # more matches than ``total`` (1,000): narrow the search
    page: int
    page_size: int
    num_pages: int
    sort: str
    origin: Origin | None


class VehicleDealerOut(StockDealerOut):
    street: str
    phone: str
    latitude: float
    longitude: float
    opening_periods: list[OpeningPeriodOut]
    page_url: str


class VehicleOptionOut(Schema):
    code: str
    name: str
    price: PriceOut


class VehicleOut(Schema):
    id: int
    status: str
    title: str
    make: str
    model_label: str
    model_code: str | None
    version_label: str
    version_code: str | None
    colour_label: str
    condition: str
    energy: str
    gearbox: str
    power_hp: int | None
    year: int
    first_registration: dt.date | None
    mileage_km: int
    price: PriceOut
    description: str
    photo_urls: list[str]
    options: list[VehicleOptionOut]
    label: EnvironmentalLabelOut | None = Field(
        description="Étiquette environnementale ; le malus n'est dû que pour un véhicule neuf."
    )
    dealer: VehicleDealerOut
    page_url: str

"""JSON shapes of the stock API: the search (same filters as the page) and a vehicle."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.urls import reverse
from ninja import Field, Schema

from autovitrine.catalog.schemas import EnvironmentalLabelOut, PriceOut
from autovitrine.catalog.selectors import Energy, label_for, malus_scale_on
from autovitrine.core.forms import MAX_SEARCH_YEAR
from autovitrine.core.money import Price
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
    min_year: int | None = Field(None, ge=OLDEST_YEAR, le=MAX_SEARCH_YEAR)
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


def vehicle_out(vehicle: StockVehicle) -> dict[str, Any]:
    """A ``VehicleOut`` of a vehicle read with ``selectors.vehicle_for_page``. Built here so that
    the app serving the detail (``orders.api``, which adds the registration taxes) and this one
    share it."""
    is_new = vehicle.condition == StockVehicle.Condition.NEW
    has_label = vehicle.version is not None or vehicle.co2_g_km is not None
    dealer = vehicle.dealer
    return {
        "id": vehicle.pk,
        "status": vehicle.status,
        "title": vehicle.title,
        "make": vehicle.make,
        "model_label": vehicle.model_label,
        "model_code": vehicle.car_model.code if vehicle.car_model else None,
        "version_label": vehicle.version_label,
        "version_code": vehicle.version.code if vehicle.version else None,
        "colour_label": vehicle.colour_label,
        "condition": vehicle.condition,
        "energy": vehicle.energy,
        "gearbox": vehicle.gearbox,
        "power_hp": vehicle.power_hp,
        "year": vehicle.year,
        "first_registration": vehicle.first_registration,
        "mileage_km": vehicle.mileage_km,
        "price": PriceOut.of(Price.from_ttc(vehicle.price_ttc)),
        "description": vehicle.description,
        "photo_urls": [photo.image.url for photo in vehicle.photos.all()],
        "options": [
            {"code": o.code, "name": o.name, "price": PriceOut.of(Price.from_ht(o.price_ht))}
            for o in vehicle.options.all()
        ],
        # The malus is due at first registration, so only a new car carries one (as on the page).
        "label": (
            EnvironmentalLabelOut.of(
                label_for(
                    version=vehicle.version,
                    co2_g_km=vehicle.co2_g_km,
                    scale=malus_scale_on() if is_new else None,
                )
            )
            if has_label
            else None
        ),
        "dealer": {
            "code": dealer.code,
            "name": dealer.name,
            "street": dealer.street,
            "postcode": dealer.postcode,
            "city": dealer.city,
            "phone": dealer.phone,
            "latitude": dealer.latitude,
            "longitude": dealer.longitude,
            "opening_periods": [OpeningPeriodOut.of(p) for p in dealer.opening_periods.all()],
            "page_url": reverse("dealers:detail", kwargs={"code": dealer.code}),
        },
        "page_url": reverse("inventory:vehicle", kwargs={"vehicle_id": vehicle.pk}),
    }

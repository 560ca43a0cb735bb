"""Catalog API: ``GET /api/catalog/models`` (the range) and ``/api/catalog/models/{code}``."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router

from autovitrine.core.api_errors import ApiError, errors
from autovitrine.core.money import Price

from .models import CarModel, MalusScale, Version
from .schemas import (
    CarModelOut,
    CarModelSummaryOut,
    ColourOut,
    EnvironmentalLabelOut,
    OptionOut,
    PackOut,
    PriceOut,
    VersionOut,
)
from .selectors import (
    energies_of,
    label_for,
    malus_scale_on,
    model_with_versions,
    published_models,
    version_price,
)

router = Router(tags=["catalog"])


def _image_url(car_model: CarModel) -> str:
    if car_model.hero_image:
        return car_model.hero_image.url
    gallery = car_model.images.all()  # prefetched, in display order
    return gallery[0].image.url if gallery else ""


def _summary(car_model: CarModel, from_price_ht: int | None) -> dict:
    return {
        "code": car_model.code,
        "name": car_model.name,
        "brand": car_model.brand.name,
        "body": car_model.body,
        "tagline": car_model.tagline,
        "from_price": (
            PriceOut.of(Price.from_ht(from_price_ht)) if from_price_ht is not None else None
        ),
        "image_url": _image_url(car_model),
        "page_url": reverse("catalog:model_detail", kwargs={"code": car_model.code}),
    }


def _version(version: Version, scale: MalusScale | None) -> VersionOut:
    return VersionOut(
        code=version.code,
        trim=version.trim,
        powertrain=version.powertrain,
        energy=version.energy,
        power_hp=version.power_hp,
        gearbox=version.gearbox,
        weight_kg=version.weight_kg,
        price=PriceOut.of(version_price(version)),
        label=EnvironmentalLabelOut.of(label_for(version=version, scale=scale)),
    )


@router.get("/models", response=list[CarModelSummaryOut], url_name="catalog_models")
def model_list(request: HttpRequest) -> list[dict]:
    """Published models in range order, each with its lowest price (two queries in all)."""
    return [
        _summary(car_model, car_model.from_price_ht)  # type: ignore[attr-defined]  # annotated
        for car_model in published_models()
    ]


@router.get("/models/{code}", response={200: CarModelOut, **errors(404)}, url_name="catalog_model")
def model_detail(request: HttpRequest, code: str) -> dict:
    """A model with its published versions (cheapest first), each priced HT/TTC and labelled
    with WLTP CO2, energy class, consumption, range, Crit'Air, recycled share and the malus
    under the scale in force today; plus its colours, options and packs."""
    car_model = model_with_versions(code)
    if car_model is None:
        raise ApiError(404, "not_found", "Ce modèle n'existe pas ou n'est plus au catalogue.")
    scale = malus_scale_on()
    versions = list(car_model.versions.all())  # published, cheapest first
    return {
        **_summary(car_model, versions[0].base_price_ht if versions else None),
        "description": car_model.description,
        "energies": energies_of(car_model),
        "versions": [_version(v, scale) for v in versions],
        "colours": [
            ColourOut(
                code=c.code,
                name=c.name,
                hex_value=c.hex_value,
                finish=c.finish,
                price=PriceOut.of(Price.from_ht(c.price_ht)),
            )
            for c in car_model.colours.all()
        ],
        "options": [
            OptionOut(
                code=o.code,
                name=o.name,
                category=o.category,
                price=PriceOut.of(Price.from_ht(o.price_ht)),
                co2_delta_g_km=o.co2_delta_g_km,
            )
            for o in car_model.options.all()
        ],
        "packs": [
            PackOut(
                code=p.code,
                name=p.name,
                price=PriceOut.of(Price.from_ht(p.price_ht)),
                option_codes=[o.code for o in p.options.all()],
            )
            for p in car_model.packs.all()
        ],
    }

"""Public catalog pages: the model range and one model with its versions, prices and labels."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from autovitrine.core.money import Price

from .models import CarModel, Energy, MalusScale, Version
from .selectors import (
    EnvironmentalLabel,
    energies_of,
    label_for,
    malus_scale_on,
    model_with_versions,
    published_models,
    version_price,
)


@dataclass(frozen=True, slots=True)
class VersionOffer:
    """A version as the pages show it: its price split HT/TTC and its environmental label."""

    version: Version
    price: Price
    label: EnvironmentalLabel


@dataclass(frozen=True, slots=True)
class ModelCard:
    car_model: CarModel
    offers: list[VersionOffer]
    energies: list[str]

    @property
    def from_price(self) -> Price | None:
        return self.offers[0].price if self.offers else None


def _range_with_versions() -> QuerySet[CarModel]:
    # The list shows every published version of every model: one prefetch, not one query a model.
    return published_models().prefetch_related(
        Prefetch(
            "versions",
            queryset=Version.objects.filter(is_published=True).order_by("base_price_ht"),
        )
    )


def _offers(car_model: CarModel, scale: MalusScale | None) -> list[VersionOffer]:
    return [
        VersionOffer(
            version=version,
            price=version_price(version),
            label=label_for(version=version, scale=scale),
        )
        for version in car_model.versions.all()  # prefetched, cheapest first
    ]


def _card(car_model: CarModel, scale: MalusScale | None) -> ModelCard:
    return ModelCard(
        car_model=car_model,
        offers=_offers(car_model, scale),
        energies=[str(Energy(value).label) for value in energies_of(car_model)],
    )


def model_list(request: HttpRequest) -> HttpResponse:
    scale = malus_scale_on()
    cards = [_card(car_model, scale) for car_model in _range_with_versions()]
    return render(request, "catalog/model_list.html", {"cards": cards, "malus_scale": scale})


def model_detail(request: HttpRequest, code: str) -> HttpResponse:
    car_model = model_with_versions(code)
    if car_model is None:
        raise Http404(_("Ce modèle n'existe pas ou n'est plus au catalogue."))
    card = _card(car_model, malus_scale_on())
    context = {
        "card": card,
        "car_model": car_model,
        "images": list(car_model.images.all()),
        "colours": list(car_model.colours.all()),
        "options": list(car_model.options.all()),
        "packs": list(car_model.packs.all()),
    }
    return render(request, "catalog/model_detail.html", context)

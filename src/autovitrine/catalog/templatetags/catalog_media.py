"""``{% load catalog_media %}``: the picture that stands for a model on cards and pages."""

from __future__ import annotations

from django import template

from autovitrine.catalog.models import CarModel

register = template.Library()


@register.filter
def cover_url(car_model: CarModel) -> str:
    """The hero image, else the first gallery image (prefetched ``images``), else ``""``."""
    if car_model.hero_image:
        return car_model.hero_image.url
    images = car_model.images.all()
    return images[0].image.url if images else ""

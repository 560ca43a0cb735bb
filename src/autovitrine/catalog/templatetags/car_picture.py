"""``{% load car_picture %}``: the drawing of a car (``catalog/picture.py``) in a page.

    {% configured_picture car_model configuration labels alt %}   a configured car
    {% model_picture car_model alt %}                               a model, in its first paint
    {% vehicle_picture vehicle alt %}                               a car in stock

The element carries the accessible name (``alt``); nothing is written inside the drawing.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from autovitrine.catalog.models import CarModel
from autovitrine.catalog.picture import (
    CarLook,
    car_svg,
    look_for_configuration,
    paint_from_words,
    stock_car_svg,
)

register = template.Library()


def _paints(car_model: CarModel) -> dict[str, str]:
    """The model's catalogue colours by code (prefetched ``colours`` are used when present)."""
    return {colour.code: colour.hex_value for colour in car_model.colours.all()}


@register.simple_tag
def configured_picture(
    car_model: CarModel, configuration: dict[str, Any], labels: Any = None, alt: str = ""
) -> SafeString:
    if not isinstance(labels, dict):
        labels = {}
    look = look_for_configuration(car_model.body, configuration or {}, labels, _paints(car_model))
    return mark_safe(car_svg(look, str(alt)))  # noqa: S308 (built from escaped values)


@register.simple_tag
def model_picture(car_model: CarModel, alt: str = "") -> SafeString:
    colours = list(car_model.colours.all())
    paint = colours[0].hex_value if colours else paint_from_words(car_model.name)
    return mark_safe(car_svg(CarLook(body=car_model.body, paint=paint), str(alt)))  # noqa: S308


@register.simple_tag
def vehicle_picture(vehicle: Any, alt: str = "") -> SafeString:
    """A stock car without a photo (``catalog.picture.stock_car_svg``)."""
    return mark_safe(stock_car_svg(vehicle, str(alt)))  # noqa: S308

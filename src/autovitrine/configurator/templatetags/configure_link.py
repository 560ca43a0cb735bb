"""``{% configure_link car_model %}``: the "configure" button of a catalogue model page, shown
only when the model has published product data (the catalogue page, lower than the configurator,
asks through this tag rather than importing it; docs/architecture.md)."""

from __future__ import annotations

from typing import Any

from django import template

from autovitrine.configurator.selectors import published_product_data

register = template.Library()


@register.inclusion_tag("configurator/_configure_link.html")
def configure_link(car_model: Any) -> dict[str, Any]:
    return {
        "car_model": car_model,
        "configurable": published_product_data(car_model.code) is not None,
    }

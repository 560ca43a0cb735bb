"""``{% load eco_label %}``: the rungs of the A–G energy-class ladder drawn by ``catalog/_label.html``."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.utils.translation import gettext as _

from autovitrine.catalog.selectors import ENERGY_CLASS_BOUNDS, ENERGY_CLASSES, EnvironmentalLabel

register = template.Library()


@dataclass(frozen=True, slots=True)
class LadderRung:
    letter: str
    emissions: str  # "101 à 120 g/km", written out so the ladder does not rely on colour
    is_current: bool


def _emissions_text(index: int) -> str:
    if index == 0:
        return _("jusqu'à %(upper)d g/km") % {"upper": ENERGY_CLASS_BOUNDS[0][1]}
    lower = ENERGY_CLASS_BOUNDS[index - 1][1] + 1
    if index == len(ENERGY_CLASS_BOUNDS):
        return _("plus de %(lower)d g/km") % {"lower": lower - 1}
    return _("%(lower)d à %(upper)d g/km") % {
        "lower": lower,
        "upper": ENERGY_CLASS_BOUNDS[index][1],
    }


@register.filter
def energy_ladder(label: EnvironmentalLabel) -> list[LadderRung]:
    """Classes A to G with their CO2 span, the label's own class marked as current."""
    return [
        LadderRung(
            letter=letter, emissions=_emissions_text(index), is_current=letter == label.energy_class
        )
        for index, letter in enumerate(ENERGY_CLASSES)
    ]

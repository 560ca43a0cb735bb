"""Vehicle identification numbers (ISO 3779): 17 characters, letters and digits, no I, O or Q."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

VIN_PATTERN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")


def normalize_vin(raw: str) -> str:
    return "".join(raw.split()).upper()


def validate_vin(raw: str) -> str:
    """Return the normalized VIN or raise a ``ValidationError`` with a French message."""
    vin = normalize_vin(raw)
    if len(vin) != 17:
        raise ValidationError(
            _("Le VIN doit comporter 17 caractères (%(n)d saisis).") % {"n": len(vin)},
            code="vin_length",
        )
    if any(ch in "IOQ" for ch in vin):
        raise ValidationError(
            _("Le VIN ne peut pas contenir les lettres I, O ou Q."), code="vin_forbidden_letter"
        )
    if not VIN_PATTERN.match(vin):
        raise ValidationError(
            _("Le VIN ne contient que des lettres et des chiffres."), code="vin_invalid_character"
        )
    return vin

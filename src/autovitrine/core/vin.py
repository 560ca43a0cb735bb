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


# ISO 3779 transliteration and position weights of the North-American check digit (49 CFR
# § 565.15): each character's value times its position's weight, summed modulo 11; 10 is "X".
_VIN_VALUES = {
    **{str(digit): digit for digit in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
# World manufacturer identifiers starting with these letters are North-American (1-5), where
# the check digit is compulsory; elsewhere (Europe: S-Z) makers may leave position 9 free.
_CHECK_DIGIT_REGIONS = "12345"


def vin_check_digit(vin: str) -> str:
    """The check digit position 9 should hold for this (normalized, valid) VIN."""
    total = sum(_VIN_VALUES[ch] * weight for ch, weight in zip(vin, _VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def vin_check_warning(vin: str) -> str:
    """A French warning when position 9 does not match the check digit, or "" when it does.

    A North-American VIN with a wrong check digit is a typing error; a European one often
    does not use position 9 as a check digit at all, so it is only flagged, never refused."""
    if len(vin) != 17 or vin[8] == vin_check_digit(vin):
        return ""
    if vin[0] in _CHECK_DIGIT_REGIONS:
        return _(
            "Le caractère de contrôle du VIN (9e position) ne correspond pas : "
            "vérifiez la saisie sur la carte grise."
        )
    return _(
        "Le 9e caractère du VIN n'est pas un caractère de contrôle valide ; c'est courant "
        "pour un véhicule européen, mais vérifiez la saisie sur la carte grise."
    )

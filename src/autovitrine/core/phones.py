"""French phone numbers, parsed by ``phonenumbers`` (Google's libphonenumber metadata)."""

from __future__ import annotations

import phonenumbers


def french_phone_normalize(raw: str) -> str | None:
    """``06 12 34 56 78`` for any French way of writing a French number (``+33 6…``,
    ``0033 (0)6…``, dots, dashes), ``None`` when it is not a valid French number."""
    text = raw.strip().replace("(0)", "")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, "FR")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 33 or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)

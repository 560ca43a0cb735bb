"""Reads on accounts for the other apps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .models import User


@dataclass(frozen=True, slots=True)
class BuyerContact:
    """What a signed-in buyer's forms are pre-filled with; all blank for a visitor."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    postcode: str = ""
    street: str = ""
    city: str = ""

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def as_initial(self, *fields: str) -> dict[str, str]:
        """``{field: value}`` for the named fields (``name`` included) that have a value."""
        values = {field: getattr(self, field) for field in fields}
        return {field: value for field, value in values.items() if value}


def buyer_contact(user: Any) -> BuyerContact:
    """The one source of pre-filled contact details (lead forms, checkout, trade-in, "send to
    a dealer"): the signed-in account's, or blanks for a visitor."""
    if not getattr(user, "is_authenticated", False):
        return BuyerContact()
    return BuyerContact(
        first_name=user.first_name,
        last_name=user.last_name,
        email=user.email,
        phone=user.phone,
        postcode=user.postcode,
        street=user.street,
        city=user.city,
    )


def is_dealer_account(user: Any) -> bool:
    """Whether the account is of the « personnel concession » kind (active or not)."""
    return bool(user.kind == User.Kind.DEALER)

"""Reads on accounts for the other apps."""

from __future__ import annotations

from typing import Any

from .models import User


def is_dealer_account(user: Any) -> bool:
    """Whether the account is of the « personnel concession » kind (active or not)."""
    return bool(user.kind == User.Kind.DEALER)

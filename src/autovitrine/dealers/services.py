"""Writes on dealers: notify a dealer's staff (the other apps tell the dealer through here)."""

from __future__ import annotations

from functools import partial

from django.db import transaction

from .tasks import dealer_email_staff


def dealer_staff_notify(*, dealer_id: int, subject: str, body: str) -> None:
    """E-mail the dealer's staff once the caller's transaction commits (nothing on a rollback)."""
    transaction.on_commit(partial(dealer_email_staff.enqueue, dealer_id, subject[:200], body))

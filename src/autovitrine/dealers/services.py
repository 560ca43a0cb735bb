"""Writes on dealers: notify a dealer's staff (the other apps tell the dealer through here), and
record the messages that could not leave."""

from __future__ import annotations

from functools import partial

from django.db import transaction

from .models import StaffEmailFailure
from .tasks import dealer_email_staff


def dealer_staff_notify(*, dealer_id: int, subject: str, body: str) -> None:
    """E-mail the dealer's staff once the caller's transaction commits (nothing on a rollback)."""
    transaction.on_commit(partial(dealer_email_staff.enqueue, dealer_id, subject[:200], body))


def staff_email_failure_record(
    *, dealer_id: int, recipients: str, subject: str, error: str
) -> StaffEmailFailure:
    """Write down a staff message the mail server refused, for head office (issue 10)."""
    return StaffEmailFailure.objects.create(
        dealer_id=dealer_id, recipients=recipients[:1000], subject=subject[:200], error=error[:500]
    )

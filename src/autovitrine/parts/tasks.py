"""Scheduled work for parts: reservations not collected within 48 h go back on the shelf."""

from __future__ import annotations

from django_tasks import task


@task()
def parts_release_expired() -> int:
    from .services import reservations_release_expired

    return reservations_release_expired()

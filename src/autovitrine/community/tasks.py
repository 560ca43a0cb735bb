"""Background work: the notification digest, run by the scheduler (daily; weekly ones wait)."""

from __future__ import annotations

from django_tasks import task


@task()
def community_digest() -> int:
    from .services import digest_send

    return digest_send()

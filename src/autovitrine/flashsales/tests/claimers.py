"""Run in separate worker processes by the concurrency tests: buyers claiming at the same moment."""

from __future__ import annotations

import os
import threading
import time


def claim_in_process(
    database_url: str, sale_id: int, jobs: list[tuple[int, str, str]], start_at: float
) -> list[str]:
    """Claim for each (customer id, token, key) on its own thread, all at ``start_at``.

    Returns the hold ref or the refusal code of each claim.
    """
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "autovitrine.config.settings")
    import django

    django.setup()
    from django.db import connection

    from autovitrine.accounts.models import User
    from autovitrine.flashsales import services
    from autovitrine.flashsales.errors import FlashSaleRefusal

    customers = {u.pk: u for u in User.objects.filter(pk__in=[job[0] for job in jobs])}
    connection.close()
    results: list[str] = [""] * len(jobs)

    def attempt(index: int, customer_id: int, token: str, key: str) -> None:
        time.sleep(max(0.0, start_at - time.time()))
        try:
            answer = services.unit_claim(
                sale_id=sale_id, customer=customers[customer_id], token=token, idempotency_key=key
            )
            results[index] = answer.hold_ref
        except FlashSaleRefusal as exc:
            results[index] = exc.code
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i, *job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results

"""``manage.py run_periodic [--once] [--every SECONDS]``: expire timed states without cron."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from autovitrine.web.periodic import run_due_work


class Command(BaseCommand):
    help = "Expire les brouillons de commande non payés et les réservations échues, chaque minute."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="Un seul passage, puis sortie.")
        parser.add_argument("--every", type=int, default=60, help="Intervalle en secondes.")

    def handle(self, *args, once: bool = False, every: int = 60, **options) -> None:
        while True:
            done = run_due_work()
            self.stdout.write(
                f"{done.drafts_expired} commande(s) expirée(s), "
                f"{done.holds_released} réservation(s) libérée(s)."
            )
            if once:
                return
            time.sleep(max(5, every))
            close_old_connections()  # a long-running loop must not keep a dead connection

"""``manage.py orders_expire_drafts``: run every few minutes (cron) to free cars held by unpaid drafts."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from autovitrine.orders.services import order_expire_drafts


class Command(BaseCommand):
    help = "Annule les commandes dont l'acompte n'a pas été payé à temps et remet leurs véhicules en vente."

    def handle(self, *args, **options) -> None:
        expired = order_expire_drafts()
        self.stdout.write(f"{expired} commande(s) expirée(s).")

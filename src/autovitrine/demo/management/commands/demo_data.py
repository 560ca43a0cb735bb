"""``manage.py demo_data``: the demo brand « Aurore », its network, stock, accounts and leads.

Safe to run at every start (``make run`` does): what is already there is kept, so a second run
adds nothing and takes a second or two. ``--reset`` removes the demo rows first.
"""

from __future__ import annotations

import time
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from autovitrine.demo import community, loader
from autovitrine.demo import production as demo_production
from autovitrine.demo.aftersales import load_aftersales
from autovitrine.demo.community import load_community
from autovitrine.demo.network import DEALERS
from autovitrine.demo.range import CATALOG
from autovitrine.demo.stock import MAX_VEHICLES
from autovitrine.demo.tradein_prices import reference_prices

DEFAULT_VEHICLES = 2_000


class Command(BaseCommand):
    help = (
        "Charge les données de démonstration (marque Aurore, concessions, stock, comptes, "
        "demandes). Ce qui existe déjà est conservé : une seconde exécution n'ajoute rien."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dealers",
            type=int,
            default=len(DEALERS),
            help=f"Nombre de concessions ({loader.MIN_DEALERS} à {len(DEALERS)}, "
            f"{len(DEALERS)} par défaut)",
        )
        parser.add_argument(
            "--vehicles",
            type=int,
            default=DEFAULT_VEHICLES,
            help=f"Nombre de véhicules en stock ({DEFAULT_VEHICLES} par défaut)",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Efface d'abord toutes les données de démonstration, puis les recharge.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dealer_count: int = options["dealers"]
        vehicle_count: int = options["vehicles"]
        if not loader.MIN_DEALERS <= dealer_count <= len(DEALERS):
            raise CommandError(
                f"--dealers doit être compris entre {loader.MIN_DEALERS} et {len(DEALERS)} "
                "(Lyon et Marseille accueillent les comptes de démonstration)."
            )
        if not 0 <= vehicle_count <= MAX_VEHICLES:
            raise CommandError(f"--vehicles doit être compris entre 0 et {MAX_VEHICLES}.")

        # rich writes whole lines itself: no ending added by Django's wrapper.
        self.stdout.ending = ""
        # Django's wrapper is a text stream (write, flush) though its stubs do not say IO[str].
        console = Console(file=cast(IO[str], self.stdout))
        if not console.is_terminal:
            console.width = 130  # a log or a test: room for the accounts table on one line each
        started = time.monotonic()
        columns = (
            TextColumn("{task.description:<28}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console) as progress:

            def step(description: str, total: int) -> loader.Tick:
                task = progress.add_task(description, total=total)
                return lambda steps: progress.advance(task, steps)

            if options["reset"]:
                tick = step("Effacement de la démo", 1)
                try:
                    with transaction.atomic():  # all of it or nothing
                        removed = community.wipe_community() + loader.wipe_demo()
                except (ProtectedError, RestrictedError) as exc:
                    raise CommandError(
                        "Impossible d'effacer la démo : d'autres données (stock d'autres "
                        "concessions, commandes, ventes flash…) y font référence. "
                        "Rien n'a été effacé."
                    ) from exc
                tick(1)
                console.print(f"{removed} lignes de démonstration effacées.")
            pictures = loader.ensure_pictures(step("Images", sum(len(m.colours) for m in CATALOG)))
            added = {
                "catalogue": loader.load_range(pictures, step("Catalogue Aurore", len(CATALOG))),
                "données produit": loader.load_product_data(step("Configurateur", 1)),
            }
            dealers, added["concessions"] = loader.load_network(
                dealer_count, step("Concessions", dealer_count)
            )
            added["comptes"] = loader.load_accounts(
                dealers, step("Comptes de démonstration", len(loader.ACCOUNTS))
            )
            added["véhicules"] = loader.load_stock(
                dealers, vehicle_count, pictures, step("Stock", vehicle_count)
            )
            added["demandes"] = loader.load_leads(dealers, step("Demandes", len(loader.LEADS)))
            added["prix de référence"] = loader.load_reference_prices(
                step("Prix de référence (reprise)", len(reference_prices()))
            )
            added["après-vente"] = load_aftersales(
                dealers, step("Ateliers et pièces", 1 + len(dealers))
            )
            added["communauté"] = load_community(
                step("Communauté", community.MEMBERS + len(community.IDEAS))
            )
            added["usines"] = demo_production.load_plants(
                step("Usines et transport", len(demo_production.PLANTS))
            )
            added["commandes suivies"] = demo_production.load_tracked_orders(
                loader.ACCOUNTS[0].email,
                loader.ACCOUNTS[1].email,
                step("Suivi de fabrication", len(demo_production.ORDERS)),
            )

        console.print(
            "Ajouts : "
            + ", ".join(f"{what} {count}" for what, count in added.items())
            + f" — {time.monotonic() - started:.1f} s."
        )
        console.print(self._accounts_table())

    def _accounts_table(self) -> Table:
        table = Table(title="Comptes de démonstration")
        table.add_column("Rôle")
        for header in ("E-mail", "Mot de passe", "Page d'accueil"):
            table.add_column(header, no_wrap=True)
        for account in loader.ACCOUNTS:
            table.add_row(account.role, account.email, loader.DEMO_PASSWORD, account.home)
        return table

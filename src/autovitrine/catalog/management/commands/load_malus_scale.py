"""``manage.py load_malus_scale <file>``: check a CO2 malus scale file, then save it for its year."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from autovitrine.catalog.models import MalusScale
from autovitrine.catalog.services_malus import malus_scale_read, malus_scale_write
from autovitrine.core.money import format_eur


class Command(BaseCommand):
    help = (
        "Charge un barème du malus CO2 (fichier JSON, voir catalog/data/README.md) ; "
        "remplace le barème de la même année."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="Fichier JSON du barème")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = malus_scale_read(path)
        except ValidationError as exc:
            lines = "\n".join(f"  - {message}" for message in exc.messages)
            raise CommandError(f"Barème refusé ({path}), rien n'a été chargé :\n{lines}") from exc
        replaced = MalusScale.objects.filter(year=data.year).exists()
        malus_scale_write(data)
        self.stdout.write(
            self.style.SUCCESS(
                f"Barème {data.year} {'remplacé' if replaced else 'chargé'} : "
                f"{len(data.brackets)} tranches de {data.threshold_g_km} à {data.last_g_km} g/km, "
                f"{format_eur(data.cap_cents)} au-delà, "
                f"applicable à partir du {data.valid_from:%d/%m/%Y}."
            )
        )

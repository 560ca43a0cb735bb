"""``manage.py product_data``: import a model's rule base file (as a draft, or published), or
export the published revision, in the documented JSON format (docs/configurator.md).

    manage.py product_data import aurore-terra terra.json [--publish]
    manage.py product_data export aurore-terra [terra.json]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console

from autovitrine.catalog.models import CarModel
from autovitrine.configurator.engine import MAX_BYTES, dump_rule_base
from autovitrine.configurator.selectors import published_product_data
from autovitrine.configurator.services import (
    ProductDataError,
    configurator_for,
    product_data_create,
    product_data_publish,
)


class Command(BaseCommand):
    help = "Importe ou exporte les données produit (règles du configurateur) d'un modèle."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser("import", help="Importe un fichier comme nouvelle révision.")
        load.add_argument("model", help="Code du modèle (ex. aurore-terra)")
        load.add_argument("file", type=Path, help="Fichier JSON des données produit")
        load.add_argument("--publish", action="store_true", help="Publie la révision importée.")
        dump = actions.add_parser("export", help="Exporte la révision publiée.")
        dump.add_argument("model", help="Code du modèle")
        dump.add_argument("file", type=Path, nargs="?", help="Fichier de sortie (sinon la sortie)")

    def handle(self, *args: Any, **options: Any) -> None:
        # Messages go to stderr: an export to standard output stays a clean JSON file.
        console = Console(file=self.stderr, highlight=False)  # type: ignore[arg-type]
        if options["action"] == "import":
            self._import(console, options["model"], options["file"], options["publish"])
        else:
            self._export(console, options["model"], options["file"])

    def _import(self, console: Console, model: str, path: Path, publish: bool) -> None:
        car_model = CarModel.objects.filter(code=model).first()
        if car_model is None:
            raise CommandError(f"Modèle inconnu : « {model} ».")
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        if path.stat().st_size > MAX_BYTES:
            raise CommandError(f"Le fichier dépasse {MAX_BYTES // (1024 * 1024)} Mo.")
        with console.status("Vérification et compilation des règles…"):
            try:
                draft = product_data_create(car_model=car_model, data=path.read_bytes())
                if publish:
                    draft = product_data_publish(product_data_id=draft.pk)
            except ProductDataError as exc:
                for problem in exc.problems:
                    console.print(f"[red]✗[/red] {problem.message} [dim]{problem.path}[/dim]")
                raise CommandError("Rien n'a été importé.") from exc
        for problem in draft.problems:
            console.print(f"[yellow]![/yellow] {problem['message']} [dim]{problem['path']}[/dim]")
        console.print(
            f"Révision {draft.revision} ({draft.get_status_display().lower()}) : "
            f"{int(draft.configuration_count):,} configurations valides.".replace(",", " ")
        )

    def _export(self, console: Console, model: str, path: Path | None) -> None:
        product_data = published_product_data(model)
        if product_data is None:
            raise CommandError(f"Aucune donnée produit publiée pour « {model} ».")
        content = dump_rule_base(configurator_for(product_data).rule_base, indent=True)
        if path is None:
            sys.stdout.buffer.write(content)
            return
        path.write_bytes(content)
        console.print(f"Révision {product_data.revision} écrite dans {path}.")

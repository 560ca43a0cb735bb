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

from autovitrine.catalog.selectors import car_model_by_code
from autovitrine.configurator.engine import MAX_BYTES
from autovitrine.configurator.engine.fileformat import dump_document, megabytes
from autovitrine.configurator.models import ProductData
from autovitrine.configurator.selectors import published_product_data
from autovitrine.configurator.services import ProductDataError, product_data_create


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
        car_model = car_model_by_code(model)
        if car_model is None:
            raise CommandError(f"Modèle inconnu : « {model} ».")
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise CommandError(
                f"Le fichier fait {megabytes(size)} : la limite est de {megabytes(MAX_BYTES)}. "
                "Rien n'a été importé."
            )
        console.print(f"Fichier de {megabytes(size)}.")
        steps = "Vérification, compilation de chaque marché" if publish else "Vérification"
        with console.status(f"{steps}…"):
            try:
                # With --publish, one transaction: the published revision, or nothing.
                draft = product_data_create(
                    car_model=car_model, data=path.read_bytes(), publish=publish
                )
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
        # The stored document as it is: an export never compiles.
        document = ProductData.objects.values_list("document", flat=True).get(pk=product_data.pk)
        content = dump_document(document, indent=True)
        if path is None:
            sys.stdout.buffer.write(content)
            return
        path.write_bytes(content)
        console.print(
            f"Révision {product_data.revision} écrite dans {path} ({megabytes(len(content))})."
        )

"""``manage.py simulate_factory AV-… [AV-…]``: play realistic factory runs for orders through the
real signed ingestion API (in process by default, or ``--url`` of a running server), with a
progress bar and a speed factor; ``--hold`` and ``--delay`` add a quality hold, a transport delay.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import IO, Any, cast

import httpx
import orjson
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test import Client
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from autovitrine.production import services, simulation
from autovitrine.production.models import ApiCredential, Carrier, Plant, ProductionEvent
from autovitrine.production.signing import signed_headers

PATH = "/api/production/events"
SIMULATOR_LABEL = "Simulateur (simulate_factory)"


class Command(BaseCommand):
    help = (
        "Simule la fabrication et le transport de commandes usine via l'API signée "
        "(barre de progression, facteur de vitesse, blocage qualité et retard de transport)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("orders", nargs="+", help="Numéros de commande (AV-…)")
        parser.add_argument("--plant", default="", help="Code de l'usine (la première sinon)")
        parser.add_argument(
            "--until",
            choices=["production", "transport", "arrived"],
            default="arrived",
            help="Jusqu'où jouer : en production (montage), en transport, arrivée (défaut)",
        )
        parser.add_argument(
            "--speed",
            type=float,
            default=0.0,
            help="Facteur de vitesse : 3600 = une heure simulée par seconde ; 0 (défaut) = "
            "tout de suite, événements datés dans le passé",
        )
        parser.add_argument("--hold", action="store_true", help="Un blocage qualité à l'audit")
        parser.add_argument(
            "--delay", type=float, default=0.0, help="Retard de transport en heures (1re étape)"
        )
        parser.add_argument("--url", default="", help="Adresse d'un serveur lancé (sinon en local)")

    def handle(self, *args: Any, **options: Any) -> None:
        plant = (
            Plant.objects.filter(code=options["plant"]).first()
            if options["plant"]
            else Plant.objects.order_by("pk").first()
        )
        if plant is None or not plant.lines.exists():
            raise CommandError("Aucune usine avec une ligne : chargez d'abord manage.py demo_data.")
        self.stdout.ending = ""
        # Django's wrapper is a text stream (write, flush) though its stubs do not say IO[str].
        console = Console(file=cast(IO[str], self.stdout))
        result = simulate(
            numbers=options["orders"],
            plant=plant,
            until=options["until"],
            speed=options["speed"],
            hold=options["hold"],
            delay_hours=options["delay"],
            url=options["url"],
            console=console,
        )
        console.print(
            f"{result['accepted']} événements acceptés, {result['duplicates']} déjà reçus, "
            f"{result['rejected']} refusés."
        )
        for line in result["errors"][:10]:
            console.print(f"  refusé : {line}")


def _keys(plant: Plant) -> dict[str, tuple[ApiCredential, str]]:
    """Fresh simulator keys for the plant and its carriers (the previous ones revoked)."""
    for old in ApiCredential.objects.filter(label=SIMULATOR_LABEL, revoked_at__isnull=True):
        services.credential_revoke(credential_id=old.pk)
    keys = {"plant": services.credential_create(label=SIMULATOR_LABEL, plant_id=plant.pk)}
    for carrier in Carrier.objects.filter(legs__plant=plant).distinct():
        keys[carrier.code] = services.credential_create(
            label=SIMULATOR_LABEL, carrier_id=carrier.pk
        )
    return keys


def _anchor(number: str, offset: dt.timedelta, now: dt.datetime) -> dt.datetime:
    """Where a run starts: where it started before (a run played again lines up with itself),
    else so that its last played event happens now."""
    first = ProductionEvent.objects.filter(event_id=f"sim-{number}-0").first()
    if first is not None:
        return first.occurred_at + dt.timedelta(days=3)
    return now - offset


def simulate(
    *,
    numbers: list[str],
    plant: Plant,
    until: str = "arrived",
    speed: float = 0.0,
    hold: bool = False,
    delay_hours: float = 0.0,
    url: str = "",
    console: Console | None = None,
) -> dict[str, Any]:
    line = plant.lines.order_by("pk").first()
    assert line is not None
    keys = _keys(plant)
    now = timezone.now()
    planned: list[simulation.PlannedEvent] = []
    for number in numbers:
        probe = simulation.plan_run(
            order=number, plant=plant, line=line, start=now, hold=hold, delay_hours=delay_hours
        )
        played = probe.until(until)
        # Live (a speed): the run starts now and plays out; else it ends now, in the past.
        start = _anchor(number, dt.timedelta(0) if speed else played[-1].at - now, now)
        run = simulation.plan_run(
            order=number, plant=plant, line=line, start=start, hold=hold, delay_hours=delay_hours
        )
        planned += run.until(until)
    planned.sort(key=lambda p: p.at)

    client = httpx.Client(base_url=url, timeout=30) if url else _in_process_client()
    totals: dict[str, Any] = {"accepted": 0, "duplicates": 0, "rejected": 0, "errors": []}
    columns = (TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console or Console()) as progress:
        task = progress.add_task("Usine et transport", total=len(planned))
        index = 0
        while index < len(planned):
            # One batch: consecutive events of one sender, due now (speed 0: all of them).
            sender = planned[index].sender
            batch: list[simulation.PlannedEvent] = []
            while index < len(planned) and planned[index].sender == sender and len(batch) < 500:
                if speed and batch and planned[index].at > timezone.now():
                    break
                batch.append(planned[index])
                index += 1
            if speed and batch[0].at > timezone.now():
                wait = (batch[0].at - timezone.now()).total_seconds() / speed
                time.sleep(min(wait, 60))
            posted_at = timezone.now()
            events = [{**p.fields, "occurred_at": min(p.at, posted_at).isoformat()} for p in batch]
            answer = _post(client, keys[sender], events)
            for result in answer["results"]:
                if result["status"] == "rejected":
                    totals["errors"].append(f"{result['id']}: {result['code']}")
            for name in ("accepted", "duplicates", "rejected"):
                totals[name] += answer[name]
            progress.advance(task, len(batch))
    return totals


def _in_process_client() -> Client:
    # In process the request must still pass the host check and, on a production site, the HTTPS
    # redirect: it names a served host and says it came over HTTPS.
    hosts = [host for host in settings.ALLOWED_HOSTS if host not in {"*"} and host[:1] != "."]
    return Client(SERVER_NAME=hosts[0] if hosts else "testserver")


def _post(client: Any, key: tuple[ApiCredential, str], events: list[dict[str, Any]]) -> Any:
    credential, secret = key
    body = orjson.dumps({"events": events})
    headers = signed_headers(
        key_id=credential.key_id, secret=secret, method="POST", path=PATH, body=body
    )
    if isinstance(client, httpx.Client):
        response = client.post(
            PATH, content=body, headers={**headers, "Content-Type": "application/json"}
        )
        status, payload = response.status_code, response.json()
    else:
        response = client.post(
            PATH, data=body, content_type="application/json", headers=headers, secure=True
        )
        status, payload = response.status_code, response.json()
    if status != 200:
        raise CommandError(f"L'API a refusé le lot ({status}) : {payload}")
    return payload

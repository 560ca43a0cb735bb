"""Stock search benchmark: 1,000 dealers across real French places and 100,000 vehicles on
PostgreSQL, the production server (granian, 2 workers, DEBUG off), then the searches a real audience
makes (a town or a postcode, zero to a few filters, mostly early pages), for every sort (distance,
price, newest), against the JSON API and the HTML page.

For each sort and endpoint it prints the single-client latency (p50 / p95) and, under 16 concurrent
clients, the throughput and p95. Only 200 answers are samples: a 404 ``page_out_of_range`` and a
200 with an empty page are counted apart. Every phase starts with unmeasured warm-up requests. The
same-run baseline is ``/api/health`` (routing, middleware, JSON, no database) measured the same two
ways, since the machine may be shared. Targets: under 16 clients, >= 200 searches/s for every sort
with p95 <= 150 ms.

    .venv/bin/python bench/stock_search.py
    .venv/bin/python bench/stock_search.py --reuse   # keep the loaded data of a previous run

It drops and recreates the database of ``--database-url`` (default ``autovitrine_bench_stock``).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from _common import (
    CLOCK_TICKS,
    PROJECT,
    PROXY_HEADERS,
    database_backend_pids,
    granian_process,
    manage,
    percentile,
    processes_cpu_ticks,
    production_environment,
    recreate_database,
    server_cpu_seconds,
)

console = Console(width=110)

MODELS = [  # code, name, body, [(trim, powertrain, energy, hp, price HT cents, CO2, crit'air)]
    (
        "urbana",
        "Urbana",
        "city",
        [
            ("Life", "1.0 SCe 65", "petrol", 65, 1_290_000, 118, 1),
            ("Techno", "E-Tech 52 kWh", "electric", 120, 2_490_000, 0, 0),
        ],
    ),
    (
        "terra",
        "Terra",
        "suv",
        [
            ("Life", "1.2 TCe 130", "petrol", 130, 2_075_000, 128, 1),
            ("Techno", "E-Tech full hybrid 145", "hybrid", 145, 2_490_000, 105, 1),
            ("Iconic", "Blue dCi 115", "diesel", 115, 2_690_000, 121, 2),
        ],
    ),
    (
        "velia",
        "Velia",
        "hatch",
        [
            ("Evolution", "1.3 TCe 140", "petrol", 140, 2_190_000, 134, 1),
            ("Techno", "E-Tech plug-in 160", "phev", 160, 3_190_000, 30, 1),
        ],
    ),
    (
        "grand-terra",
        "Grand Terra",
        "suv",
        [
            ("Techno", "E-Tech 4x4 200", "hybrid", 200, 3_690_000, 128, 1),
            ("Iconic", "Blue dCi 150 4x4", "diesel", 150, 3_890_000, 146, 2),
        ],
    ),
    (
        "ludo",
        "Ludo",
        "van",
        [
            ("Life", "Blue dCi 95", "diesel", 95, 2_090_000, 131, 2),
            ("Techno", "E-Tech 45 kWh", "electric", 122, 3_090_000, 0, 0),
        ],
    ),
    (
        "cala",
        "Cala",
        "estate",
        [
            ("Evolution", "1.3 TCe 160", "petrol", 160, 2_790_000, 142, 1),
            ("Iconic", "E-Tech plug-in 200", "phev", 200, 3_890_000, 28, 1),
        ],
    ),
]
COLOURS = ["Blanc Glacier", "Noir Étoilé", "Gris Schiste", "Bleu Iron", "Rouge Flamme"]
MAX_DISTANCES = [10, 25, 50, 100, 200, 500]  # the page's choices


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/autovitrine_bench_stock"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    parser.add_argument("--dealers", type=int, default=1_000)
    parser.add_argument("--vehicles", type=int, default=100_000)
    parser.add_argument("--single", type=int, default=150, help="measured, one client")
    parser.add_argument("--concurrent", type=int, default=600, help="measured, all clients")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=32, help="unmeasured, before each series")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database loaded by a previous run"
    )
    return parser.parse_args()


# --- Loading --------------------------------------------------------------------------------


def load(args: argparse.Namespace, rng: random.Random) -> None:
    """Catalog, dealers in the most populous French communes, and vehicles by COPY."""
    from django.db import connection
    from django.utils import timezone

    from autovitrine.catalog.models import Brand, CarModel, Version
    from autovitrine.core.money import Price
    from autovitrine.core.places import place_index
    from autovitrine.dealers.models import Dealer, OpeningPeriod
    from autovitrine.inventory.models import StockVehicle

    brand = Brand.objects.create(code="aurore", name="Aurore")
    versions: list[Version] = []
    for position, (code, name, body, rows) in enumerate(MODELS):
        car_model = CarModel.objects.create(
            brand=brand, code=code, name=name, body=body, position=position
        )
        for trim, powertrain, energy, hp, price_ht, co2, crit_air in rows:
            versions.append(
                Version.objects.create(
                    car_model=car_model,
                    code=f"{code}-{trim}-{powertrain}".lower().replace(" ", "-").replace(".", ""),
                    trim=trim,
                    powertrain=powertrain,
                    energy=energy,
                    power_hp=hp,
                    gearbox="automatic" if energy in ("electric", "hybrid", "phev") else "manual",
                    base_price_ht=price_ht,
                    co2_g_km=co2,
                    consumption_x10=150 if energy == "electric" else 52,
                    consumption_unit="kwh" if energy == "electric" else "l",
                    crit_air=crit_air,
                )
            )

    places = sorted(place_index().places, key=lambda p: -p.population)
    seen: set[str] = set()
    towns = []
    for place in places:
        if place.name not in seen:
            seen.add(place.name)
            towns.append(place)
        if len(towns) == args.dealers:
            break
    dealers = Dealer.objects.bulk_create(
        Dealer(
            brand=brand,
            code=f"aurore-{n:04d}",
            name=f"Aurore {town.name}",
            kind="agent" if n % 4 == 3 else "concession",
            street=f"{1 + n % 120} avenue de la République",
            postcode=town.postcodes[0],
            city=town.name,
            # Up to 2 km off the town centre, as a dealership on its outskirts.
            latitude=round(town.latitude + rng.uniform(-0.02, 0.02), 5),
            longitude=round(town.longitude + rng.uniform(-0.02, 0.02), 5),
            phone=f"0{1 + n % 5} {n % 100:02d} 00 00 00",
            email=f"contact-{n:04d}@aurore.example",
            has_workshop=n % 4 != 3,
        )
        for n, town in enumerate(towns)
    )
    OpeningPeriod.objects.bulk_create(
        OpeningPeriod(dealer=dealer, weekday=day, opens_at=opens, closes_at=closes)
        for dealer in dealers
        for day in range(6)
        for opens, closes in (("09:00", "12:30"), ("14:00", "19:00"))
    )

    columns = [f.column for f in StockVehicle._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    this_year = timezone.localdate().year
    # Bigger towns hold bigger dealerships.
    weights = [max(town.population, 5_000) ** 0.5 for town in towns]
    dealer_ids = [dealer.pk for dealer in dealers]
    with (
        Progress(console=console) as progress,
        connection.cursor() as cursor,
        cursor.copy(f"COPY inventory_stockvehicle ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        task = progress.add_task("Véhicules (COPY)", total=args.vehicles)
        for n, dealer_id in enumerate(rng.choices(dealer_ids, weights, k=args.vehicles)):
            version = rng.choice(versions)
            used = rng.random() < 0.4
            year = (
                rng.randint(2012, this_year - 1) if used else rng.choice((this_year, this_year - 1))
            )
            age = this_year - year
            price = Price.from_ht(version.base_price_ht).ttc
            if used:
                price = int(price * 0.85**age * rng.uniform(0.9, 1.05)) // 100 * 100
            row = {
                "created_at": now,
                "updated_at": now,
                "dealer_id": dealer_id,
                "condition": "used" if used else "new",
                "vin": f"VF1{n:014d}",
                "car_model_id": version.car_model_id,
                "version_id": version.pk,
                "colour_id": None,
                "make": "Aurore",
                "model_label": version.car_model.name,
                "version_label": f"{version.trim} {version.powertrain}",
                "colour_label": rng.choice(COLOURS),
                "energy": version.energy,
                "gearbox": version.gearbox,
                "power_hp": version.power_hp,
                "co2_g_km": version.co2_g_km,
                "mileage_km": rng.randint(5_000, 15_000 * age + 20_000)
                if used
                else rng.randint(0, 50),
                "year": year,
                "first_registration": None,
                "price_ttc": price,
                "description": "",
                "fiscal_hp": None,
                "vat_scheme": "normal",
                "purchase_price_cents": None,
                "flash_sale_ref": None,
                "status": rng.choices(("available", "reserved", "sold"), (90, 5, 5))[0],
            }
            copy.write_row([row[column] for column in columns])
            if n % 5_000 == 0:
                progress.update(task, completed=n)
        progress.update(task, completed=args.vehicles)
    with connection.cursor() as cursor:
        # One photo per car, so that the result cards fetch photos as in real life.
        cursor.execute(
            "INSERT INTO inventory_vehiclephoto (vehicle_id, image, position) "
            "SELECT id, 'stock/bench/' || id || '.jpg', 0 FROM inventory_stockvehicle"
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


# --- Searches -------------------------------------------------------------------------------

SORTS = ("distance", "price", "newest")
ENDPOINTS = {"api": "/api/stock/search", "page": "/stock/"}


@dataclass(frozen=True)
class Search:
    place: str
    sort: str
    model: str | None
    energy: str | None
    condition: str | None
    max_price_euros: int | None
    max_mileage: int | None
    min_year: int | None
    max_distance_km: int | None
    page: int

    def params(self, endpoint: str) -> dict[str, str | int]:
        params: dict[str, str | int] = {"place": self.place, "sort": self.sort, "page": self.page}
        api = endpoint == "api"
        optional = {
            "model": self.model,
            "energy": self.energy,
            "condition": self.condition,
            ("max_price_cents" if api else "max_price"): (
                (self.max_price_euros * 100 if api else self.max_price_euros)
                if self.max_price_euros
                else None
            ),
            "max_mileage": self.max_mileage,
            "min_year": self.min_year,
            ("max_distance_km" if api else "max_distance"): self.max_distance_km,
        }
        params.update({k: v for k, v in optional.items() if v is not None})
        return params


def random_searches(count: int, sort: str, rng: random.Random) -> list[Search]:
    """What buyers type: a French town (where people live: weighted by population) or its
    postcode, zero to a few filters, mostly early pages."""
    from autovitrine.core.places import place_index

    places = [p for p in place_index().places if p.population >= 1_000 and p.postcodes]
    weights = [p.population for p in places]
    searches = []
    for place in rng.choices(places, weights, k=count):
        searches.append(
            Search(
                place=place.postcodes[0] if rng.random() < 0.3 else place.name,
                sort=sort,
                model=rng.choice(MODELS)[0] if rng.random() < 0.3 else None,
                energy=rng.choice(("petrol", "diesel", "hybrid", "phev", "electric"))
                if rng.random() < 0.25
                else None,
                condition=rng.choice(("new", "used")) if rng.random() < 0.4 else None,
                max_price_euros=rng.randrange(15_000, 45_000, 1_000)
                if rng.random() < 0.3
                else None,
                max_mileage=rng.choice((20_000, 50_000, 100_000)) if rng.random() < 0.2 else None,
                min_year=rng.randint(2015, 2024) if rng.random() < 0.2 else None,
                max_distance_km=rng.choice(MAX_DISTANCES) if rng.random() < 0.5 else None,
                page=rng.choices((1, 2, 3, 4, 5, 10), (50, 20, 10, 8, 7, 5))[0],
            )
        )
    return searches


@dataclass
class Phase:
    """One series of requests: the samples (200 with results) and what is counted apart."""

    seconds: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    wall_seconds: float = 0.0
    # CPU time of the server (granian's processes) and of the database's server processes for
    # this database, while the measured requests ran: fair on a shared machine, where the
    # throughput is not.
    server_cpu_seconds: float = 0.0
    database_cpu_seconds: float = 0.0

    def record(self, started: float, response: httpx.Response, endpoint: str) -> None:
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            self.statuses[str(response.status_code)] += 1
        elif (
            endpoint == "api"
            and not response.json()["items"]
            or endpoint == "page"
            and 'class="vehicle-card' not in response.text
        ):
            self.statuses["200 vide"] += 1
        else:
            self.statuses["200"] += 1
            self.seconds.append(elapsed)

    @property
    def throughput(self) -> float:
        return len(self.seconds) / self.wall_seconds if self.wall_seconds else math.nan

    @property
    def answered(self) -> int:
        return sum(self.statuses.values())

    def cpu_ms(self, seconds: float) -> float:
        """CPU milliseconds per request answered (samples or not: each cost the server)."""
        return seconds / self.answered * 1000 if self.answered else math.nan


@dataclass(frozen=True)
class Target:
    """Where the requests go and whose CPU is counted."""

    base_url: str
    server_group: int
    database_url: str

    def cpu(self) -> tuple[float, dict[int, int]]:
        return server_cpu_seconds(self.server_group), processes_cpu_ticks(
            database_backend_pids(self.database_url)
        )


Request = tuple[str, str, dict | None]  # endpoint key, URL, params


def _requests(endpoint: str, searches: list[Search]) -> list[Request]:
    if endpoint == "health":
        return [("health", "/api/health", None)] * len(searches)
    return [(endpoint, ENDPOINTS[endpoint], s.params(endpoint)) for s in searches]


def run_phase(target: Target, requests: list[Request], clients: int, warmup: int) -> Phase:
    """``requests`` sent by ``clients`` concurrent clients (each its own connection); the first
    ``warmup`` of them are sent first and not measured."""
    base_url = target.base_url
    phase = Phase()
    lock = threading.Lock()
    pending = iter(requests[warmup:])

    def worker(warm: list[Request]) -> None:
        with httpx.Client(base_url=base_url, headers=PROXY_HEADERS, timeout=60) as client:
            for _endpoint, url, params in warm:
                client.get(url, params=params)
            barrier.wait()  # warmed up
            barrier.wait()  # the CPU counters read
            while True:
                with lock:
                    item = next(pending, None)
                if item is None:
                    return
                endpoint, url, params = item
                started = time.perf_counter()
                response = client.get(url, params=params)
                with lock:
                    phase.record(started, response, endpoint)

    barrier = threading.Barrier(clients + 1)
    warm = requests[:warmup]
    threads = [
        threading.Thread(target=worker, args=(warm[n::clients],), daemon=True)
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    barrier.wait()  # every client warmed up and connected
    server_cpu, database_ticks = target.cpu()
    barrier.wait()  # the clock starts
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    phase.wall_seconds = time.perf_counter() - started
    server_cpu_after, database_ticks_after = target.cpu()
    phase.server_cpu_seconds = server_cpu_after - server_cpu
    phase.database_cpu_seconds = (
        sum(ticks - database_ticks.get(pid, 0) for pid, ticks in database_ticks_after.items())
        / CLOCK_TICKS
    )
    return phase


def run_all(target: Target, args: argparse.Namespace) -> dict[tuple[str, str, int], Phase]:
    results: dict[tuple[str, str, int], Phase] = {}
    plan = [("health", "—")] + [(e, s) for s in SORTS for e in ENDPOINTS]
    with Progress(console=console) as progress:
        task = progress.add_task("Séries", total=2 * len(plan))
        for endpoint, sort in plan:
            # Each series its own searches: the page's must not find the counts that the API's
            # series, made just before, left in the cache (the searches of a real audience
            # repeat, but not all in a row).
            rng = random.Random(f"{args.seed}-{sort}-{endpoint}")
            for clients, count in ((1, args.single), (args.clients, args.concurrent)):
                searches = random_searches(
                    count + args.warmup, sort if sort != "—" else "distance", rng
                )
                results[(endpoint, sort, clients)] = run_phase(
                    target, _requests(endpoint, searches), clients, args.warmup
                )
                progress.advance(task)
    return results


def report(results: dict[tuple[str, str, int], Phase], args: argparse.Namespace) -> bool:
    table = Table(
        title=f"Recherche de stock — {args.dealers} concessions, {args.vehicles} véhicules, "
        f"granian {args.workers} workers, PostgreSQL"
    )
    for column in (
        "série",
        "tri",
        "1 client p50 ms",
        "1 client p95 ms",
        f"{args.clients} clients rech./s",
        f"{args.clients} clients p95 ms",
        "cible",
        "hors échantillon",
    ):
        table.add_column(column, justify="left" if column in ("série", "tri") else "right")
    all_met = True
    labels = {
        "health": "GET /api/health (référence)",
        "api": "GET /api/stock/search",
        "page": "GET /stock/",
    }
    for (endpoint, sort, clients), phase in results.items():
        if clients != 1:
            continue
        crowd = results[(endpoint, sort, args.clients)]
        single_ms = sorted(s * 1000 for s in phase.seconds)
        crowd_ms = sorted(s * 1000 for s in crowd.seconds)
        p95 = percentile(crowd_ms, 0.95)
        met = endpoint == "health" or (crowd.throughput >= 200 and p95 <= 150)
        all_met = all_met and met
        apart = Counter(phase.statuses) + Counter(crowd.statuses)
        apart.pop("200", None)
        table.add_row(
            labels[endpoint],
            sort,
            f"{percentile(single_ms, 0.50):.1f}",
            f"{percentile(single_ms, 0.95):.1f}",
            f"{crowd.throughput:.0f}",
            f"{p95:.1f}",
            "—" if endpoint == "health" else f"≥ 200/s, p95 ≤ 150 {'✓' if met else '✗'}",
            ", ".join(f"{k}: {n}" for k, n in sorted(apart.items())) or "—",
        )
    console.print(table)
    console.print(
        "Échantillons : réponses 200 avec au moins un véhicule ; « hors échantillon » : 404 "
        "page_out_of_range et pages vides, comptés à part (les deux séries d'une ligne)."
    )
    cpu = Table(
        title="Temps CPU par requête (ms) : serveur (processus granian) et PostgreSQL (ses "
        "processus pour cette base), pendant les requêtes mesurées"
    )
    for column in ("série", "tri", "1 client", f"{args.clients} clients", "dont PostgreSQL"):
        cpu.add_column(column, justify="left" if column in ("série", "tri") else "right")
    for (endpoint, sort, clients), phase in results.items():
        if clients != 1:
            continue
        crowd = results[(endpoint, sort, args.clients)]
        cpu.add_row(
            labels[endpoint],
            sort,
            f"{phase.cpu_ms(phase.server_cpu_seconds + phase.database_cpu_seconds):.2f}",
            f"{crowd.cpu_ms(crowd.server_cpu_seconds + crowd.database_cpu_seconds):.2f}",
            f"{crowd.cpu_ms(crowd.database_cpu_seconds):.2f}",
        )
    console.print(cpu)
    console.print(
        "Le temps CPU par requête ne dépend guère de la charge de la machine, le débit si : "
        "c'est la mesure à comparer d'une machine partagée à l'autre."
    )
    return all_met


def main() -> int:
    args = parse_args()
    rng = random.Random(args.seed)
    var_dir = PROJECT / "var" / "bench-stock"
    var_dir.mkdir(parents=True, exist_ok=True)
    places_file = PROJECT / "var" / "places-fr.json"
    if places_file.exists():
        shutil.copy(places_file, var_dir / places_file.name)
    env = production_environment(
        database_url=args.database_url, redis_url=args.redis_url, var_dir=var_dir
    )

    os.environ.update(env)
    sys.path.insert(0, str(PROJECT / "src"))
    import django

    django.setup()

    if not args.reuse:
        console.rule("Préparation")
        recreate_database(args.database_url)
        started = time.perf_counter()
        manage(env, "migrate", "--noinput", "-v", "0")
        load(args, rng)
        console.print(f"Données chargées en {time.perf_counter() - started:.1f} s.")
    manage(env, "collectstatic", "--noinput", "-v", "0")

    console.rule("Mesures")
    log_file = var_dir / "server.log"
    load_before = os.getloadavg()
    with granian_process(env, workers=args.workers, log_file=log_file) as server:
        results = run_all(Target(server.url, server.group, args.database_url), args)
    # The machine may be shared: its load says how far the figures are from an idle one.
    console.print(
        f"Charge de la machine (1/5/15 min) : {' / '.join(f'{x:.1f}' for x in load_before)} "
        f"avant, {' / '.join(f'{x:.1f}' for x in os.getloadavg())} après, pour "
        f"{os.cpu_count()} cœurs. Journal du serveur : {log_file.relative_to(PROJECT)}"
    )
    return 0 if report(results, args) else 1


if __name__ == "__main__":
    sys.exit(main())

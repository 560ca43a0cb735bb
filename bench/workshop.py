"""Workshop and parts benchmark on PostgreSQL, through the production server (granian, DEBUG off).

Loads 1,000 dealers, each with a workshop (3 technicians, 5 bays, 2 loan cars, Mon–Sat 8–18 h)
and 30 days of bookings filling about 60 % of the technicians' time (bookings and their
capacity claims by COPY, under the exclusion constraint); 100,000 parts compatible with 20
models and 1,000 stocked references per dealer (1,000,000 stock rows). Then measures, one
client at a time after a warm-up:

- ``GET /api/workshop/availability`` for a random dealer and a two-operation job over 30 days:
  target p95 <= 30 ms;
- ``GET /api/parts/search`` by reference prefix and by car (model + year) with the dealer's
  stock: target p95 <= 50 ms;
- ``GET /api/health`` (no database): the same-run baseline.

    .venv/bin/python bench/workshop.py            # drops and recreates --database-url
    .venv/bin/python bench/workshop.py --reuse    # keep the data of a previous run
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time

import httpx

from _common import (
    PROJECT,
    PROXY_HEADERS,
    granian_server,
    manage,
    percentile,
    production_environment,
    recreate_database,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/autovitrine_bench_workshop"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/2")
    parser.add_argument("--dealers", type=int, default=1_000)
    parser.add_argument("--parts", type=int, default=100_000)
    parser.add_argument("--stocked", type=int, default=1_000, help="references per dealer")
    parser.add_argument("--fill", type=float, default=0.6)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true")
    return parser.parse_args()


def _copy(cursor, table: str, columns: list[str], rows) -> int:
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def load(args: argparse.Namespace, rng: random.Random) -> None:
    from django.db import connection
    from django.utils import timezone

    from autovitrine.catalog.models import Brand, CarModel, Version
    from autovitrine.dealers.models import Dealer, OpeningPeriod
    from autovitrine.testing.workshop import service_catalogue
    from autovitrine.workshop.models import (
        Bay,
        LoanCar,
        Technician,
        TechnicianHours,
        WorkshopSettings,
    )
    from autovitrine.workshop.selectors import PARIS, is_public_holiday

    brand = Brand.objects.create(code="aurore", name="Aurore")
    models = [
        CarModel.objects.create(brand=brand, code=f"modele-{i}", name=f"Modèle {i}", body="hatch")
        for i in range(20)
    ]
    for car_model in models:
        Version.objects.create(
            car_model=car_model,
            code=f"{car_model.code}-life",
            trim="Life",
            powertrain="1.2 TCe",
            energy="petrol",
            power_hp=130,
            gearbox="manual",
            base_price_ht=2_000_000,
            co2_g_km=120,
            consumption_x10=55,
            crit_air=1,
            recycled_share_pct=10,
        )
    ops = service_catalogue()
    dealers = Dealer.objects.bulk_create(
        Dealer(
            brand=brand,
            code=f"atelier-{i}",
            name=f"Aurore Atelier {i}",
            street="1 rue du Garage",
            postcode="69007",
            city="Lyon",
            latitude=45 + rng.random(),
            longitude=4 + rng.random(),
            phone="0400000000",
            email=f"atelier{i}@example.fr",
        )
        for i in range(args.dealers)
    )
    OpeningPeriod.objects.bulk_create(
        OpeningPeriod(dealer=d, weekday=day, opens_at=dt.time(8), closes_at=dt.time(18))
        for d in dealers
        for day in range(6)
    )
    WorkshopSettings.objects.bulk_create(
        WorkshopSettings(dealer=d, hourly_rate_ht=8000 + rng.randrange(4000)) for d in dealers
    )
    techs = Technician.objects.bulk_create(
        Technician(dealer=d, name=f"Tech {k}", high_voltage=k == 0)
        for d in dealers
        for k in range(3)
    )
    TechnicianHours.objects.bulk_create(
        TechnicianHours(technician=t, weekday=day, starts=dt.time(8), ends=dt.time(18))
        for t in techs
        for day in range(6)
    )
    kinds = ["lift", "lift", "lift", "alignment", "ev_safe"]
    bays = Bay.objects.bulk_create(
        Bay(dealer=d, name=f"Poste {k}", kind=kind) for d in dealers for k, kind in enumerate(kinds)
    )
    LoanCar.objects.bulk_create(
        LoanCar(dealer=d, label="Citadine", plate=f"GA-{k:03d}-AA")
        for d in dealers
        for k in range(2)
    )
    tech_by_dealer: dict[int, list[int]] = {}
    for t in techs:
        tech_by_dealer.setdefault(t.dealer_id, []).append(t.pk)
    lifts_by_dealer: dict[int, list[int]] = {}
    for b in bays:
        if b.kind == "lift":
            lifts_by_dealer.setdefault(b.dealer_id, []).append(b.pk)

    # 30 days of bookings: each technician works on his own lift, jobs of 1–3 h separated by
    # gaps so that about ``fill`` of the day is taken.
    today = timezone.localdate()
    now = timezone.now()
    bookings, claims = [], []
    booking_id = 0
    for d in dealers:
        for offset in range(30):
            day = today + dt.timedelta(days=offset)
            if day.weekday() == 6 or is_public_holiday(day):
                continue
            for tech_id, bay_id in zip(tech_by_dealer[d.pk], lifts_by_dealer[d.pk], strict=True):
                minute = 8 * 60
                while True:
                    length = rng.choice([60, 90, 120, 150, 180])
                    if minute + length > 18 * 60:
                        break
                    if rng.random() < args.fill:
                        booking_id += 1
                        start = dt.datetime.combine(day, dt.time(0), tzinfo=PARIS) + dt.timedelta(
                            minutes=minute
                        )
                        end = start + dt.timedelta(minutes=length)
                        bookings.append(
                            (booking_id, f"BN{booking_id:010d}", d.pk, tech_id, bay_id, start, end)
                        )
                        claims.append((booking_id, d.pk, f"tech:{tech_id}", start, end))
                        claims.append((booking_id, d.pk, f"bay:{bay_id}", start, end))
                    minute += length
    with connection.cursor() as cursor:
        _copy(
            cursor,
            "workshop_booking",
            [
                "id",
                "number",
                "dealer_id",
                "technician_id",
                "bay_id",
                "starts_at",
                "ends_at",
                "status",
                "option",
                "is_walk_in",
                "walk_in_label",
                "total_ht",
                "total_vat",
                "checkin_notes",
                "checkin_signed_by",
                "created_at",
                "updated_at",
            ],
            (
                (
                    i,
                    n,
                    dl,
                    t,
                    b,
                    s,
                    e,
                    "confirmed",
                    "drop_off",
                    False,
                    "",
                    20000,
                    4000,
                    "",
                    "",
                    now,
                    now,
                )
                for i, n, dl, t, b, s, e in bookings
            ),
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('workshop_booking', 'id'), %s)", [booking_id]
        )
        _copy(
            cursor,
            "workshop_capacityclaim",
            ["booking_id", "dealer_id", "resource", "starts_at", "ends_at"],
            claims,
        )
        # Parts: 100,000 references, each fitting 1–3 of the 20 models; 1,000 stocked per dealer.
        kinds = [
            "filtre-huile",
            "filtre-air",
            "plaquettes-av",
            "disques-av",
            "balais",
            "tapis",
            "ampoule",
            "batterie",
            "courroie",
            "amortisseur",
        ]
        _copy(
            cursor,
            "parts_part",
            ["id", "reference", "name", "kind", "is_accessory", "price_ht", "picture", "universal"],
            (
                (
                    i + 1,
                    f"{kinds[i % 10][:2].upper()}-{i:06d}",
                    f"Pièce {kinds[i % 10]} {i}",
                    kinds[i % 10],
                    i % 10 == 5,
                    500 + (i * 37) % 30000,
                    "",
                    i % 997 == 0,
                )
                for i in range(args.parts)
            ),
        )
        _copy(
            cursor,
            "parts_compatibility",
            ["part_id", "car_model_id", "powertrain", "year_from", "year_to"],
            (
                # kind = i % 10, models spread independently of the kind: every model has
                # parts of every kind, as a real catalogue does.
                (i + 1, models[(i // 10 + k * 7) % 20].pk, "", 2012 + i % 8, 2020 + i % 8)
                for i in range(args.parts)
                for k in range(1 + i % 3)
            ),
        )
        _copy(
            cursor,
            "parts_stock",
            ["dealer_id", "part_id", "quantity"],
            (
                (d.pk, part_id, rng.randrange(0, 12))
                for d in dealers
                for part_id in rng.sample(range(1, args.parts + 1), args.stocked)
            ),
        )
        cursor.execute("ANALYZE")
    print(
        f"{len(bookings)} rendez-vous, {len(claims)} réservations de capacité, "
        f"{args.parts} pièces, {args.dealers * args.stocked} lignes de stock; opérations "
        f"{ops['revision-60000'].pk},{ops['plaquettes-av'].pk}"
    )


def measure(client: httpx.Client, urls: list[str], warmup: int) -> tuple[list[float], int]:
    for url in urls[:warmup]:
        client.get(url, headers=PROXY_HEADERS)
    times, errors = [], 0
    for url in urls:
        started = time.perf_counter()
        response = client.get(url, headers=PROXY_HEADERS)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            errors += 1
    return sorted(times), errors


def main() -> int:
    args = parse_args()
    rng = random.Random(args.seed)
    var_dir = PROJECT / "var" / "bench-workshop"
    var_dir.mkdir(parents=True, exist_ok=True)
    env = production_environment(
        database_url=args.database_url, redis_url=args.redis_url, var_dir=var_dir
    )
    # No money moves here: the simulated provider, said twice as production asks.
    env.update(PAYMENT_PROVIDER="simulated", ALLOW_SIMULATED_PAYMENTS="true")
    os.environ.update(env)
    sys.path.insert(0, str(PROJECT / "src"))
    import django

    django.setup()
    if not args.reuse:
        recreate_database(args.database_url)
        started = time.perf_counter()
        manage(env, "migrate", "--noinput", "-v", "0")
        load(args, rng)
        print(f"Données chargées en {time.perf_counter() - started:.1f} s.")
    manage(env, "collectstatic", "--noinput", "-v", "0")

    from autovitrine.dealers.models import Dealer
    from autovitrine.workshop.models import Booking, CapacityClaim, Operation

    dealer_ids = list(Dealer.objects.values_list("pk", flat=True))
    ops = ",".join(
        str(pk)
        for pk in Operation.objects.filter(
            code__in=["revision-60000", "plaquettes-av"]
        ).values_list("pk", flat=True)
    )
    from autovitrine.catalog.models import CarModel

    model_ids = list(CarModel.objects.values_list("pk", flat=True))
    tech_minutes = 3 * 10 * 60
    open_days = Booking.objects.filter(dealer_id=dealer_ids[0]).dates("starts_at", "day").count()
    claimed = sum(
        (c.ends_at - c.starts_at).total_seconds() / 60
        for c in CapacityClaim.objects.filter(dealer_id=dealer_ids[0], resource__startswith="tech:")
    )
    print(
        f"Remplissage des techniciens (concession 1) : {claimed / (tech_minutes * max(open_days, 1)):.0%}"
    )

    n = args.requests
    series = {
        "health": ["/api/health"] * n,
        "availability": [
            f"/api/workshop/availability?dealer={rng.choice(dealer_ids)}&operations={ops}"
            for _ in range(n)
        ],
        "parts by reference": [
            f"/api/parts/search?q={rng.choice(['FI', 'PL', 'BA', 'AM'])}-{rng.randrange(100):02d}"
            f"&dealer={rng.choice(dealer_ids)}"
            for _ in range(n)
        ],
        "parts by car": [
            f"/api/parts/search?car_model={rng.choice(model_ids)}&year={rng.randrange(2014, 2026)}"
            f"&dealer={rng.choice(dealer_ids)}"
            for _ in range(n)
        ],
    }
    targets = {"availability": 30.0, "parts by reference": 50.0, "parts by car": 50.0}
    ok = True
    load_before = os.getloadavg()
    with (
        granian_server(env, workers=args.workers, log_file=var_dir / "server.log") as base_url,
        httpx.Client(base_url=base_url, timeout=30) as client,
    ):
        print(f"{'série':<22}{'p50 ms':>10}{'p95 ms':>10}{'erreurs':>10}  verdict")
        for name, urls in series.items():
            times, errors = measure(client, urls, args.warmup)
            p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
            target = targets.get(name)
            verdict = (
                "référence"
                if target is None
                else ("OK" if p95 <= target and not errors else "ÉCHEC")
            )
            ok &= verdict != "ÉCHEC"
            print(
                f"{name:<22}{p50:>10.1f}{p95:>10.1f}{errors:>10}  {verdict}"
                + (f" (cible p95 <= {target:.0f} ms)" if target else "")
            )
    print(
        f"Charge (1/5/15 min) : {' / '.join(f'{x:.1f}' for x in load_before)} avant, "
        f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} après, {os.cpu_count()} cœurs."
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Live tracking benchmark: N concurrent SSE clients, each following its own order, while the
factory posts signed batches at a steady rate, on the production stack (granian, 2 workers,
PostgreSQL, Redis).

Prints: accepted events/s, delivery latency from the POST's answer to the client's receipt
(p50/p99), lost and duplicated events (every client checks it got every event of its order, in
order), server memory per open connection, and a same-run baseline: a bare SSE endpoint that
streams a counter to as many clients.

    .venv/bin/python bench/tracking.py --clients 500 --seconds 20 --rate 200    # reduced scale
    .venv/bin/python bench/tracking.py                                          # the issue's run

It drops and recreates the database of --database-url and flushes the Redis database of
--redis-url.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx
import orjson

from _common import (
    PROJECT,
    granian_command,
    percentile,
    recreate_database,
    server_cpu_seconds,
)

BARE_PATH = "/bench/bare-sse"
EVENTS_PATH = "/api/production/events"
# Memory is read this long after the last client connected (both endpoints): a stream has sent
# its headers when the client counts it connected, but may still be reading its backlog.
SETTLE_SECONDS = 3


def __getattr__(name: str):
    """``tracking:application`` for granian: the bare SSE endpoint, everything else to the site."""
    if name != "application":
        raise AttributeError(name)
    from autovitrine.config.asgi import application as site_application

    async def application(scope, receive, send):
        if scope["type"] == "http" and scope["path"] == BARE_PATH:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")],
                }
            )
            counter = 0
            while True:
                counter += 1
                await send(
                    {
                        "type": "http.response.body",
                        "body": f"id: {counter}\ndata: {counter}\n\n".encode(),
                        "more_body": True,
                    }
                )
                await asyncio.sleep(1)
        await site_application(scope, receive, send)

    return application


def step(name: str, text: str) -> None:
    print(f"[{name}] {text}", flush=True)


def environment(args: argparse.Namespace, var_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(PROJECT / "src"), str(PROJECT / "bench")]),
        "DJANGO_SETTINGS_MODULE": "autovitrine.config.settings",
        "AUTOVITRINE_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "DB_POOL_MAX_SIZE": "8",
        "AUTOVITRINE_VAR_DIR": str(var_dir),
        "PRODUCTION_STREAM_MAX_SECONDS": str(args.seconds * 10),
        # A staging-like site: the payment simulator (unused here) instead of Stripe secrets.
        "PAYMENT_PROVIDER": "simulated",
        "ALLOW_SIMULATED_PAYMENTS": "true",
        "LOG_LEVEL": "ERROR",
    }


def prepare(args: argparse.Namespace, env: dict[str, str]) -> dict:
    """Fresh database: the demo plants, N confirmed factory orders with their VIN, a plant key,
    a head-office session (head office may follow every order)."""
    step("database", "recreating and migrating")
    recreate_database(args.database_url)
    manage = [sys.executable, str(PROJECT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v", "0"], env=env, check=True)
    os.environ.update(env)
    import django

    django.setup()
    import redis
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.db import connection
    from django.utils import timezone

    from autovitrine.accounts.models import User
    from autovitrine.demo import production as demo_production
    from autovitrine.orders.models import Order
    from autovitrine.production import services
    from autovitrine.production.models import OrderProgress, Plant
    from autovitrine.production.simulation import vin_for
    from autovitrine.testing import factories as f

    redis.Redis.from_url(args.redis_url).flushdb()
    step("data", f"{args.clients} factory orders in production")
    demo_production.load_plants(lambda _n: None)
    plant = Plant.objects.get(code="douai")
    line = plant.lines.get()
    dealer = f.DealerFactory(code="aurore-lyon")
    buyer = f.UserFactory(email="acheteur@bench.example")
    head_office = f.UserFactory(email="siege@bench.example", kind=User.Kind.HEAD_OFFICE)
    now = timezone.now()
    orders = Order.objects.bulk_create(
        Order(
            number=f"AV-B{i:06d}",
            kind="factory",
            status="in_production",
            customer=buyer,
            dealer=dealer,
            vehicle_label="Aurore Brise",
            first_name="A",
            last_name="B",
            email="acheteur@bench.example",
            phone="0600000000",
            street="1 rue",
            postcode="69002",
            city="Lyon",
            price_ht=1,
            vat_cents=0,
            price_ttc=1,
            total_ttc=1,
            deposit_cents=0,
            contract_at=now,
            idempotency_key=f"bench-{i}",
        )
        for i in range(args.clients)
    )
    OrderProgress.objects.bulk_create(
        OrderProgress(order=o, vin=vin_for(o.number), plant=plant, line=line, build_week="")
        for o in orders
    )
    credential, secret = services.credential_create(label="bench", plant_id=plant.pk)
    store = SessionStore()
    store.update(
        {
            SESSION_KEY: str(head_office.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: head_office.get_session_auth_hash(),
        }
    )
    store.create()
    session = store.session_key
    data = {
        "orders": [(o.pk, o.number, vin_for(o.number)) for o in orders],
        "key": (credential.key_id, secret),
        "session": session,
    }
    connection.close()
    return data


def server_rss_kb(server: subprocess.Popen) -> int:
    """Resident memory of the server and its workers (the process group), in KB."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = status.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == server.pid:  # process group id
                for line in (status.parent / "status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
    return total


class Client:
    """One SSE client on a raw connection: records each (event id, receipt time)."""

    def __init__(self, port: int, path: str, cookie: str) -> None:
        self.port, self.path, self.cookie = port, path, cookie
        self.received: list[tuple[int, float]] = []
        self.connected = asyncio.Event()
        self.failed = ""

    async def run(self) -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port, limit=1 << 20)
        except OSError as exc:
            self.failed = str(exc)
            self.connected.set()
            return
        writer.write(
            f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
            f"X-Forwarded-Proto: https\r\nCookie: {self.cookie}\r\n\r\n".encode()
        )
        await writer.drain()
        try:
            status = await reader.readline()
            if b" 200 " not in status:
                self.failed = status.decode(errors="replace").strip()
                return
            self.connected.set()
            event_id = None
            while line := await reader.readline():
                if line.startswith(b"id: "):
                    event_id = int(line[4:])
                elif line.startswith(b"data: ") and event_id is not None:
                    self.received.append((event_id, time.time()))
                    event_id = None
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self.connected.set()
            writer.close()


async def connect_all(clients: list[Client]) -> list[asyncio.Task]:
    tasks = []
    for index, client in enumerate(clients):
        tasks.append(asyncio.create_task(client.run()))
        if index % 200 == 199:
            await asyncio.sleep(0.05)
    await asyncio.wait_for(asyncio.gather(*(c.connected.wait() for c in clients)), 300)
    return tasks


async def publish(args, data, port: int, post_seconds: list[float]) -> dict[str, float]:
    """Signed batches at a steady rate: each event for a random order; returns each event id's
    acceptance time (the POST's answer). Each POST's duration is appended to ``post_seconds``.

    The factory's rate does not wait for the server: a batch leaves every quarter second on the
    clock, whether or not the previous one was answered (an open loop, as a plant's system and
    the carriers post independently; waiting would hide a slow server by posting less)."""
    from autovitrine.production.signing import signed_headers

    key_id, secret = data["key"]
    accepted_at: dict[str, float] = {}
    rng = random.Random(16)
    per_tick = max(1, int(args.rate / 4))
    serial = 0

    async def post(http: httpx.AsyncClient, chunk: list[dict]) -> None:
        body = orjson.dumps({"events": chunk})
        headers = signed_headers(
            key_id=key_id, secret=secret, method="POST", path=EVENTS_PATH, body=body
        )
        sent = time.monotonic()
        answer = await http.post(
            EVENTS_PATH,
            content=body,
            headers={**headers, "Content-Type": "application/json", "X-Forwarded-Proto": "https"},
        )
        now = time.time()
        post_seconds.append(time.monotonic() - sent)
        if answer.status_code == 200:
            for result in answer.json()["results"]:
                if result["status"] == "accepted":
                    accepted_at[result["id"]] = now

    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", timeout=60, limits=limits
    ) as http:
        started = time.monotonic()
        posts = []
        for tick in range(int(args.seconds * 4)):
            await asyncio.sleep(max(0.0, started + tick * 0.25 - time.monotonic()))
            events = []
            for _ in range(per_tick):
                _pk, _number, vin = rng.choice(data["orders"])
                serial += 1
                kind = "quality_hold" if serial % 2 else "quality_release"
                events.append(
                    {
                        "id": f"bench-{serial}",
                        "kind": kind,
                        "vin": vin,
                        "occurred_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
                    }
                )
            posts += [
                asyncio.create_task(post(http, events[start : start + 500]))
                for start in range(0, len(events), 500)
            ]
        await asyncio.gather(*posts)
    return accepted_at


async def run(args, data, port: int, server: subprocess.Popen) -> dict:
    load_before = os.getloadavg()[0]
    cookie = f"sessionid={data['session']}"
    rss_cold = server_rss_kb(server)
    # Each worker pays once, with its first streams, for what all its streams then share (its
    # database pool, thread pool, Redis subscriber, the code paths' first use): a few streams
    # opened and closed before the idle reading, so that "per connection" is what one more
    # open stream costs. The cold figure (without this) is printed too.
    warm = [
        Client(port, f"/commandes/{number}/suivi/direct/", cookie)
        for _pk, number, _vin in data["orders"][: 10 * args.workers]
    ]
    for task in await connect_all(warm):
        task.cancel()
    await asyncio.sleep(2)
    rss_idle = server_rss_kb(server)
    step("baseline", f"{args.clients} clients on the bare SSE endpoint")
    bare = [Client(port, BARE_PATH, cookie) for _ in range(args.clients)]
    bare_started = time.monotonic()
    bare_tasks = await connect_all(bare)
    bare_connect = time.monotonic() - bare_started
    await asyncio.sleep(SETTLE_SECONDS)
    rss_bare = server_rss_kb(server)
    for task in bare_tasks:
        task.cancel()
    await asyncio.sleep(2)
    rss_idle = min(rss_idle, server_rss_kb(server))

    step("clients", f"{args.clients} clients following their own order")
    clients = [
        Client(port, f"/commandes/{number}/suivi/direct/", cookie)
        for _pk, number, _vin in data["orders"]
    ]
    started = time.monotonic()
    tasks = await connect_all(clients)
    connect_seconds = time.monotonic() - started
    await asyncio.sleep(SETTLE_SECONDS)
    rss_live = server_rss_kb(server)
    failed = [c.failed for c in clients if c.failed]
    step("factory", f"{args.rate} events/s for {args.seconds} s")
    published = time.monotonic()
    cpu_before = server_cpu_seconds(server.pid)
    post_seconds: list[float] = []
    accepted_at = await publish(args, data, port, post_seconds)
    # The events of the window (its last batch leaves at seconds - 0.25), over the window or
    # until the last answer if that came later: a server that falls behind stretches it.
    publish_seconds = max(float(args.seconds), time.monotonic() - published)
    await asyncio.sleep(3)  # the last deliveries
    server_cpu = server_cpu_seconds(server.pid) - cpu_before
    for task in tasks:
        task.cancel()
    return {
        "clients": clients,
        "failed": failed,
        "accepted_at": accepted_at,
        "post_seconds": sorted(post_seconds),
        "server_cpu": server_cpu,
        "publish_seconds": publish_seconds,
        "connect_seconds": connect_seconds,
        "bare_connect_seconds": bare_connect,
        "bare_failed": sum(1 for c in bare if c.failed),
        "rss": (rss_idle, rss_bare, rss_live),
        "rss_cold": rss_cold,
        # The machine may be shared: its 1-minute load average when the run starts and ends.
        "load": (load_before, os.getloadavg()[0]),
    }


def report(args, data, outcome: dict) -> bool:
    """Print the figures; whether every target held."""
    from autovitrine.production.models import ProductionEvent

    expected: dict[int, list[int]] = defaultdict(list)
    # Accepted = the event's row written (its transaction commits right after, then publishes).
    accepted_when: dict[int, float] = {}
    for pk, order_id, received_at in ProductionEvent.objects.filter(
        event_id__startswith="bench-"
    ).values_list("pk", "progress__order_id", "received_at"):
        expected[order_id].append(pk)
        accepted_when[pk] = received_at.timestamp()
    lost = duplicated = disordered = 0
    latencies = []
    for (order_id, _number, _vin), client in zip(data["orders"], outcome["clients"], strict=True):
        got = [pk for pk, _at in client.received]
        want = sorted(expected.get(order_id, []))
        duplicated += len(got) - len(set(got))
        lost += len(set(want) - set(got))
        disordered += got != sorted(got)
        for pk, at in client.received:
            accepted = accepted_when.get(pk)
            if accepted is not None:
                latencies.append(max(0.0, at - accepted))
    accepted = len(outcome["accepted_at"])
    rate = accepted / outcome["publish_seconds"]
    idle, bare, live = outcome["rss"]
    per_conn = (live - idle) / max(1, args.clients)
    per_bare = (bare - idle) / max(1, args.clients)
    latencies.sort()
    p50 = percentile(latencies, 0.50)
    p99 = percentile(latencies, 0.99)
    print()
    print(
        f"Live tracking — {args.clients} SSE clients, granian {args.workers} workers, "
        f"PostgreSQL + Redis, {os.cpu_count()} CPU cores, {args.seconds} s at {args.rate} events/s"
    )
    print("  load average (1 min) at start and end: {:.1f}, {:.1f}".format(*outcome["load"]))
    print(f"  clients refused or failed: {len(outcome['failed'])} (bare: {outcome['bare_failed']})")
    print(
        f"  connect all clients: {outcome['connect_seconds']:.1f} s "
        f"(bare SSE: {outcome['bare_connect_seconds']:.1f} s)"
    )
    verdict = "OK" if rate >= 2000 else "BELOW TARGET"
    print(f"  accepted events/s: {rate:.0f}  (target ≥ 2000: {verdict})")
    posts = outcome["post_seconds"]
    print(
        f"  POST of a batch of {min(500, max(1, int(args.rate / 4)))} events: "
        f"p50 {percentile(posts, 0.5) * 1000:.0f} ms, p99 {percentile(posts, 0.99) * 1000:.0f} ms "
        f"({len(posts)} batches)"
    )
    # What the load of a shared machine does not change: the server's CPU time per event.
    print(
        f"  server CPU while posting (both workers, PostgreSQL apart): "
        f"{outcome['server_cpu']:.1f} s, {outcome['server_cpu'] * 1000 / max(1, accepted):.2f} ms "
        f"per accepted event"
    )
    verdict = "OK" if p99 <= 1.0 else "BELOW TARGET"
    print(f"  delivery latency p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms (≤ 1 s: {verdict})")
    print(f"  lost {lost}, duplicated {duplicated}, out of order {disordered} (target 0/0)")
    verdict = "OK" if per_conn <= 50 else "BELOW TARGET"
    print(
        f"  server memory per connection: {per_conn:.1f} KB (≤ 50 KB: {verdict}); "
        f"bare SSE baseline {per_bare:.1f} KB"
    )
    cold = (live - min(outcome["rss_cold"], idle)) / max(1, args.clients)
    print(f"    (cold, counting each worker's first-use costs: {cold:.1f} KB per connection)")
    print(json.dumps({"rate": rate, "p50": p50, "p99": p99, "lost": lost, "dup": duplicated}))
    return (
        rate >= 2000
        and p99 <= 1.0
        and per_conn <= 50
        and lost == duplicated == disordered == 0
        and not outcome["failed"]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rate", type=int, default=2000, help="events per second posted")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8761)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/autovitrine_bench_tracking"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tracking-bench-") as tmp:
        env = environment(args, Path(tmp))
        data = prepare(args, env)
        step("server", f"granian, {args.workers} workers, port {args.port}")
        log = (Path(tmp) / "granian.log").open("w")
        server = subprocess.Popen(
            granian_command(
                "tracking:application",
                port=args.port,
                workers=args.workers,
                backpressure=args.clients * 2 + 64,
            ),
            env=env,
            cwd=PROJECT,
            start_new_session=True,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    health = httpx.get(f"http://127.0.0.1:{args.port}/api/health", timeout=2)
                    if health.status_code == 200:
                        break
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit((Path(tmp) / "granian.log").read_text())
                time.sleep(0.2)
            outcome = asyncio.run(run(args, data, args.port, server))
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
                try:
                    server.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
            log.close()
        return 0 if report(args, data, outcome) else 1


if __name__ == "__main__":
    sys.exit(main())

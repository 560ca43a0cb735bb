"""Flash-sale load benchmark: one sale of 97 units, the real ASGI server in production mode
(PostgreSQL, Redis, granian with 2+ workers) and an asyncio/httpx crowd of simulated visitors.

Most visitors join the pre-queue before the opening, the rest arrive during the first minute;
every page polls its status as the real page does (when the server says), admitted visitors
claim, open the hold page, pay on the simulated provider and load their order at once.

Prints: visitors served, join and poll throughput, p50/p99 latencies, time from the opening to
the 97th sale, units sold (must be 97), oversold (0), customers with two units (0), 5xx (0), and
the ratio of join throughput to a bare ASGI endpoint served by the same server in the same run.

    .venv/bin/python bench/flash_sale.py --visitors 20000        # reduced scale
    .venv/bin/python bench/flash_sale.py --visitors 300000       # the reference event

It drops and recreates the database named by --database-url, and flushes the Redis database of
--redis-url. Settings for the run: production settings, plus one override written to a temporary
settings module: the per-IP join allowance is raised, since every simulated visitor comes from this
one machine. The server is the production ASGI application (``autovitrine.config.asgi``: Django
behind the waiting room's fast path), plus one raw ASGI route, the bare endpoint of the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import heapq
import itertools
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from _common import PROJECT, percentile, recreate_database

BARE_PATH = "/bench/bare"
CSRF_TOKEN = "benchcsrftoken0123456789abcdefgh"  # 32 alphanumeric characters, as Django expects


# --- The server side: Django behind one extra raw ASGI route ---------------------------------


def __getattr__(name: str):
    """``flash_sale:application`` for granian: the bare endpoint, everything else to the site."""
    if name != "application":
        raise AttributeError(name)
    from autovitrine.config.asgi import application as site_application

    body = b'{"ok":true}'
    headers = [(b"content-type", b"application/json"), (b"content-length", b"11")]

    async def application(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["path"] == BARE_PATH:
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await site_application(scope, receive, send)

    return application


# --- Preparation ----------------------------------------------------------------------------


def bench_environment(args: argparse.Namespace, settings_dir: Path) -> dict[str, str]:
    (settings_dir / "flash_bench_settings.py").write_text(
        "from autovitrine.config.settings import *  # noqa: F403\n"
        f"FLASHSALE_JOINS_PER_IP_PER_MINUTE = {args.visitors * 10}\n"
        f"FLASHSALE_JOINS_PER_NETWORK_PER_MINUTE = {args.visitors * 10}\n"
        # Every simulated phone comes from this machine's one address, and the bench made its
        # accounts just now: the per-address rules for new accounts and the network's growing
        # proof of work (measured by bench/flash_join_cap.py) would be one bot's, not a crowd's.
        "FLASHSALE_NEW_ACCOUNT_HOURS = 0\n"
        "FLASHSALE_POW_PLACES_PER_EXTRA_BIT = 0\n"
    )
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(PROJECT / "src"), str(PROJECT / "bench"), str(settings_dir)]
        ),
        "DJANGO_SETTINGS_MODULE": "flash_bench_settings",
        "AUTOVITRINE_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "AUTOVITRINE_VAR_DIR": str(settings_dir / "var"),
        "LOG_LEVEL": "WARNING",
    }


def prepare(args: argparse.Namespace, env: dict[str, str]) -> dict:
    """Fresh database and Redis, one sale of ``units`` cars, ``visitors`` signed-in customers."""
    step("database", f"recreating {urlsplit(args.database_url).path.lstrip('/')}")
    recreate_database(args.database_url)
    manage = [sys.executable, str(PROJECT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v", "0"], env=env, check=True)
    os.environ.update(env)
    sys.path[:0] = env["PYTHONPATH"].split(os.pathsep)
    import django

    django.setup()
    import datetime as dt

    import redis
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.cache import cache
    from django.db import connection
    from django.utils import timezone

    from autovitrine.accounts.models import User
    from autovitrine.flashsales import services
    from autovitrine.flashsales.tokens import PASS_COOKIE, queue_pass_issue
    from autovitrine.testing import factories as f

    redis.Redis.from_url(args.redis_url).flushdb()
    step("data", f"{args.units} stock vehicles, the sale, {args.visitors} customers")
    dealer = f.DealerFactory(code="aurore-lyon", name="Aurore Lyon Confluence")
    head_office = f.UserFactory(email="siege@bench.example", kind=User.Kind.HEAD_OFFICE)
    vins = [f.StockVehicleFactory(dealer=dealer).vin for _ in range(args.units)]
    sale = services.sale_create(
        data=services.SaleData(
            brand_id=dealer.brand_id,
            title="Terra 1007 — série limitée",
            slug="terra-1007",
            price_ttc=1_599_000,
            deposit_ttc=50_000,
            opens_at=timezone.now() + dt.timedelta(days=1),
            hold_seconds=600,
            pow_difficulty_bits=args.pow_bits,
        ),
        vins=vins,
        by=head_office,
    )
    services.sale_publish(sale_id=sale.pk, by=head_office)
    expire = timezone.now() + dt.timedelta(days=1)
    store = SessionStore()
    sessions: list[tuple[str, str]] = []  # (session key, queue pass cookie)
    for start in range(0, args.visitors, 5000):
        batch = User.objects.bulk_create(
            User(email=f"visiteur{i}@bench.example", password="!", kind=User.Kind.CUSTOMER)
            for i in range(start, min(start + 5000, args.visitors))
        )
        rows, cached = [], {}
        for user in batch:
            key = secrets.token_hex(16)
            data = {
                SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash(),
            }
            rows.append(
                Session(session_key=key, session_data=store.encode(data), expire_date=expire)
            )
            cached[SessionStore.cache_key_prefix + key] = data  # as a sign-in leaves it
            # The pass the sale page gives a signed-in customer along with the page.
            queue_pass = queue_pass_issue(
                customer_id=user.pk,
                session_key=key,
                account_created_s=int(user.date_joined.timestamp()),
            )
            sessions.append((key, f"{PASS_COOKIE}={queue_pass}"))
        Session.objects.bulk_create(rows)
        cache.set_many(cached, timeout=86_400)
    connection.close()
    return {"sale_id": sale.pk, "slug": sale.slug, "sessions": sessions}


def step(name: str, text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {name}: {text}", flush=True)


# --- A minimal HTTP/1.1 keep-alive client ---------------------------------------------------
# httpx's pool collapses at high concurrency (measured here: 64 concurrent requests on a bare
# endpoint, 74 req/s through one httpx pool vs ~14,500 req/s with this client), which would make
# the load generator, not the server, the thing measured.


@dataclass
class Response:
    status_code: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


class HttpPool:
    """``size`` keep-alive connections to one host, handed out to concurrent requests."""

    def __init__(self, port: int, size: int) -> None:
        self.port = port
        self.idle: asyncio.LifoQueue = asyncio.LifoQueue()
        for _ in range(size):
            self.idle.put_nowait(None)  # connected lazily

    async def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        data: dict | None = None,
    ) -> Response:
        body = urlencode(data).encode() if data is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if data is not None:
            lines += [
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(body)}",
            ]
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        connection = await self.idle.get()
        try:
            for attempt in (1, 2):
                if connection is None:
                    connection = await asyncio.open_connection("127.0.0.1", self.port)
                try:
                    return await self._exchange(connection, raw)
                except (ConnectionError, asyncio.IncompleteReadError):
                    connection[1].close()
                    connection = None
                    if attempt == 2:
                        raise
        finally:
            self.idle.put_nowait(connection)
        raise AssertionError("unreachable")

    @staticmethod
    async def _exchange(connection, raw: bytes) -> Response:
        reader, writer = connection
        writer.write(raw)
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers: dict[str, str] = {}
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                name, value = name.strip().lower(), value.strip()
                # Several Set-Cookie headers are kept, one per line, like a browser would read them.
                headers[name] = f"{headers[name]}\n{value}" if name in headers else value
        if headers.get("transfer-encoding") == "chunked":
            chunks = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                chunk = await reader.readexactly(size + 2)
                if size == 0:
                    break
                chunks.append(chunk[:-2])
            body = b"".join(chunks)
        else:
            body = await reader.readexactly(int(headers.get("content-length", "0")))
        return Response(int(status_line.split()[1]), headers, body)

    async def get(self, path: str) -> Response:
        return await self.request("GET", path)

    async def connect_all(self) -> None:
        """Open every connection up front, in small bursts: one at a time, the first worker to
        accept takes them all (and keeps them: keep-alive); all at once, a burst can overflow the
        listen backlog and stall in SYN retransmits."""
        connections = [await self.idle.get() for _ in range(self.idle.qsize())]
        for start in range(0, len(connections), 8):
            burst = range(start, min(start + 8, len(connections)))
            opened = await asyncio.gather(
                *(asyncio.open_connection("127.0.0.1", self.port) for _ in burst)
            )
            for i, connection in zip(burst, opened, strict=True):
                connections[i] = connection
            await asyncio.sleep(0.01)
        for connection in connections:
            self.idle.put_nowait(connection)


# --- The crowd ------------------------------------------------------------------------------


@dataclass
class Figures:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)
    windows: dict[str, list[float]] = field(default_factory=dict)
    failures: Counter = field(default_factory=Counter)  # 5xx by (kind, status, start of body)

    def record(self, kind: str, started: float, status: int) -> None:
        self.latencies[kind].append((time.perf_counter() - started) * 1000)
        self.statuses[(kind, status // 100)] += 1

    def server_errors(self) -> int:
        return sum(n for (_, family), n in self.statuses.items() if family == 5)


@dataclass
class Visitor:
    session_key: str
    queue_pass: str  # the cookie the sale page sets, sent back like a browser does
    pre_queue: bool
    state: str = "new"  # new, ready (challenge solved), waiting, admitted, bought, sold_out, failed
    token: str = ""
    challenge: str = ""
    difficulty: int = 0  # as the challenge states it
    nonce: str = ""
    opening_offset_ms: int = 0  # when, after the opening, the server asked this page to come back


class Crowd:
    def __init__(self, args, client, slug: str, sessions: list, figures: Figures) -> None:
        self.args, self.client, self.slug, self.figures = args, client, slug, figures
        pre_count = int(len(sessions) * args.pre_fraction)
        self.visitors = [
            Visitor(key, queue_pass, index < pre_count)
            for index, (key, queue_pass) in enumerate(sessions)
        ]
        self.agenda: list[tuple[float, int, int]] = []
        self.sequence = itertools.count()
        self.served = 0
        self.bought = 0
        self.sold_out_at: float | None = None
        self.last_told_at = 0.0
        # Before the opening, pages wait for it; main schedules their next poll at the opening.
        self.opened = False

    def at(self, when: float, index: int) -> None:
        heapq.heappush(self.agenda, (when, next(self.sequence), index))

    def headers(self, visitor: Visitor, *, post: bool = False) -> dict[str, str]:
        cookie = f"sessionid={visitor.session_key}; csrftoken={CSRF_TOKEN}; {visitor.queue_pass}"
        headers = {"Cookie": cookie}
        if post:  # as a browser sends them: the Origin of every POST, the CSRF token of the page
            headers["X-CSRFToken"] = CSRF_TOKEN
            headers["Origin"] = f"http://127.0.0.1:{self.args.port}"
        return headers

    async def request(self, kind: str, method: str, url: str, visitor: Visitor, **kwargs):
        started = time.perf_counter()
        response = await self.client.request(
            method, url, self.headers(visitor, post=method == "POST"), **kwargs
        )
        self.figures.record(kind, started, response.status_code)
        if response.status_code >= 500:
            self.figures.failures[(kind, response.status_code, response.body[:60])] += 1
        return response

    async def run(self, workers: int) -> None:
        """Work through the agenda with ``workers`` concurrent pages until nothing is left to do."""
        in_flight = 0

        async def worker() -> None:
            nonlocal in_flight
            while self.agenda or in_flight:
                if not self.agenda:
                    await asyncio.sleep(0.05)
                    continue
                when, _, index = self.agenda[0]
                delay = when - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(min(delay, 0.05))
                    continue
                heapq.heappop(self.agenda)
                in_flight += 1
                try:
                    await self.act(index)
                finally:
                    in_flight -= 1

        await asyncio.gather(*(worker() for _ in range(workers)))

    async def act(self, index: int) -> None:
        visitor = self.visitors[index]
        try:
            if visitor.state == "new":
                await self.load_challenge(index, visitor)
            elif visitor.state == "ready":
                await self.join(index, visitor)
            elif visitor.state == "waiting":
                await self.poll(index, visitor)
            elif visitor.state == "admitted":
                await self.buy(index, visitor)
        except Exception as exc:  # a network error is a failed visit, counted, not a crash
            self.figures.statuses[("error", type(exc).__name__)] += 1
            visitor.state = "failed"

    async def load_challenge(self, index: int, visitor: Visitor) -> None:
        """What the sale page brings: a proof-of-work challenge. Before the opening the crowd's
        proofs are solved together afterwards (``solve_challenges``); a late arrival solves its
        own at once and joins."""
        from autovitrine.flashsales.tokens import proof_of_work_solve

        url = f"/ventes-flash/{self.slug}/file/defi/"
        issued = (await self.request("challenge", "GET", url, visitor)).json()
        visitor.challenge, visitor.state = issued["challenge"], "solving"
        visitor.difficulty = int(issued["difficulty"])
        if self.opened:
            visitor.nonce = proof_of_work_solve(visitor.challenge, issued["difficulty"])
            visitor.state = "ready"
            self.at(time.monotonic(), index)

    def solve_challenges(self, indexes: list[int]) -> None:
        """Each phone solves its own proof of work; here a process pool stands in for them."""
        from concurrent.futures import ProcessPoolExecutor

        from autovitrine.flashsales.tokens import proof_of_work_solve

        challenges = [self.visitors[i].challenge for i in indexes]
        with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
            bits = [self.visitors[i].difficulty for i in indexes]
            nonces = pool.map(proof_of_work_solve, challenges, bits, chunksize=2000)
            for index, nonce in zip(indexes, nonces, strict=True):
                self.visitors[index].nonce, self.visitors[index].state = nonce, "ready"

    async def join(self, index: int, visitor: Visitor) -> None:
        response = await self.request(
            "join",
            "POST",
            f"/ventes-flash/{self.slug}/file/rejoindre/",
            visitor,
            data={"challenge": visitor.challenge, "nonce": visitor.nonce},
        )
        if response.status_code == 409 and response.json()["error"]["code"] == "sold_out":
            self.tell_sold_out(visitor)  # arrived after the last car was sold: told at once
            return
        if response.status_code != 200:
            visitor.state = "failed"
            return
        visitor.state = "waiting"
        self.react(index, visitor, response.json())

    async def poll(self, index: int, visitor: Visitor) -> None:
        response = await self.request(
            "status", "GET", f"/ventes-flash/{self.slug}/file/statut/", visitor
        )
        if response.status_code in (429, 503):
            self.at(time.monotonic() + (15 if response.status_code == 429 else 3), index)
            return
        self.react(index, visitor, response.json())

    def tell_sold_out(self, visitor: Visitor) -> None:
        visitor.state = "sold_out"
        self.served += 1
        self.last_told_at = time.monotonic()
        self.sold_out_at = self.sold_out_at or time.monotonic()

    def react(self, index: int, visitor: Visitor, status: dict) -> None:
        """What the page's script does with a status."""
        if status["place"] == "pre":
            # the page's slot, then a random moment within it (as flashsales.js schedules)
            visitor.opening_offset_ms = status["opening_offset_ms"] + int(
                random.random() * status["poll_jitter_ms"]
            )
        if status["sold_out"] or status["state"] == "closed":
            self.tell_sold_out(visitor)
            return
        if status["place"] == "admitted":
            visitor.state, visitor.token = "admitted", status["admission"]["token"]
            self.at(time.monotonic(), index)
            return
        wait_ms = status["poll_ms"]
        if wait_ms <= 0:
            wait_ms = 5000  # holding or removed: the page would show a link; look again later
        if self.opened:
            jitter = random.random() * min(2000, wait_ms * 0.3)
            self.at(time.monotonic() + (wait_ms + jitter) / 1000, index)

    async def buy(self, index: int, visitor: Visitor) -> None:
        claim = await self.request(
            "claim",
            "POST",
            f"/ventes-flash/{self.slug}/reserver/",
            visitor,
            data={"token": visitor.token, "idempotency_key": secrets.token_hex(8)},
        )
        hold_url = claim.headers.get("location", "")
        if "/reservation/" not in hold_url:
            visitor.state = "waiting"  # refused (e.g. every unit held): back to the waiting page
            self.at(time.monotonic() + 2, index)
            return
        await self.request("hold_page", "GET", hold_url, visitor)
        pay = await self.request(
            "pay",
            "POST",
            hold_url + "payer/",
            visitor,
            data={"idempotency_key": secrets.token_hex(8)},
        )
        provider_url = pay.headers["location"]
        settled = await self.request("pay", "POST", provider_url, visitor, data={"outcome": "pay"})
        # The provider sends the buyer back with an absolute URL (this server's own address).
        back = urlsplit(settled.headers["location"])
        order = await self.request("order", "GET", back.path, visitor)
        if order.status_code == 200:
            visitor.state = "bought"
            self.bought += 1
            self.served += 1


# --- Measurement ----------------------------------------------------------------------------


async def hammer(
    client, path: str, seconds: float, concurrency: int, figures: Figures, kind: str
) -> float:
    """Requests per second on ``path`` with ``concurrency`` loops, over a window of ``seconds``.

    Only answers received inside the window count, so one slow straggler cannot skew the rate.
    """
    done = 0
    began = time.monotonic()
    stop = began + seconds

    async def loop() -> None:
        nonlocal done
        while time.monotonic() < stop:
            started = time.perf_counter()
            response = await client.get(path)
            if time.monotonic() <= stop:
                figures.record(kind, started, response.status_code)
                done += 1

    await asyncio.gather(*(loop() for _ in range(concurrency)))
    return done / seconds


async def crowd_run(args, data: dict) -> dict:
    figures = Figures()
    client = HttpPool(args.port, args.concurrency)
    step(
        "baseline",
        f"bare ASGI endpoint, {args.concurrency} concurrent loops, {args.baseline_seconds} s",
    )
    await client.connect_all()
    await hammer(client, BARE_PATH, 2, args.concurrency, Figures(), "warmup")
    bare_rps = await hammer(
        client, BARE_PATH, args.baseline_seconds, args.concurrency, figures, "bare"
    )
    step("baseline", f"{bare_rps:,.0f} requests/s")

    crowd = Crowd(args, client, data["slug"], data["sessions"], figures)
    pre = [i for i, v in enumerate(crowd.visitors) if v.pre_queue]
    late = [i for i, v in enumerate(crowd.visitors) if not v.pre_queue]
    step("pages", f"{len(pre):,} visitors open the sale page before the opening (challenge)")
    now = time.monotonic()
    for index in pre:
        crowd.at(now, index)
    began = time.monotonic()
    await crowd.run(args.concurrency)
    challenge_rps = len(pre) / (time.monotonic() - began)
    step("pages", f"{challenge_rps:,.0f} challenges/s; the phones solve their proofs of work")
    began = time.monotonic()
    await asyncio.to_thread(crowd.solve_challenges, pre)
    step("pages", f"solved in {time.monotonic() - began:.1f} s (client side, not timed)")
    step("pre-queue", f"{len(pre):,} visitors join")
    now = time.monotonic()
    for index in pre:
        crowd.at(now, index)
    began = time.monotonic()
    await crowd.run(args.concurrency)
    join_seconds = time.monotonic() - began
    joined = sum(1 for i in pre if crowd.visitors[i].state == "waiting")
    join_rps = joined / join_seconds
    step("pre-queue", f"{joined:,} joined in {join_seconds:.1f} s: {join_rps:,.0f} joins/s")
    # The machine is shared: the baseline is measured on both sides of the join phase.
    bare_after = await hammer(
        client, BARE_PATH, args.baseline_seconds, args.concurrency, figures, "bare"
    )
    step("baseline", f"again after the joins: {bare_after:,.0f} requests/s")
    bare_rps = (bare_rps + bare_after) / 2

    # A waiting page asks again at least every 10 minutes before the opening; its last answer
    # before it, once the pre-queue is complete, says when to come back after it.
    step("pre-queue", "each page checks in once more before the opening")
    now = time.monotonic()
    waiting = [i for i in pre if crowd.visitors[i].state == "waiting"]
    for index in waiting:
        crowd.at(now, index)
    began = time.monotonic()
    await crowd.run(args.concurrency)
    refresh_rps = len(waiting) / (time.monotonic() - began)
    step("pre-queue", f"{refresh_rps:,.0f} polls/s")

    opens_at = await asyncio.to_thread(
        set_opening, data["sale_id"], seconds_from_now=args.opening_delay
    )
    opening = time.monotonic() + args.opening_delay
    step("opening", f"in {args.opening_delay} s; {len(late):,} more arrive in the first minute")
    crowd.opened = True
    for index in pre:
        if crowd.visitors[index].state == "waiting":
            crowd.at(opening + crowd.visitors[index].opening_offset_ms / 1000, index)
    for index in late:
        crowd.at(opening + random.random() * 60, index)
    polls_before = len(figures.latencies["status"])
    began = time.monotonic()
    await asyncio.wait_for(crowd.run(args.concurrency), timeout=args.max_seconds)
    sale_seconds = time.monotonic() - began
    polls = len(figures.latencies["status"]) - polls_before
    step("sale", f"every visitor answered after {time.monotonic() - opening:.1f} s")
    return {
        "figures": figures,
        "bare_rps": bare_rps,
        "join_rps": join_rps,
        "challenge_rps": challenge_rps,
        "refresh_rps": refresh_rps,
        "poll_rps": polls / sale_seconds,
        "crowd": crowd,
        "opening": opening,
        "opens_at": opens_at,
    }


def set_opening(sale_id: int, *, seconds_from_now: float):
    """Fix the opening time once the pre-queue is in (the pages are told to come back then)."""
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from autovitrine.flashsales import services
    from autovitrine.flashsales.models import FlashSale

    opens_at = timezone.now() + dt.timedelta(seconds=seconds_from_now)
    FlashSale.objects.filter(pk=sale_id).update(opens_at=opens_at)
    services.waiting_room_restore(sale_id=sale_id)
    connection.close()
    return opens_at


def sale_outcome(sale_id: int, units: int) -> dict:
    from django.db.models import Count, Max

    from autovitrine.flashsales.models import FlashSale, Purchase, SaleUnit

    sale = FlashSale.objects.get(pk=sale_id)
    taken = SaleUnit.objects.filter(sale=sale, status__in=["held", "sold"])
    last_sale = Purchase.objects.filter(sale=sale, status="paid").aggregate(at=Max("settled_at"))[
        "at"
    ]
    return {
        "sold": SaleUnit.objects.filter(sale=sale, status="sold").count(),
        "oversold": max(0, taken.count() - units),
        "two_units": SaleUnit.objects.filter(sale=sale, status="sold")
        .values("sold_to")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count(),
        "opened_at": sale.opened_at,
        "opens_at": sale.opens_at,
        "last_sale_at": last_sale,
        "paid": Purchase.objects.filter(sale=sale, status="paid").count(),
    }


def report(args, run: dict, outcome: dict) -> None:
    figures, crowd = run["figures"], run["crowd"]
    lat = figures.latencies
    to_97th = (
        (outcome["last_sale_at"] - outcome["opens_at"]).total_seconds()
        if outcome["last_sale_at"]
        else float("nan")
    )
    print()
    print(
        f"Flash-sale benchmark: {args.visitors:,} visitors, {args.units} units, "
        f"granian {args.workers} workers, PostgreSQL + Redis, {os.cpu_count()} CPU cores"
    )
    print(f"  visitors served (bought or told sold out) {crowd.served:>10,} / {args.visitors:,}")
    states = Counter(v.state for v in crowd.visitors)
    print(f"    final states: {dict(states)}")
    print(
        f"  bare ASGI endpoint (before/after joins)    {run['bare_rps']:>10,.0f} req/s  "
        f"p50 {percentile(sorted(lat['bare']), 0.5):.1f} ms  p99 {percentile(sorted(lat['bare']), 0.99):.1f} ms"
    )
    print(f"  challenges (sale page), pre-queue          {run['challenge_rps']:>10,.0f} req/s")
    print(f"  joins, pre-queue                           {run['join_rps']:>10,.0f} joins/s")
    print(f"  status polls before the opening            {run['refresh_rps']:>10,.0f} polls/s")
    for kind in ("challenge", "join", "status", "claim", "hold_page", "pay", "order"):
        if lat[kind]:
            print(
                f"    {kind:<12} {len(lat[kind]):>9,} requests  p50 {percentile(sorted(lat[kind]), 0.5):7.1f} ms"
                f"  p99 {percentile(sorted(lat[kind]), 0.99):8.1f} ms"
            )
    print(f"  status polls during the sale               {run['poll_rps']:>10,.0f} polls/s")
    print(f"  opening → 97th sale                        {to_97th:>10.1f} s")
    if crowd.sold_out_at:
        print(
            f"  opening → last visitor told 'sold out'     {crowd.last_told_at - run['opening']:>10.1f} s"
        )
    print(
        f"  units sold                                 {outcome['sold']:>10} (must be {args.units})"
    )
    print(f"  oversold                                   {outcome['oversold']:>10} (must be 0)")
    print(f"  customers with two units                   {outcome['two_units']:>10} (must be 0)")
    print(f"  5xx responses                              {figures.server_errors():>10} (must be 0)")
    if figures.failures:
        print(f"  5xx by request kind                        {dict(figures.failures)}")
    refusals = {k[0]: v for k, v in figures.statuses.items() if k[1] == 4}
    if refusals:
        print(f"  4xx answers (join: 409 sold out on arrival) {refusals}")
    errors = {k[1]: v for k, v in figures.statuses.items() if k[0] == "error"}
    if errors:
        print(f"  network errors                             {errors}")
    print(
        f"  join throughput / bare ASGI throughput     {run['join_rps'] / run['bare_rps']:>10.2f} (target ≥ 0.5)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=300_000)
    parser.add_argument("--units", type=int, default=97)
    parser.add_argument(
        "--pre-fraction", type=float, default=0.9, help="share joining before the opening"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=256, help="simultaneous connections")
    parser.add_argument(
        "--pow-bits", type=int, default=8, help="proof-of-work difficulty of the sale"
    )
    parser.add_argument("--port", type=int, default=8797)
    parser.add_argument("--baseline-seconds", type=float, default=8)
    parser.add_argument("--opening-delay", type=float, default=5)
    parser.add_argument("--max-seconds", type=float, default=1800)
    parser.add_argument("--max-db-connections", type=int, default=50)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/autovitrine_bench_flash"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="flash-bench-") as tmp:
        env = bench_environment(args, Path(tmp))
        data = prepare(args, env)
        step("server", f"granian, {args.workers} workers, port {args.port}")
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "granian"),
                "--interface",
                "asgi",
                "--host",
                "127.0.0.1",
                "--port",
                str(args.port),
                "--workers",
                str(args.workers),
                "--backpressure",  # every simulated page's connection is served, none left waiting
                str(args.concurrency),
                "--log-level",
                "error",
                "flash_sale:application",
            ],
            env=env,
            cwd=PROJECT,
            start_new_session=True,  # its workers are stopped with it, as one process group
        )
        guard = threading.Thread(
            target=guard_connections, args=(args, server), daemon=True, name="connection-guard"
        )
        try:
            wait_until_up(args.port)
            guard.start()
            run = asyncio.run(crowd_run(args, data))
        finally:
            stop_server(server)
        report(args, run, sale_outcome(data["sale_id"], args.units))


def stop_server(server: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)  # workers left behind by a graceful stop


def guard_connections(args: argparse.Namespace, server: subprocess.Popen) -> None:
    """PostgreSQL is shared: stop the server if the run ever holds too many connections."""
    import psycopg

    name = urlsplit(args.database_url).path.lstrip("/")
    admin = urlsplit(args.database_url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        while server.poll() is None:
            (count,) = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]
            ).fetchone()
            if count > args.max_db_connections:
                print(f"!! {count} database connections: stopping the server", flush=True)
                stop_server(server)
                return
            time.sleep(1)


def wait_until_up(port: int) -> None:
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{BARE_PATH}", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not start")


if __name__ == "__main__":
    main()

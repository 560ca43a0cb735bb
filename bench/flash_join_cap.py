"""How many waiting-room places one address (and one /24) can take in 5 minutes (issue #11,
defect 8), at the default join limits, through the production ASGI application (the waiting
room's fast path, then Django) on PostgreSQL and Redis, in this process.

A bot with many signed-in accounts asks a challenge, solves it at the difficulty the challenge
states and joins, as fast as the limits allow: within each minute it joins until refused, then
the minute passes (its rate counters, which live one minute in Redis, are expired rather than
waited for). Five minutes, from a cold start, for three bots: one address with accounts created a
month ago, one address with accounts created just now, and one /24 spreading its joins over its
addresses. The proofs are solved at a low base difficulty (--pow-bits) to keep the run short;
the work the same places cost at the sale's default difficulty is computed from the difficulties
the challenges stated, with this machine's measured SHA-256 rate in Python on one core.

    .venv/bin/python bench/flash_join_cap.py

It drops and recreates the database of --database-url; its Redis keys carry a prefix of their own.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from _common import PROJECT, production_environment, recreate_database

MINUTES = 5
HOST = "localhost"
CSRF = "b" * 32  # a CSRF secret the bot's cookie and header agree on, as a browser's do


def step(name: str, text: str) -> None:
    print(f"[{name:>8}] {text}", flush=True)


def environment(args: argparse.Namespace, var_dir: Path) -> dict[str, str]:
    return {
        **production_environment(
            database_url=args.database_url, redis_url=args.redis_url, var_dir=var_dir
        ),
        "PYTHONPATH": str(PROJECT / "src"),
        "SECURE_SSL_REDIRECT": "0",
        "REDIS_KEY_PREFIX": f"joincap-{secrets.token_hex(4)}",
    }


@dataclass
class Run:
    name: str
    cap: int  # the places its per-minute budget allows in MINUTES minutes
    places: int = 0
    per_minute: list[int] = field(default_factory=list)
    refusals: Counter = field(default_factory=Counter)
    stated: Counter = field(default_factory=Counter)  # difficulty stated -> places
    hashes: int = 0  # tried by the bot at --pow-bits
    seconds: float = 0.0


def prepare(args: argparse.Namespace):
    """A fresh database, the head office, a dealer and the accounts of the three bots."""
    import datetime as dt

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.utils import timezone

    from autovitrine.accounts.models import User
    from autovitrine.testing import factories as f

    dealer = f.DealerFactory(code="aurore-lyon", name="Aurore Lyon Confluence")
    head_office = f.UserFactory(email="siege@bench.example", kind=User.Kind.HEAD_OFFICE)

    def accounts(label: str, n: int, created: dt.datetime) -> list[tuple[int, str]]:
        users = User.objects.bulk_create(
            User(
                email=f"{label}{i}@bot.example",
                password="!",
                kind=User.Kind.CUSTOMER,
                date_joined=created,
            )
            for i in range(n)
        )
        sessions = []
        for user in users:
            store = SessionStore()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store.create()
            sessions.append((user, store.session_key))
        return sessions

    now = timezone.now()
    return dealer, head_office, accounts, now


def new_sale(dealer, head_office, slug: str, pow_bits: int) -> int:
    import datetime as dt

    from django.utils import timezone

    from autovitrine.flashsales import services
    from autovitrine.testing import factories as f

    sale = services.sale_create(
        data=services.SaleData(
            brand_id=dealer.brand_id,
            title="Terra 1007 — série limitée",
            slug=slug,
            price_ttc=1_599_000,
            deposit_ttc=50_000,
            opens_at=timezone.now() + dt.timedelta(days=1),
            pow_difficulty_bits=pow_bits,
        ),
        vins=[f.StockVehicleFactory(dealer=dealer).vin],
        by=head_office,
    )
    services.sale_publish(sale_id=sale.pk, by=head_office)
    services.waiting_room_restore(sale_id=sale.pk)
    return sale.pk


def solve(challenge: str, bits: int) -> tuple[str, int]:
    """The page's proof of work; the nonce and the hashes it took."""
    from autovitrine.flashsales.tokens import leading_zero_bits

    nonce = 0
    while leading_zero_bits(hashlib.sha256(f"{challenge}{nonce}".encode()).digest()) < bits:
        nonce += 1
    return str(nonce), nonce + 1


async def bot(run: Run, *, sale_id: int, slug: str, sessions, address_of) -> None:
    """Join as fast as allowed for ``MINUTES`` simulated minutes."""
    import httpx
    from django.conf import settings

    from autovitrine.config.asgi import application
    from autovitrine.flashsales import services
    from autovitrine.flashsales.queue import waiting_room
    from autovitrine.flashsales.tokens import PASS_COOKIE, queue_pass_issue

    clients: dict[str, httpx.AsyncClient] = {}

    def client(ip: str) -> httpx.AsyncClient:
        if ip not in clients:
            clients[ip] = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=application, client=(ip, 40000)),
                base_url=f"http://{HOST}",
                timeout=60,
            )
        return clients[ip]

    redis = waiting_room().client
    rate_keys = f"{settings.REDIS_KEY_PREFIX}:fs:{{{sale_id}}}:rate:join:*"
    pending = iter(sessions)
    began = time.perf_counter()
    for _minute in range(MINUTES):
        taken = 0
        for attempt, (user, session_key) in enumerate(pending):
            queue_pass = queue_pass_issue(
                customer_id=user.pk,
                session_key=session_key,
                account_created_s=services.account_created_s(user),
            )
            cookies = f"sessionid={session_key}; {PASS_COOKIE}={queue_pass}; csrftoken={CSRF}"
            browser = client(address_of(attempt))
            issued = (
                await browser.get(f"/ventes-flash/{slug}/file/defi/", headers={"cookie": cookies})
            ).json()
            nonce, tried = solve(issued["challenge"], issued["difficulty"])
            run.hashes += tried
            answer = await browser.post(
                f"/ventes-flash/{slug}/file/rejoindre/",
                content=urlencode({"challenge": issued["challenge"], "nonce": nonce}),
                headers={
                    "cookie": cookies,
                    "origin": f"http://{HOST}",
                    "x-csrftoken": CSRF,
                    "content-type": "application/x-www-form-urlencoded",
                },
            )
            if answer.status_code != 200:
                run.refusals[answer.json()["error"]["code"]] += 1
                break
            taken += 1
            run.stated[int(issued["difficulty"])] += 1
        run.per_minute.append(taken)
        run.places += taken
        for key in redis.scan_iter(match=rate_keys):
            redis.pexpire(key, 1)  # the minute is over: its counters lapse
        await asyncio.sleep(0.01)
    run.seconds = time.perf_counter() - began
    for each in clients.values():
        await each.aclose()


def hash_rate() -> float:
    """SHA-256 of a challenge-sized message per second, in Python, on one core."""
    message, n = b"x" * 90, 400_000
    began = time.perf_counter()
    for i in range(n):
        hashlib.sha256(message + str(i).encode()).digest()
    return n / (time.perf_counter() - began)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pow-bits", type=int, default=4, help="the sales' base difficulty")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/av_join_cap_bench"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="join-cap-") as tmp:
        env = environment(args, Path(tmp))
        step("database", "recreating it")
        recreate_database(args.database_url)
        manage = [sys.executable, str(PROJECT / "manage.py"), "migrate", "--noinput", "-v", "0"]
        subprocess.run(manage, env=env, check=True)
        os.environ.update(env)
        sys.path.insert(0, env["PYTHONPATH"])
        import django

        django.setup()
        import datetime as dt

        from django.conf import settings

        dealer, head_office, accounts, now = prepare(args)
        month_ago = now - dt.timedelta(days=30)
        default_bits = settings.FLASH_SALE_POW_DIFFICULTY_BITS
        limits = {
            name: getattr(settings, name, default)
            for name, default in (
                ("FLASHSALE_JOINS_PER_IP_PER_MINUTE", 120),
                ("FLASHSALE_JOINS_PER_NETWORK_PER_MINUTE", 600),
                ("FLASHSALE_NEW_ACCOUNT_JOINS_PER_IP_PER_MINUTE", 20),
                ("FLASHSALE_NEW_ACCOUNT_JOINS_PER_NETWORK_PER_MINUTE", 100),
            )
        }
        per_ip, per_net = (
            limits["FLASHSALE_JOINS_PER_IP_PER_MINUTE"],
            limits["FLASHSALE_JOINS_PER_NETWORK_PER_MINUTE"],
        )
        new_ip = limits["FLASHSALE_NEW_ACCOUNT_JOINS_PER_IP_PER_MINUTE"]
        bots = [
            (
                "one address, accounts a month old",
                "old",
                per_ip,
                month_ago,
                lambda _: "203.0.113.9",
            ),
            ("one address, accounts made now", "new", new_ip, now, lambda _: "198.51.100.9"),
            (
                "one /24 over 250 addresses, old accounts",
                "net",
                per_net,
                month_ago,
                lambda i: f"192.0.2.{i % 250 + 1}",
            ),
        ]
        runs = []
        for name, label, per_minute, created, address_of in bots:
            step("accounts", f"{per_minute * MINUTES + MINUTES} for '{name}'")
            sessions = accounts(label, per_minute * MINUTES + MINUTES, created)
            slug = f"bot-{label}"
            sale_id = new_sale(dealer, head_office, slug, args.pow_bits)
            run = Run(name, cap=per_minute * MINUTES)
            step("bot", name)
            asyncio.run(
                bot(run, sale_id=sale_id, slug=slug, sessions=sessions, address_of=address_of)
            )
            runs.append(run)
        rate = hash_rate()

    print()
    print(f"Places one bot takes in {MINUTES} minutes at the default limits {limits}")
    print(f"(proofs solved at {args.pow_bits} bits here; work below at the sale default ", end="")
    print(f"{default_bits} bits, SHA-256 in Python on one core: {rate / 1e6:.2f} M/s)")
    for run in runs:
        # Expected hashes at the default difficulty: 2^bits per place, at the stated extra bits.
        work = sum(n * 2 ** (bits - args.pow_bits + default_bits) for bits, n in run.stated.items())
        extra = {bits - args.pow_bits: n for bits, n in sorted(run.stated.items())}
        print(f"- {run.name}: {run.places} places, per minute {run.per_minute}")
        print(f"    refused {dict(run.refusals)}; extra bits stated -> places {extra}")
        print(
            f"    work at {default_bits} bits: {work / 1e6:,.0f} M hashes = "
            f"{work / rate:,.0f} s of one core in Python "
            f"({work / rate / (MINUTES * 60):.1f} cores for {MINUTES} min); "
            f"run took {run.seconds:.0f} s"
        )
    ok = True
    for run in runs:
        held = run.places <= run.cap
        ok &= held
        print(f"Cap {run.name}: {run.places} ≤ {run.cap} → {'OK' if held else 'ABOVE THE CAP'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

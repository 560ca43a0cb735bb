"""Community benchmark at Fiat Mio's scale on PostgreSQL: 17,000 collaborators, 10,000 ideas,
200,000 votes, 50,000 comments in one campaign (in its vote phase), then the production server
(granian, DEBUG off) measured by one client:

- HTML list pages (new, top, trending, most discussed, filtered, deep pages): p95 <= 100 ms, and
  the same number of SQL queries on page 1 and on a deep page (counted in-process);
- similar-idea suggestions while typing (a title's first words, with a typo): p95 <= 50 ms;
- the vote endpoint (htmx POST by signed-in members): p95 <= 30 ms;
- same-run baseline: ``/api/health`` (routing, middleware, no database).

    .venv/bin/python bench/community.py            # drops and reloads --database-url (autovitrine_bench_community)
    .venv/bin/python bench/community.py --reuse    # keep the data of a previous run
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
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

SLUG = "bench-mio"
CSRF_TOKEN = "benchcsrftoken0123456789abcdefgh"
TARGETS = {"list": 100.0, "similar": 50.0, "vote": 30.0}
WORDS = [
    "toit",
    "panoramique",
    "ouvrant",
    "siège",
    "chauffant",
    "volant",
    "cuir",
    "recyclé",
    "liège",
    "jantes",
    "alliage",
    "coffre",
    "modulable",
    "recharge",
    "induction",
    "prise",
    "caméra",
    "stationnement",
    "éclairage",
    "ambiance",
    "tableau",
    "bord",
    "écran",
    "tactile",
    "commande",
    "vocale",
    "porte",
    "vélo",
    "attelage",
    "pare-brise",
    "chauffant",
    "climatisation",
    "pompe",
    "chaleur",
    "batterie",
    "autonomie",
    "freinage",
    "régénératif",
    "sellerie",
    "tissu",
    "lin",
    "chanvre",
    "couleur",
    "vert",
    "sauge",
    "bleu",
    "nuit",
    "rouge",
    "corail",
    "gris",
    "béton",
    "peinture",
    "mate",
    "usine",
    "solaire",
    "pièces",
    "réparables",
    "essai",
    "week-end",
    "club",
    "propriétaires",
    "édition",
    "limitée",
    "boîte",
    "gants",
    "rangement",
    "accoudoir",
    "tablette",
]
CATEGORIES = ("design", "materials", "features", "manufacturing", "marketing")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/autovitrine_bench_community"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--collaborators", type=int, default=17_000)
    parser.add_argument("--ideas", type=int, default=10_000)
    parser.add_argument("--votes", type=int, default=200_000)
    parser.add_argument("--comments", type=int, default=50_000)
    parser.add_argument("--samples", type=int, default=150, help="requests per measured case")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--seed", type=int, default=3)
    return parser.parse_args()


def title_of(rng: random.Random) -> str:
    words = rng.sample(WORDS, rng.randint(3, 6))
    return " ".join(words).capitalize()[:140]


def load(args: argparse.Namespace, rng: random.Random) -> None:
    """Bulk inserts (the services' per-row checks would take hours at this size), counters and
    trending score computed once in SQL from the stored rows, then ANALYZE."""
    from django.db import connection
    from django.utils import timezone

    from autovitrine.accounts.models import User
    from autovitrine.community.models import (
        Campaign,
        Collaborator,
        Comment,
        Idea,
        Membership,
        Vote,
    )
    from autovitrine.community.services import TRENDING_EPOCH, TRENDING_TAU_SECONDS
    from autovitrine.testing import factories as f

    now = timezone.now()
    started = time.perf_counter()
    campaign = Campaign.objects.create(
        slug=SLUG,
        title="Mio, la voiture que vous dessinez",
        theme="17 000 collaborateurs, 10 000 idées.",
        car_model=f.CarModelFactory(code="mio", name="Mio"),
        ideas_open_at=now - dt.timedelta(days=90),
        votes_open_at=now - dt.timedelta(days=60),
        results_at=now + dt.timedelta(days=30),
        closed_at=now + dt.timedelta(days=60),
    )
    users = User.objects.bulk_create(
        (
            User(email=f"collab{i}@bench.example", password="!", kind=User.Kind.CUSTOMER)
            for i in range(args.collaborators)
        ),
        batch_size=5000,
    )
    members = Collaborator.objects.bulk_create(
        (Collaborator(user=u, public_name=f"collab{i}") for i, u in enumerate(users)),
        batch_size=5000,
    )
    Membership.objects.bulk_create(
        (
            Membership(
                campaign=campaign,
                collaborator=m,
                terms_version="1",
                licence="cc-by-4.0",
                licence_version="1",
            )
            for m in members
        ),
        batch_size=5000,
    )
    print(f"  {len(members)} collaborateurs ({time.perf_counter() - started:.0f} s)", flush=True)
    ideas = Idea.objects.bulk_create(
        (
            Idea(
                campaign=campaign,
                author=rng.choice(members),
                title=title_of(rng),
                body="Une idée de la communauté.",
                body_html="<p>Une idée de la communauté.</p>",
                category=rng.choice(CATEGORIES),
                status=rng.choices(
                    ("new", "under_review", "planned", "adopted", "declined"), (90, 4, 3, 1, 2)
                )[0],
            )
            for _ in range(args.ideas)
        ),
        batch_size=5000,
    )
    # Spread the ideas over 90 days (bulk_create takes auto_now_add at insert time).
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE community_idea SET created_at = now() - (random() * interval '90 days') "
            "WHERE campaign_id = %s",
            [campaign.pk],
        )
    print(f"  {len(ideas)} idées ({time.perf_counter() - started:.0f} s)", flush=True)
    # Votes: a long tail (a few ideas gather thousands), one per member and idea.
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(ideas))]
    rng.shuffle(weights)
    seen: set[tuple[int, int]] = set()
    batch: list[Vote] = []
    idea_ids = [i.pk for i in ideas]
    member_ids = [m.pk for m in members]
    while len(seen) < args.votes:
        for idea_id in rng.choices(idea_ids, weights, k=20_000):
            pair = (idea_id, rng.choice(member_ids))
            if pair in seen or len(seen) >= args.votes:
                continue
            seen.add(pair)
            batch.append(
                Vote(idea_id=pair[0], voter_id=pair[1], is_owner=rng.random() < 0.06,
                     ordered=rng.random() < 0.08, configured=rng.random() < 0.2)
            )  # fmt: skip
        Vote.objects.bulk_create(batch, batch_size=10_000)
        batch = []
    print(f"  {len(seen)} votes ({time.perf_counter() - started:.0f} s)", flush=True)
    comments: list[Comment] = []
    for _ in range(args.comments):
        comments.append(
            Comment(idea_id=rng.choices(idea_ids, weights)[0], author_id=rng.choice(member_ids),
                    body="D'accord !", body_html="<p>D'accord !</p>")
        )  # fmt: skip
    Comment.objects.bulk_create(comments, batch_size=10_000)
    print(f"  {len(comments)} commentaires ({time.perf_counter() - started:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE community_idea i SET
              vote_count = coalesce(v.n, 0), owner_vote_count = coalesce(v.owners, 0),
              comment_count = coalesce(c.n, 0),
              trending = log(1 + coalesce(v.n, 0))
                         + extract(epoch FROM i.created_at - %s) / %s
            FROM community_idea i2
            LEFT JOIN (SELECT idea_id, count(*) n, count(*) FILTER (WHERE is_owner) owners
                       FROM community_vote GROUP BY idea_id) v ON v.idea_id = i2.id
            LEFT JOIN (SELECT idea_id, count(*) n FROM community_comment GROUP BY idea_id) c
                   ON c.idea_id = i2.id
            WHERE i.id = i2.id
            """,
            [TRENDING_EPOCH, TRENDING_TAU_SECONDS],
        )
        cursor.execute("ANALYZE")
    print(f"  compteurs et ANALYZE ({time.perf_counter() - started:.0f} s)", flush=True)


def sessions(count: int, rng: random.Random) -> list[str]:
    """Signed-in members, as a sign-in leaves them (database row and cache)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.cache import cache
    from django.db import connection
    from django.utils import timezone

    from autovitrine.accounts.models import User

    store = SessionStore()
    users = list(User.objects.filter(email__startswith="collab").order_by("?")[:count])
    rows, cached, keys = [], {}, []
    for user in users:
        key = secrets.token_hex(16)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        rows.append(
            Session(
                session_key=key,
                session_data=store.encode(data),
                expire_date=timezone.now() + dt.timedelta(days=1),
            )
        )
        cached[SessionStore.cache_key_prefix + key] = data
        keys.append(key)
    Session.objects.bulk_create(rows)
    cache.set_many(cached, timeout=86_400)
    connection.close()
    return keys


def query_counts() -> dict[str, tuple[int, int]]:
    """SQL queries of page 1 and of page 40 for each list (in-process, the same views)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", headers=PROXY_HEADERS, secure=True)
    out = {}
    for name, query in LISTS.items():
        counts = []
        for page in (1, 40):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(f"/communaute/{SLUG}/idees/?{query}&page={page}")
            assert response.status_code == 200, (name, response.status_code)
            counts.append(len(captured.captured_queries))
        out[name] = (counts[0], counts[1])
    return out


LISTS = {
    "nouvelles": "sort=new",
    "plus votées": "sort=top",
    "tendance": "sort=trending",
    "plus discutées": "sort=discussed",
    "filtre catégorie": "sort=top&category=materials",
    "filtre statut": "sort=new&status=planned",
    "par propriétaires": "sort=trending&owners=on",
}


def timed(client: httpx.Client, method: str, url: str, **kwargs) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.request(method, url, **kwargs)
    return (time.perf_counter() - started) * 1000, response.status_code


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return percentile(ordered, 0.5), percentile(ordered, 0.95)


def measure(base_url: str, args: argparse.Namespace, rng: random.Random, keys: list[str]):
    from autovitrine.community.models import Idea

    titles = list(Idea.objects.filter(campaign__slug=SLUG).values_list("title", flat=True)[:2000])
    idea_ids = list(
        Idea.objects.filter(campaign__slug=SLUG, status="new").values_list("pk", flat=True)
    )
    results: dict[str, tuple[float, float, int]] = {}
    statuses: dict[str, set[int]] = {}
    with httpx.Client(base_url=base_url, headers=PROXY_HEADERS, timeout=60) as client:

        def run(name: str, make, warmup: int = 10) -> None:
            for _ in range(warmup):
                method, url, kwargs = make()
                client.request(method, url, **kwargs)
            samples, codes = [], set()
            for _ in range(args.samples):
                method, url, kwargs = make()
                ms, code = timed(client, method, url, **kwargs)
                samples.append(ms)
                codes.add(code)
            p50, p95 = summary(samples)
            results[name] = (p50, p95, len(samples))
            statuses[name] = codes

        def ip() -> dict[str, str]:
            return {
                "X-Forwarded-For": f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
            }

        run("baseline /api/health", lambda: ("GET", "/api/health", {}))
        for name, query in LISTS.items():
            run(
                f"liste {name}",
                lambda q=query: (
                    "GET",
                    f"/communaute/{SLUG}/idees/?{q}&page={rng.choice([1, 1, 1, 2, 3, 5, 10, 40])}",
                    {"headers": ip()},
                ),
            )

        def typing() -> tuple[str, str, dict]:
            words = rng.choice(titles).split()[: rng.randint(2, 4)]
            typed = " ".join(words)
            if len(typed) > 6 and rng.random() < 0.5:  # a typo: one letter dropped
                cut = rng.randint(1, len(typed) - 2)
                typed = typed[:cut] + typed[cut + 1 :]
            return (
                "GET",
                f"/communaute/{SLUG}/similaires/",
                {"params": {"title": typed}, "headers": ip()},
            )

        run("suggestions (similaires)", typing)

        def vote() -> tuple[str, str, dict]:
            key = keys.pop()
            cookie = f"sessionid={key}; csrftoken={CSRF_TOKEN}"
            headers = {
                "Cookie": cookie, "X-CSRFToken": CSRF_TOKEN, "HX-Request": "true",
                "Origin": base_url.replace("http://", "https://"), **ip(),
            }  # fmt: skip
            return "POST", f"/communaute/idees/{rng.choice(idea_ids)}/vote/", {"headers": headers}

        run("vote (htmx)", vote)
    return results, statuses


def main() -> int:
    args = parse_args()
    rng = random.Random(args.seed)
    var_dir = PROJECT / "var" / "bench-community"
    var_dir.mkdir(parents=True, exist_ok=True)
    env = production_environment(
        database_url=args.database_url, redis_url=args.redis_url, var_dir=var_dir
    )
    # No payment here: the staging switch for the simulator keeps the deploy checks quiet.
    env.update(PAYMENT_PROVIDER="simulated", ALLOW_SIMULATED_PAYMENTS="true")
    env["TRUSTED_PROXIES"] = "127.0.0.1/32"  # each request's X-Forwarded-For: a reader's address
    os.environ.update(env)
    sys.path.insert(0, str(PROJECT / "src"))
    import django

    django.setup()
    if not args.reuse:
        print("Préparation", flush=True)
        recreate_database(args.database_url)
        manage(env, "migrate", "--noinput", "-v", "0")
        load(args, rng)
    manage(env, "collectstatic", "--noinput", "-v", "0")
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    keys = sessions(args.samples + 20, rng)
    counts = query_counts()
    load_before = os.getloadavg()
    with granian_server(env, workers=args.workers, log_file=var_dir / "server.log") as base_url:
        results, statuses = measure(base_url, args, rng, keys)
    ok = True
    print(f"\n{'cas':32} {'p50 ms':>8} {'p95 ms':>8} {'cible':>7}  statuts  requêtes SQL p1/p40")
    for name, (p50, p95, _n) in results.items():
        kind = (
            "list"
            if name.startswith("liste")
            else "similar"
            if "sugg" in name
            else "vote"
            if "vote" in name
            else ""
        )
        target = TARGETS.get(kind)
        verdict = "" if target is None else ("OK" if p95 <= target else "TROP LENT")
        ok &= target is None or p95 <= target
        qc = counts.get(name.removeprefix("liste "), ("", ""))
        bad = {c for c in statuses[name] if c >= 400}
        ok &= not bad
        print(
            f"{name:32} {p50:8.1f} {p95:8.1f} {target or '':>7}  {sorted(statuses[name])} "
            f"{qc[0]}/{qc[1]} {verdict}"
        )
    constant = all(a == b for a, b in counts.values())
    ok &= constant
    print(f"\nRequêtes SQL constantes d'une page à l'autre : {'oui' if constant else 'NON'}")
    print(
        f"Charge (1/5/15 min) : {' / '.join(f'{x:.1f}' for x in load_before)} avant, "
        f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} après, {os.cpu_count()} cœurs."
    )
    print("VERDICT :", "objectifs tenus" if ok else "objectifs NON tenus")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""The ASGI fast path answers status polls and challenges before Django, from the queue pass."""

from __future__ import annotations

import json

from asgiref.sync import async_to_sync

from autovitrine.flashsales.asgi import with_waiting_room_fast_path
from autovitrine.flashsales.tokens import PASS_COOKIE, queue_pass_issue

from .factories import join


async def _django_stand_in(scope, receive, send):
    await send({"type": "http.response.start", "status": 418, "headers": []})
    await send({"type": "http.response.body", "body": b"django"})


def _call(path: str, *, cookie: str = "", method: str = "GET", host: str = "testserver"):
    app = with_waiting_room_fast_path(_django_stand_in)
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "headers": [(b"host", host.encode()), (b"cookie", cookie.encode())],
    }
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    async_to_sync(app)(scope, receive, send)
    headers = dict(sent[0]["headers"])
    body = sent[1]["body"]
    return sent[0]["status"], headers, (json.loads(body) if body != b"django" else body)


def _pass(customer) -> str:
    return f"{PASS_COOKIE}={queue_pass_issue(customer_id=customer.pk)}"


def test_a_poll_with_the_queue_pass_gets_the_customers_place(sale_kit, buyers):
    kit = sale_kit(units=1)
    first, second = buyers(2)
    join(kit, first)
    join(kit, second)
    kit.open()
    url = f"/ventes-flash/{kit.sale.slug}/file/statut/"

    statuses = {b: _call(url, cookie=_pass(b)) for b in (first, second)}

    places = sorted((s[2]["place"], s[2]["position"]) for s in statuses.values())
    assert places == [("admitted", None), ("waiting", 1)]
    code, headers, _ = statuses[first]
    assert code == 200
    assert headers[b"cache-control"] == b"no-store"
    assert headers[b"x-content-type-options"] == b"nosniff"


def test_without_a_valid_pass_django_answers_from_the_session(sale_kit):
    kit = sale_kit(units=2)
    base = f"/ventes-flash/{kit.sale.slug}/file/"

    assert _call(base + "statut/")[0] == 418
    assert _call(base + "statut/", cookie=f"{PASS_COOKIE}=eyJjIjoxfQ:forged:sig")[0] == 418
    assert _call(base + "defi/", cookie="sessionid=abc")[0] == 418


def test_a_challenge_is_issued_for_the_pass_holder(sale_kit, buyers):
    kit = sale_kit(units=1, pow_difficulty_bits=5)
    [buyer] = buyers(1)

    code, _, body = _call(f"/ventes-flash/{kit.sale.slug}/file/defi/", cookie=_pass(buyer))

    assert code == 200 and body["difficulty"] == 5
    assert join(kit, buyer)["place"] == "pre"


def test_everything_else_goes_to_django(sale_kit, buyers):
    kit = sale_kit(units=1)
    [buyer] = buyers(1)
    status_url = f"/ventes-flash/{kit.sale.slug}/file/statut/"

    assert _call(f"/ventes-flash/{kit.sale.slug}/", cookie=_pass(buyer))[0] == 418
    assert _call(status_url, method="POST", cookie=_pass(buyer))[0] == 418
    assert _call(status_url, host="evil.example", cookie=_pass(buyer))[0] == 418  # Django: 400
    assert _call("/ventes-flash/inconnue/file/statut/", cookie=_pass(buyer))[0] == 404

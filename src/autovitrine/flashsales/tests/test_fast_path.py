"""The ASGI fast path answers status polls, challenges and first joins before Django, from the
queue pass; everything it cannot decide reaches Django intact."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlencode

import pytest

from autovitrine.flashsales import services
from autovitrine.flashsales.asgi import with_waiting_room_fast_path
from autovitrine.flashsales.models import QueueEntry
from autovitrine.flashsales.tokens import (
    PASS_COOKIE,
    challenge_issue,
    proof_of_work_solve,
    queue_pass_issue,
)
from autovitrine.testing.concurrency import run_async

from .asgi_buyers import signed_in_session
from .factories import join

SESSION_KEY = "s" * 32


async def _django_stand_in(scope, receive, send):
    """Answers 418 and echoes the body it was handed, to show what reached Django."""
    message = await receive()
    await send({"type": "http.response.start", "status": 418, "headers": []})
    await send({"type": "http.response.body", "body": b"django:" + message.get("body", b"")})


async def _acall(
    path, *, cookie="", method="GET", host="testserver", body=b"", origin=None, client=None
):
    app = with_waiting_room_fast_path(_django_stand_in)
    headers = [(b"host", host.encode()), (b"cookie", cookie.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    scope = {"type": "http", "method": method, "path": path, "headers": headers}
    if client is not None:
        scope["client"] = (client, 50000)
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    answer = sent[1]["body"]
    parsed = answer if answer.startswith(b"django:") else json.loads(answer)
    return sent[0]["status"], dict(sent[0]["headers"]), parsed


def _call(path: str, **kwargs):
    return run_async(_acall(path, **kwargs))


def _pass(customer, session_key: str | None = None) -> str:
    """The cookies of a signed-in browser: a real session of ``customer`` (the fast path checks
    that it still names them) and its queue pass; or a pass bound to ``session_key``."""
    session_key = session_key or signed_in_session(customer)
    value = queue_pass_issue(
        customer_id=customer.pk,
        session_key=session_key,
        account_created_s=services.account_created_s(customer),
    )
    return f"{PASS_COOKIE}={value}; sessionid={session_key}"


def _join_body(kit, customer) -> bytes:
    challenge = challenge_issue(
        sale_id=kit.sale.pk, customer_id=customer.pk, difficulty_bits=kit.sale.pow_difficulty_bits
    )
    nonce = proof_of_work_solve(challenge, kit.sale.pow_difficulty_bits)
    return urlencode({"challenge": challenge, "nonce": nonce}).encode()


def _join_url(kit) -> str:
    return f"/ventes-flash/{kit.sale.slug}/file/rejoindre/"


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


def test_a_first_join_with_the_pass_takes_a_place_without_django(sale_kit, buyers):
    kit = sale_kit(units=2, pow_difficulty_bits=4)
    [buyer] = buyers(1)

    code, headers, body = _call(
        _join_url(kit),
        method="POST",
        cookie=_pass(buyer),
        body=_join_body(kit, buyer),
        origin="http://testserver",
    )

    assert code == 200 and body["place"] == "pre"
    assert headers[b"cache-control"] == b"no-store"
    entry = QueueEntry.objects.get(sale=kit.sale, customer=buyer)
    assert entry.status == QueueEntry.Status.WAITING and entry.pre_queue


def _join_together(kit, crowd, client=None) -> list:
    """Every buyer of ``crowd`` sends a join at the same moment (in that order); their answers."""
    bodies = [_join_body(kit, b) for b in crowd]
    cookies = {b.pk: _pass(b) for b in crowd}

    async def everyone_joins():
        return await asyncio.gather(
            *(
                _acall(
                    _join_url(kit),
                    method="POST",
                    cookie=cookies[b.pk],
                    body=body,
                    origin="http://testserver",
                    client=client,
                )
                for b, body in zip(crowd, bodies, strict=True)
            )
        )

    return run_async(everyone_joins())


def test_simultaneous_first_joins_each_get_one_place(sale_kit, buyers):
    kit = sale_kit(units=2)
    crowd = buyers(12)

    answers = _join_together(kit, crowd)

    assert [(code, body["place"]) for code, _, body in answers] == [(200, "pre")] * 12
    assert QueueEntry.objects.filter(sale=kit.sale).count() == 12


def test_simultaneous_joins_after_the_opening_admit_the_units_and_queue_the_rest_once_each(
    sale_kit, buyers
):
    kit = sale_kit(units=2)
    kit.open()
    crowd = buyers(6)

    answers = _join_together(kit, crowd)

    # Sent at the same instant, they arrive in the order each one's session check ends (the
    # queue pass is honoured only while its session lives): two admitted, the others queued
    # one behind the other, each place given once.
    assert sorted((body["place"], body["position"] or 0) for _, _, body in answers) == [
        ("admitted", 0),
        ("admitted", 0),
        ("waiting", 1),
        ("waiting", 2),
        ("waiting", 3),
        ("waiting", 4),
    ]


def test_the_ip_allowance_holds_for_joins_arriving_together(sale_kit, buyers, settings):
    settings.FLASHSALE_JOINS_PER_IP_PER_MINUTE = 3
    kit = sale_kit(units=2)

    answers = _join_together(kit, buyers(5), client="198.51.100.4")

    assert sorted(code for code, _, _ in answers) == [200, 200, 200, 429, 429]
    assert QueueEntry.objects.filter(sale=kit.sale).count() == 3


def test_an_account_joining_twice_at_once_gets_one_place(sale_kit, buyers):
    kit = sale_kit(units=2)
    [buyer] = buyers(1)

    answers = _join_together(kit, [buyer, buyer])

    # Whichever arrives first takes the place; the other is no first join, so Django answers it.
    assert sorted(code for code, _, _ in answers) == [200, 418]
    assert QueueEntry.objects.filter(sale=kit.sale, customer=buyer).count() == 1


def test_a_join_the_fast_path_cannot_decide_reaches_django_with_its_body(sale_kit, buyers):
    kit = sale_kit(units=1, pow_difficulty_bits=4)
    [buyer] = buyers(1)
    join(kit, buyer)  # a place already: a second join is Django's to answer
    body = _join_body(kit, buyer)

    code, _, answer = _call(
        _join_url(kit), method="POST", cookie=_pass(buyer), body=body, origin="http://testserver"
    )

    assert (code, answer) == (418, b"django:" + body)


def test_a_wrong_proof_of_work_is_left_to_django(sale_kit, buyers):
    kit = sale_kit(units=1, pow_difficulty_bits=12)
    [buyer] = buyers(1)
    body = urlencode({"challenge": "forged", "nonce": "1"}).encode()

    code, _, _ = _call(
        _join_url(kit), method="POST", cookie=_pass(buyer), body=body, origin="http://testserver"
    )

    assert code == 418
    assert not QueueEntry.objects.filter(sale=kit.sale).exists()


def test_a_cross_site_or_unsigned_join_goes_through_djangos_csrf_check(sale_kit, buyers):
    kit = sale_kit(units=1)
    [buyer] = buyers(1)
    body = _join_body(kit, buyer)
    url = _join_url(kit)

    for origin in (None, "https://evil.example"):
        assert _call(url, method="POST", cookie=_pass(buyer), body=body, origin=origin)[0] == 418
    other_session = _pass(buyer, session_key="t" * 32).replace("t" * 32, SESSION_KEY, 1)
    assert (
        _call(url, method="POST", cookie=other_session, body=body, origin="http://testserver")[0]
        == 418
    )
    assert not QueueEntry.objects.filter(sale=kit.sale).exists()


def test_a_pass_is_void_once_the_session_changes(sale_kit, buyers):
    kit = sale_kit(units=1)
    [buyer] = buyers(1)
    signed_out = f"{_pass(buyer).split(';')[0]}; sessionid={'n' * 32}"

    assert _call(f"/ventes-flash/{kit.sale.slug}/file/statut/", cookie=signed_out)[0] == 418


def test_an_oversized_join_body_is_refused(sale_kit, buyers):
    kit = sale_kit(units=1)
    [buyer] = buyers(1)

    code, _, body = _call(
        _join_url(kit),
        method="POST",
        cookie=_pass(buyer),
        body=b"x" * 5000,
        origin="http://testserver",
    )

    assert code == 413 and body["error"]["code"] == "too_large"


@pytest.mark.django_db(transaction=True)  # the reads run on the database threads, concurrently
def test_a_stale_sale_is_read_again_by_one_request_at_a_time(sale_kit, monkeypatch):
    # Given a sale whose hot-path copy has gone stale
    kit = sale_kit(units=1)
    services.sale_info(kit.sale.slug)
    services._sale_info_cache[kit.sale.slug] = (0.0, services._sale_info_cache[kit.sale.slug][1])
    reads = []
    real = services.waiting_room.selectors.sale_for_public

    def counted(slug):
        reads.append(slug)
        return real(slug)

    monkeypatch.setattr(services.waiting_room.selectors, "sale_for_public", counted)

    # When 50 requests need it at the same moment
    async def requests():
        return await asyncio.gather(*(services.asale_info(kit.sale.slug) for _ in range(50)))

    infos = run_async(requests())

    # Then one reads the database, the others answer from the value it replaces
    assert reads == [kit.sale.slug]
    assert {info.sale_id for info in infos} == {kit.sale.pk}

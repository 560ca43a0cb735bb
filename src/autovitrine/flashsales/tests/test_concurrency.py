"""Real concurrent buyers on PostgreSQL (threads with their own connections, and processes):
the database alone decides, so nothing is oversold whatever the waiting room does."""

from __future__ import annotations

import multiprocessing
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count

from autovitrine.flashsales import services
from autovitrine.flashsales.errors import FlashSaleRefusal
from autovitrine.flashsales.models import Hold, Purchase, SaleUnit
from autovitrine.testing.isolation import forget_redis_keys

from .claimers import claim_in_process
from .factories import claim, direct_token, join, poll_all

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _all_at_once(function, items: list) -> list:
    """Run ``function(item)`` for every item on its own thread, released together."""
    barrier = threading.Barrier(len(items))

    def run(item):
        barrier.wait()
        try:
            return function(item)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(run, items))


def _claim_or_code(kit, buyer, token: str, key: str = "") -> str:
    try:
        return claim(kit, buyer, token, key=key).hold_ref
    except FlashSaleRefusal as exc:
        return exc.code


def _assert_never_oversold(units: int) -> None:
    taken = SaleUnit.objects.filter(status__in=["held", "sold"])
    assert taken.count() <= units
    per_customer = taken.values("holder").annotate(n=Count("id")).filter(n__gt=1)
    assert list(per_customer) == []


def test_more_buyers_than_units_claiming_at_once_get_exactly_that_many_holds(sale_kit, buyers):
    # Given 5 units and 24 buyers whom the room let through at once (as after losing Redis)
    kit = sale_kit(units=5)
    crowd = buyers(24)
    for buyer in crowd:
        join(kit, buyer)
    kit.open()
    tokens = {buyer: direct_token(kit, buyer) for buyer in crowd}

    # When they all claim at the same moment
    results = _all_at_once(lambda b: _claim_or_code(kit, b, tokens[b]), crowd)

    # Then exactly 5 hold a unit, each a different one, and 19 are told none is free
    holds = [r for r in results if r not in ("no_unit",)]
    assert len(holds) == 5
    assert sorted(r for r in results if r == "no_unit") == ["no_unit"] * 19
    assert SaleUnit.objects.filter(status="held").count() == 5
    assert Hold.objects.values("unit").distinct().count() == 5
    _assert_never_oversold(5)


def test_buyers_in_several_processes_claiming_at_once_never_oversell(sale_kit, buyers):
    kit = sale_kit(units=3)
    crowd = buyers(16)
    for buyer in crowd:
        join(kit, buyer)
    kit.open()
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    jobs = [(b.pk, direct_token(kit, b), uuid.uuid4().hex) for b in crowd]
    start_at = time.time() + 3  # every process is started and connected by then

    with multiprocessing.get_context("spawn").Pool(4) as pool:
        chunks = pool.starmap(
            claim_in_process, [(url, kit.sale.pk, jobs[i::4], start_at) for i in range(4)]
        )

    results = [r for chunk in chunks for r in chunk]
    assert len([r for r in results if r != "no_unit"]) == 3
    assert results.count("no_unit") == 13
    _assert_never_oversold(3)


def test_a_claim_retried_concurrently_with_the_same_key_holds_one_unit(sale_kit, buyers):
    kit = sale_kit(units=3)
    [buyer] = buyers(1)
    join(kit, buyer)
    kit.open()
    token = direct_token(kit, buyer)

    results = _all_at_once(lambda _: _claim_or_code(kit, buyer, token, key="double-tap"), range(8))

    assert len(set(results)) == 1 and results[0] not in ("no_unit", "already_holding")
    assert SaleUnit.objects.filter(holder=buyer).count() == 1


def test_a_payment_retried_and_confirmed_concurrently_sells_one_unit(sale_kit, buyers):
    kit = sale_kit(units=2)
    [buyer] = buyers(1)
    join(kit, buyer)
    kit.open()
    held = claim(kit, buyer, direct_token(kit, buyer))

    started = _all_at_once(
        lambda _: (
            services.purchase_start(
                hold_ref=held.hold_ref, customer=buyer, idempotency_key="pay"
            ).purchase.payment_ref
        ),
        range(6),
    )
    _all_at_once(lambda ref: services.purchase_confirm(payment_ref=ref), started)

    assert len(set(started)) == 1
    assert Purchase.objects.get().status == Purchase.Status.PAID
    assert SaleUnit.objects.filter(status="sold").count() == 1
    assert SaleUnit.objects.filter(status="available").count() == 1


def test_a_late_confirmation_racing_the_next_claim_is_refunded(sale_kit, buyers):
    # Given a buyer whose hold ran out while paying, and the next buyer admitted
    kit = sale_kit(units=1)
    first, second = buyers(2)
    join(kit, first)
    join(kit, second)
    kit.open()
    tokens, _ = poll_all(kit, [first, second])
    [(early, token)] = tokens.items()
    late = second if early == first else first
    held = claim(kit, early, token)
    payment = services.purchase_start(hold_ref=held.hold_ref, customer=early).purchase
    SaleUnit.objects.filter(pk=held.unit_id).update(held_until="2000-01-01T00:00:00Z")
    next_token = direct_token(kit, late)

    # When the provider's confirmation and the next claim arrive at the same moment
    _all_at_once(
        lambda job: job(),
        [
            lambda: services.purchase_confirm(payment_ref=payment.payment_ref),
            lambda: _claim_or_code(kit, late, next_token),
        ],
    )

    # Then the late payment is refunded and the car is never sold to the first buyer
    assert Purchase.objects.get().status == Purchase.Status.REFUNDED
    unit = SaleUnit.objects.get()
    assert unit.sold_to_id is None
    assert unit.holder_id in (None, late.pk)
    _assert_never_oversold(1)


@pytest.mark.redis
def test_flushing_redis_mid_sale_never_oversells(sale_kit, buyers):
    # Given a sale of 3 units with 12 buyers in line, 2 of them already holding
    kit = sale_kit(units=3)
    crowd = buyers(12)
    for buyer in crowd:
        join(kit, buyer)
    kit.open()
    tokens, waiting = poll_all(kit, crowd)
    admitted = list(tokens)
    for buyer in admitted[:2]:
        claim(kit, buyer, tokens[buyer])

    # When Redis is flushed, and the third admitted buyer claims at the same moment as
    # everyone else holding an admission from a confused room
    forget_redis_keys()
    stale = {buyer: direct_token(kit, buyer) for buyer in waiting}
    attempts = [(admitted[2], tokens[admitted[2]])] + list(stale.items())
    results = _all_at_once(lambda job: _claim_or_code(kit, *job), attempts)

    # Then exactly one more unit is held, the room is rebuilt from the database, and
    # paying every hold sells exactly 3 cars to 3 different buyers
    assert len([r for r in results if r != "no_unit"]) == 1
    _assert_never_oversold(3)
    page = services.queue_status(info=kit.info, customer_id=waiting[0].pk)
    assert page["units"] == {"available": 0, "held": 3, "sold": 0, "total": 3, "left": 3}
    holders = {h.customer: h for h in Hold.objects.filter(status="active")}
    refs = _all_at_once(
        lambda item: (
            services.purchase_start(hold_ref=item[1].ref, customer=item[0]).purchase.payment_ref
        ),
        list(holders.items()),
    )
    _all_at_once(lambda ref: services.purchase_confirm(payment_ref=ref), refs)
    assert SaleUnit.objects.filter(status="sold").values("sold_to").distinct().count() == 3
    _assert_never_oversold(3)

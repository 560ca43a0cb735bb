"""Joins the fast path hands to Django, through the production ASGI application: the same answers
as Django alone gives (200 replay, 400, 403, 409), never a 500 or a cancelled view (issue #11,
defect 1: the replayed receive channel used to say "disconnect" right after the body)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from autovitrine.flashsales import services
from autovitrine.flashsales.models import QueueEntry
from autovitrine.flashsales.tokens import proof_of_work_valid
from autovitrine.payments.models import Payment

from .asgi_buyers import Buyer, application, new_buyer, webhook

pytestmark = pytest.mark.django_db(transaction=True)


def _run(coroutine):
    # A loop of its own in a thread of its own: Playwright's sync API may already run a loop in
    # this test thread when the browser tests share the worker.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _joined(kit, user) -> Buyer:
    buyer = await new_buyer(user)
    await buyer.open_page(kit.sale.slug)
    first = await buyer.join()
    assert first.status_code == 200, first.text
    return buyer


async def _admitted_token(buyer: Buyer) -> str:
    answer = (await buyer.status()).json()
    assert answer["place"] == "admitted", answer
    return answer["admission"]["token"]


def test_a_second_join_of_the_same_account_replays_its_place(sale_kit, buyers):
    kit = sale_kit(units=1, slug="d1-second-tab")
    (user,) = buyers(1)

    async def scenario():
        first_tab = await _joined(kit, user)
        second_tab = await new_buyer(user)
        await second_tab.open_page(kit.sale.slug)
        again = await second_tab.join()
        retried = await first_tab.join()  # same idempotency key, same proof
        await first_tab.close()
        await second_tab.close()
        return again, retried

    again, retried = _run(scenario())
    assert (again.status_code, again.json()["place"]) == (200, "pre")
    assert (retried.status_code, retried.json()["place"]) == (200, "pre")
    assert QueueEntry.objects.filter(sale=kit.sale, customer=user).count() == 1


def test_a_retry_with_the_same_key_needs_no_new_proof_and_a_wrong_proof_is_a_400(sale_kit, buyers):
    kit = sale_kit(units=1, slug="d1-proofs", pow_difficulty_bits=8)
    first, second = buyers(2)

    async def scenario():
        buyer = await _joined(kit, first)
        replay = await buyer.join(nonce="not-a-nonce")
        stranger = await new_buyer(second)
        await stranger.open_page(kit.sale.slug)
        # A proof that does not hold (at 8 bits, "x" fails 255 times in 256: take one that does).
        wrong = await stranger.join(nonce=_failing_nonce(stranger, kit.sale))
        stale = await stranger.join(challenge=buyer.page["challenge"])  # another account's
        await buyer.close()
        await stranger.close()
        return replay, wrong, stale

    replay, wrong, stale = _run(scenario())
    assert replay.status_code == 200
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (400, "pow_invalid")
    assert (stale.status_code, stale.json()["error"]["code"]) == (400, "pow_invalid")


def _failing_nonce(buyer: Buyer, sale) -> str:
    """A nonce whose proof does not hold for this buyer's challenge."""
    assert buyer.user is not None
    for candidate in range(1000):
        if not proof_of_work_valid(
            challenge=buyer.page["challenge"],
            nonce=str(candidate),
            sale_id=sale.pk,
            customer_id=buyer.user.pk,
            difficulty_bits=sale.pow_difficulty_bits,
        ):
            return str(candidate)
    raise AssertionError("no failing nonce")


def test_a_removed_account_is_refused_with_a_403(sale_kit, buyers):
    kit = sale_kit(units=1, slug="d1-removed")
    (user,) = buyers(1)

    async def scenario():
        buyer = await _joined(kit, user)
        entry = await services.in_db_thread(QueueEntry.objects.get, sale=kit.sale, customer=user)
        await services.in_db_thread(
            services.queue_entry_remove,
            sale_id=kit.sale.pk,
            entry_id=entry.pk,
            by=kit.head_office,
            reason="robot",
        )
        await buyer.fresh_challenge()
        refused = await buyer.join(key="another-key")
        await buyer.close()
        return refused

    refused = _run(scenario())
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "removed")


def test_after_a_failed_payment_the_buyer_rejoins_and_after_buying_is_told_409(
    sale_kit, buyers, settings
):
    kit = sale_kit(units=2, slug="d1-after-payment")
    (user,) = buyers(1)
    app = application()

    async def scenario():
        buyer = await _joined(kit, user)
        await services.in_db_thread(kit.open)
        claimed = await buyer.claim(await _admitted_token(buyer))
        assert claimed.status_code == 302, claimed.text
        hold_ref = claimed.headers["location"].rstrip("/").split("/")[-1]
        paid = await buyer.pay(hold_ref)
        assert paid.status_code == 302
        payment = await services.in_db_thread(Payment.objects.get)
        assert (await webhook(app, payment, paid=False)).status_code == 200
        rejoined = await buyer.join(key="after-failure")
        token = await _admitted_token(buyer)
        claimed = await buyer.claim(token)
        hold_ref = claimed.headers["location"].rstrip("/").split("/")[-1]
        await buyer.pay(hold_ref)
        payment = await services.in_db_thread(
            lambda: Payment.objects.exclude(status=Payment.Status.FAILED).get()
        )
        assert (await webhook(app, payment, paid=True)).status_code == 200
        after_buying = await buyer.join(key="after-buying")
        await buyer.close()
        return rejoined, after_buying

    rejoined, after_buying = _run(scenario())
    assert (rejoined.status_code, rejoined.json()["place"]) == (200, "admitted")
    assert (after_buying.status_code, after_buying.json()["error"]["code"]) == (
        409,
        "already_bought",
    )


def test_after_an_unused_admission_lapses_the_buyer_rejoins_at_the_back(sale_kit, buyers):
    kit = sale_kit(units=1, slug="d1-lapsed", admission_seconds=10)
    (user,) = buyers(1)

    async def scenario():
        buyer = await _joined(kit, user)
        await services.in_db_thread(kit.open)
        await _admitted_token(buyer)
        # The admission lapses unused: the buyer's place is given up by the room.
        await services.in_db_thread(
            QueueEntry.objects.filter(sale=kit.sale, customer=user).update,
            status=QueueEntry.Status.LAPSED,
        )
        rejoined = await buyer.join(key="after-lapse")
        await buyer.close()
        return rejoined

    rejoined = _run(scenario())
    assert rejoined.status_code == 200, rejoined.text
    assert QueueEntry.objects.get(sale=kit.sale, customer=user).status == "waiting"

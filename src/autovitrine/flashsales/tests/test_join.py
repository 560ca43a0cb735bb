"""Joining the waiting room: proof of work, rate limits, one place per account, retries."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from autovitrine.flashsales import services
from autovitrine.flashsales.errors import FlashSaleRefusal
from autovitrine.flashsales.models import QueueEntry
from autovitrine.flashsales.tokens import challenge_issue, leading_zero_bits, proof_of_work_solve

from .factories import join, status


def _join_with(kit, customer, *, challenge: str, nonce: str, key: str = "k"):
    return services.queue_join(
        info=kit.info,
        customer=customer,
        client_ip="198.51.100.4",
        challenge=challenge,
        nonce=nonce,
        idempotency_key=key,
    )


def _failing_nonce(challenge: str, bits: int) -> str:
    nonce = 0
    while leading_zero_bits(hashlib.sha256(f"{challenge}{nonce}".encode()).digest()) >= bits:
        nonce += 1
    return str(nonce)


def test_joining_needs_the_proof_of_work_of_this_customer(sale_kit, buyers):
    kit = sale_kit(units=1, pow_difficulty_bits=8)
    alice, bob = buyers(2)
    challenge = challenge_issue(sale_id=kit.sale.pk, customer_id=alice.pk, difficulty_bits=8)

    with pytest.raises(FlashSaleRefusal) as weak:
        _join_with(kit, alice, challenge=challenge, nonce=_failing_nonce(challenge, 8))
    with pytest.raises(FlashSaleRefusal) as borrowed:
        _join_with(kit, bob, challenge=challenge, nonce=proof_of_work_solve(challenge, 8))
    joined = _join_with(kit, alice, challenge=challenge, nonce=proof_of_work_solve(challenge, 8))

    assert (weak.value.code, borrowed.value.code) == ("pow_invalid", "pow_invalid")
    assert joined["place"] == "pre"
    assert list(QueueEntry.objects.values_list("customer_id", flat=True)) == [alice.pk]


def test_a_retried_join_returns_the_first_place_without_a_new_proof(sale_kit, buyers):
    kit = sale_kit(units=1, pow_difficulty_bits=8)
    [buyer] = buyers(1)
    challenge = challenge_issue(sale_id=kit.sale.pk, customer_id=buyer.pk, difficulty_bits=8)
    first = _join_with(
        kit, buyer, challenge=challenge, nonce=proof_of_work_solve(challenge, 8), key="same"
    )

    again = _join_with(kit, buyer, challenge="", nonce="", key="same")

    assert (
        (again["place"], again["pre_length"]) == (first["place"], first["pre_length"]) == ("pre", 1)
    )
    assert QueueEntry.objects.count() == 1


def test_one_place_per_account(sale_kit, buyers):
    kit = sale_kit(units=1)
    kit.open()
    admitted, alice, bob = buyers(3)
    join(kit, admitted)
    first = join(kit, alice, key="a1")
    join(kit, bob)

    second = join(kit, alice, key="a2")

    assert first["position"] == second["position"] == 1
    assert QueueEntry.objects.filter(customer=alice).count() == 1


def test_joins_are_limited_per_account(settings, sale_kit, buyers):
    settings.FLASHSALE_JOINS_PER_ACCOUNT_PER_MINUTE = 2
    kit = sale_kit(units=1)
    [buyer] = buyers(1)
    join(kit, buyer)
    join(kit, buyer)

    with pytest.raises(FlashSaleRefusal) as refused:
        join(kit, buyer)

    assert (refused.value.code, refused.value.status) == ("rate_limited", 429)


def test_joins_are_limited_per_client_address(settings, sale_kit, buyers):
    settings.FLASHSALE_JOINS_PER_IP_PER_MINUTE = 2
    kit = sale_kit(units=1)
    a, b, c, d = buyers(4)
    join(kit, a, ip="192.0.2.10")
    join(kit, b, ip="192.0.2.10")

    with pytest.raises(FlashSaleRefusal) as refused:
        join(kit, c, ip="192.0.2.10")
    elsewhere = join(kit, d, ip="192.0.2.11")

    assert refused.value.code == "rate_limited"
    assert elsewhere["place"] == "pre"
    assert not QueueEntry.objects.filter(customer=c).exists()


def test_only_customer_accounts_join(sale_kit, dealer_staff):
    kit = sale_kit(units=1)

    with pytest.raises(FlashSaleRefusal) as refused:
        join(kit, dealer_staff)

    assert refused.value.code == "customers_only"


def test_polls_are_limited_per_account(settings, sale_kit, buyers):
    settings.FLASHSALE_POLLS_PER_ACCOUNT_PER_MINUTE = 3
    kit = sale_kit(units=1)
    [buyer] = buyers(1)
    join(kit, buyer)  # answers with one status read
    services.queue_status(info=kit.info, customer_id=buyer.pk)
    services.queue_status(info=kit.info, customer_id=buyer.pk)

    with pytest.raises(FlashSaleRefusal) as refused:
        services.queue_status(info=kit.info, customer_id=buyer.pk)

    assert refused.value.code == "rate_limited"


def test_a_join_just_after_opening_now_is_not_drawn_even_with_a_stale_sale_info(sale_kit, buyers):
    """Issue #11, defect 9: in the seconds after « Ouvrir maintenant » a process may still believe
    the sale is announced (its cached sale info); the join must not enter the pre-queue draw."""
    # Given two buyers in the pre-queue, and a process whose sale info predates the opening
    kit = sale_kit(units=1, opens_at=timezone.now() + dt.timedelta(hours=1))
    early = buyers(2)
    for buyer in early:
        join(kit, buyer)
    stale = kit.info
    kit.open()
    (late,) = buyers(1)

    # When the late buyer joins through that process
    challenge = challenge_issue(
        sale_id=stale.sale_id, customer_id=late.pk, difficulty_bits=stale.pow_difficulty_bits
    )
    services.queue_join(
        info=stale,
        customer=late,
        client_ip="203.0.113.9",
        challenge=challenge,
        nonce=proof_of_work_solve(challenge, stale.pow_difficulty_bits),
        idempotency_key="late",
    )

    # Then the late buyer is in the line after the drawn ones, now and after a rebuild
    assert QueueEntry.objects.get(customer=late).pre_queue is False
    services.waiting_room_restore(sale_id=kit.sale.pk)
    positions = {b: status(kit, b) for b in [*early, late]}
    assert positions[late].get("position") == 2
    assert [positions[b]["place"] for b in early].count("admitted") == 1


@pytest.mark.parametrize(
    ("crowd", "outsider"),
    [
        (["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"], "198.51.100.1"),
        (
            ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2::a", "2001:db8:1:2::ff"],
            "2001:db8:1:3::1",
        ),
    ],
)
def test_joins_spread_over_one_network_share_its_limit(sale_kit, buyers, settings, crowd, outsider):
    """Issue #11, defect 8: one bot with many addresses of one /24 (or IPv6 /64)."""
    # Given a network budget of 3 joins a minute, well under the per-address one
    settings.FLASHSALE_JOINS_PER_NETWORK_PER_MINUTE = 3
    settings.FLASHSALE_JOINS_PER_IP_PER_MINUTE = 100
    kit = sale_kit(units=1)
    accounts = buyers(len(crowd) + 1)

    # When four accounts join from four addresses of the network, then one from elsewhere
    for account, address in zip(accounts[:3], crowd[:3], strict=True):
        join(kit, account, ip=address)
    with pytest.raises(FlashSaleRefusal) as refused:
        join(kit, accounts[3], ip=crowd[3])
    join(kit, accounts[4], ip=outsider)

    # Then the fourth is refused, the other network is not
    assert refused.value.code == "rate_limited"
    assert set(QueueEntry.objects.values_list("customer_id", flat=True)) == {
        a.pk for a in [*accounts[:3], accounts[4]]
    }

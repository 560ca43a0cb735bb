"""Claiming a unit: admitted buyers get one hold each, retries replay, tokens are single-use."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from autovitrine.flashsales.errors import FlashSaleRefusal
from autovitrine.flashsales.models import Hold, QueueEntry, SaleEvent, SaleUnit

from .factories import claim, direct_token, join, poll_all, status


def test_admitted_buyer_holds_one_unit_for_the_hold_duration(sale_kit, buyers):
    # Given an open sale of 2 units and a buyer who joined before the opening
    kit = sale_kit(units=2, hold_seconds=600)
    [buyer] = buyers(1)
    join(kit, buyer)
    kit.open()

    # When the buyer's page polls, it is admitted with a token; the buyer claims
    admitted = status(kit, buyer)
    assert admitted["place"] == "admitted"
    answer = claim(kit, buyer, admitted["admission"]["token"])

    # Then one unit is held by this buyer for about 10 minutes, and the room shows it
    unit = SaleUnit.objects.get(pk=answer.unit_id)
    assert unit.status == SaleUnit.Status.HELD
    assert unit.holder_id == buyer.pk
    remaining = (unit.held_until - timezone.now()).total_seconds()
    assert 590 < remaining <= 600
    hold = Hold.objects.get(ref=answer.hold_ref)
    assert (hold.customer_id, hold.status, hold.delivering_dealer_id) == (
        buyer.pk,
        Hold.Status.ACTIVE,
        unit.dealer_id,
    )
    assert QueueEntry.objects.get(customer=buyer).status == QueueEntry.Status.CLAIMED
    after = status(kit, buyer)
    assert after["place"] == "holding"
    assert after["units"] == {"available": 1, "held": 1, "sold": 0, "total": 2, "left": 2}
    assert list(
        SaleEvent.objects.filter(subject="unit", subject_id=unit.pk).values_list(
            "from_status", "to_status"
        )
    ) == [("available", "held")]


def test_a_retried_claim_with_the_same_key_returns_the_first_hold(sale_kit, buyers):
    kit = sale_kit(units=3)
    [buyer] = buyers(1)
    join(kit, buyer)
    kit.open()
    token = status(kit, buyer)["admission"]["token"]

    first = claim(kit, buyer, token, key="retry-me")
    again = claim(kit, buyer, token, key="retry-me")

    assert again == first
    assert SaleUnit.objects.filter(holder=buyer).count() == 1
    assert Hold.objects.filter(customer=buyer).count() == 1


def test_an_admission_token_works_once(sale_kit, buyers):
    kit = sale_kit(units=3)
    [buyer] = buyers(1)
    join(kit, buyer)
    kit.open()
    token = status(kit, buyer)["admission"]["token"]
    claim(kit, buyer, token, key="first")

    with pytest.raises(FlashSaleRefusal) as refused:
        claim(kit, buyer, token, key="second")

    assert refused.value.code == "admission_used"
    assert SaleUnit.objects.filter(holder=buyer).count() == 1


def test_a_token_is_bound_to_its_customer_and_sale(sale_kit, buyers):
    kit = sale_kit(units=3)
    alice, bob = buyers(2)
    join(kit, alice)
    join(kit, bob)
    kit.open()
    alice_token = status(kit, alice)["admission"]["token"]

    with pytest.raises(FlashSaleRefusal) as stolen:
        claim(kit, bob, alice_token)
    with pytest.raises(FlashSaleRefusal) as forged:
        claim(kit, bob, alice_token[:-3] + "abc")

    assert stolen.value.code == "token_invalid"
    assert forged.value.code == "token_invalid"
    assert not SaleUnit.objects.filter(holder=bob).exists()


def test_an_admission_past_its_deadline_is_refused(sale_kit, buyers):
    kit = sale_kit(units=1)
    [buyer] = buyers(1)
    join(kit, buyer)
    kit.open()

    with pytest.raises(FlashSaleRefusal) as refused:
        claim(kit, buyer, direct_token(kit, buyer, seconds=-1))

    assert refused.value.code == "token_expired"
    assert SaleUnit.objects.get().status == SaleUnit.Status.AVAILABLE


def test_when_every_unit_is_held_a_claim_is_refused_and_the_place_kept(sale_kit, buyers):
    # Given one unit, held by the buyer the draw put first
    kit = sale_kit(units=1)
    pair = buyers(2)
    for buyer in pair:
        join(kit, buyer)
    kit.open()
    tokens, [second] = poll_all(kit, pair)
    [(first, token)] = tokens.items()
    claim(kit, first, token)

    # When the other claims with an admission the room never gave them
    with pytest.raises(FlashSaleRefusal) as refused:
        claim(kit, second, direct_token(kit, second))

    # Then nothing is held for them, their place still waits, and the page says all are held
    assert refused.value.code == "no_unit"
    assert SaleUnit.objects.get().holder_id == first.pk
    assert QueueEntry.objects.get(customer=second).status == QueueEntry.Status.WAITING
    page = status(kit, second)
    assert (page["place"], page["position"], page["all_held"]) == ("waiting", 1, True)


def test_the_database_refuses_a_second_unit_for_the_same_customer(sale_kit, buyers):
    kit = sale_kit(units=2)
    [buyer] = buyers(1)
    join(kit, buyer)
    kit.open()
    claim(kit, buyer, status(kit, buyer)["admission"]["token"])
    other = SaleUnit.objects.filter(status=SaleUnit.Status.AVAILABLE).get()

    with pytest.raises(IntegrityError), transaction.atomic():
        SaleUnit.objects.filter(pk=other.pk).update(
            status=SaleUnit.Status.HELD,
            holder=buyer,
            held_until=timezone.now() + dt.timedelta(minutes=5),
            hold_ref="6b0f0d4e-8b4f-4b0e-9c49-7b5d2f1c7e10",
        )


def test_a_vehicle_cannot_be_in_two_sales_that_are_not_closed(sale_kit):
    kit = sale_kit(units=1)
    unit = SaleUnit.objects.get()
    second = type(kit.sale).objects.create(
        brand=kit.sale.brand,
        title="Autre",
        slug="autre",
        price_ttc=1_000_000,
        deposit_ttc=10_000,
        opens_at=timezone.now(),
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        SaleUnit.objects.create(sale=second, stock_vehicle=unit.stock_vehicle, dealer=unit.dealer)


def test_a_buyer_not_in_the_queue_cannot_claim(sale_kit, buyers):
    kit = sale_kit(units=1)
    [buyer] = buyers(1)
    kit.open()

    with pytest.raises(FlashSaleRefusal) as refused:
        claim(kit, buyer, direct_token(kit, buyer))

    assert refused.value.code == "not_in_queue"

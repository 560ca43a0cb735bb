"""Redis unreachable in the middle of a sale: fairness suffers, correctness does not."""

from __future__ import annotations

import pytest
from django.urls import reverse

from autovitrine.flashsales import services
from autovitrine.flashsales.errors import FlashSaleRefusal
from autovitrine.flashsales.models import Purchase, QueueEntry, SaleUnit
from autovitrine.flashsales.queue import waiting_room

from .factories import claim, direct_token, join, poll_all


def test_with_redis_unreachable_claims_and_payments_stay_correct(
    settings, client_as, sale_kit, buyers
):
    # Given an open sale of one unit with two buyers in line
    kit = sale_kit(units=1)
    pair = buyers(2)
    for buyer in pair:
        join(kit, buyer)
    kit.open()
    tokens, [second] = poll_all(kit, pair)
    [(first, token)] = tokens.items()

    # When Redis stops answering
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    waiting_room.cache_clear()

    # Then the waiting page gets a clear "try again", and a join is recorded for the rebuild
    client, newcomer = client_as("customer")
    response = client.get(reverse("flashsales:status", kwargs={"slug": kit.sale.slug}))
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "queue_unavailable"
    with pytest.raises(FlashSaleRefusal) as unavailable:
        join(kit, newcomer)
    assert unavailable.value.code == "queue_unavailable"
    assert QueueEntry.objects.filter(customer=newcomer).exists()

    # and the admitted buyer still holds and buys the car, and nobody else can take it
    held = claim(kit, first, token)
    with pytest.raises(FlashSaleRefusal) as refused:
        claim(kit, second, direct_token(kit, second))
    payment = services.purchase_start(hold_ref=held.hold_ref, customer=first).purchase
    services.purchase_confirm(payment_ref=payment.payment_ref)
    assert refused.value.code == "no_unit"
    assert SaleUnit.objects.get().sold_to_id == first.pk
    assert Purchase.objects.get().status == Purchase.Status.PAID

"""Holds expire and come back; the deposit payment turns a live hold into a sale, exactly once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from autovitrine.flashsales import services
from autovitrine.flashsales.errors import FlashSaleRefusal
from autovitrine.flashsales.models import (
    FlashSale,
    Hold,
    Purchase,
    QueueEntry,
    SaleUnit,
)
from autovitrine.inventory.models import StockVehicle
from autovitrine.payments.models import Payment
from autovitrine.testing import factories as f
from autovitrine.testing.payments import settle

from .factories import claim, direct_token, join, poll_all, status


def _expire(hold_ref: str) -> None:
    """Let a hold's time run out: its deadline moves into the past, as the room then sees it."""
    past = timezone.now() - dt.timedelta(seconds=5)
    SaleUnit.objects.filter(hold_ref=hold_ref).update(held_until=past)
    Hold.objects.filter(ref=hold_ref).update(expires_at=past)
    services.sale_sync(sale_id=Hold.objects.get(ref=hold_ref).sale_id)


def _holding(kit, customers):
    """Open the sale, let every admitted buyer claim; returns {buyer: claim answer}, waiting."""
    kit.open()
    tokens, waiting = poll_all(kit, customers)
    return {buyer: claim(kit, buyer, token) for buyer, token in tokens.items()}, waiting


def _pay(buyer, answer, *, key: str = "pay-1") -> services.PaymentStep:
    return services.purchase_start(hold_ref=answer.hold_ref, customer=buyer, idempotency_key=key)


def test_paying_the_deposit_sells_the_unit_and_the_stock_vehicle(sale_kit, buyers):
    kit = sale_kit(units=2)
    [buyer] = buyers(1)
    join(kit, buyer)
    held, _ = _holding(kit, [buyer])

    step = _pay(buyer, held[buyer])
    settle(Payment.objects.get(pk=step.purchase.payment_ref))  # the provider's webhook
    paid = Purchase.objects.get()

    unit = SaleUnit.objects.get(pk=held[buyer].unit_id)
    assert (unit.status, unit.sold_to_id, unit.payment_ref) == (
        SaleUnit.Status.SOLD,
        buyer.pk,
        step.purchase.payment_ref,
    )
    assert (paid.status, paid.amount_ttc) == (Purchase.Status.PAID, 50_000)
    assert Hold.objects.get(ref=held[buyer].hold_ref).status == Hold.Status.PAID
    assert QueueEntry.objects.get(customer=buyer).status == QueueEntry.Status.PURCHASED
    assert StockVehicle.objects.get(pk=unit.stock_vehicle_id).status == StockVehicle.Status.SOLD
    assert status(kit, buyer)["place"] == "done"


def test_a_retried_pay_returns_the_same_payment(sale_kit, buyers):
    kit = sale_kit(units=1)
    [buyer] = buyers(1)
    join(kit, buyer)
    held, _ = _holding(kit, [buyer])

    first = _pay(buyer, held[buyer], key="k1")
    again = _pay(buyer, held[buyer], key="k1")
    other_key = _pay(buyer, held[buyer], key="k2")

    assert first.purchase.pk == again.purchase.pk == other_key.purchase.pk
    assert first.purchase.payment_ref == again.purchase.payment_ref
    assert Payment.objects.count() == 1
    assert Payment.objects.get().reference == first.purchase.reference


def test_a_confirmation_delivered_twice_sells_one_unit(sale_kit, buyers):
    kit = sale_kit(units=2)
    [buyer] = buyers(1)
    join(kit, buyer)
    held, _ = _holding(kit, [buyer])
    step = _pay(buyer, held[buyer])

    services.purchase_confirm(payment_ref=step.purchase.payment_ref)
    services.purchase_confirm(payment_ref=step.purchase.payment_ref)

    assert SaleUnit.objects.filter(status=SaleUnit.Status.SOLD).count() == 1
    assert Purchase.objects.get().status == Purchase.Status.PAID


def test_the_last_sale_marks_the_sale_sold_out_and_tells_the_queue(sale_kit, buyers):
    kit = sale_kit(units=1)
    first, late = buyers(2)
    join(kit, first)
    held, _ = _holding(kit, [first])
    join(kit, late)

    services.purchase_confirm(payment_ref=_pay(first, held[first]).purchase.payment_ref)

    kit.sale.refresh_from_db()
    assert kit.sale.status == FlashSale.Status.SOLD_OUT
    page = status(kit, late)
    assert (page["sold_out"], page["poll_ms"], page["units"]["left"]) == (True, 0, 0)
    with pytest.raises(FlashSaleRefusal) as refused:
        join(kit, f.UserFactory())
    assert refused.value.code == "sold_out"


def test_a_late_confirmation_after_the_hold_expired_is_refunded_not_sold(
    sale_kit, buyers, django_capture_on_commit_callbacks
):
    # Given a buyer who started paying, then let the hold run out
    kit = sale_kit(units=1)
    [buyer] = buyers(1)
    join(kit, buyer)
    held, _ = _holding(kit, [buyer])
    step = _pay(buyer, held[buyer])
    _expire(held[buyer].hold_ref)

    # When the provider confirms the payment afterwards (refunded once that is committed)
    with django_capture_on_commit_callbacks(execute=True):
        settle(Payment.objects.get(pk=step.purchase.payment_ref))

    # Then the money goes back (head office is told) and the unit is free again, not sold
    assert Purchase.objects.get().status == Purchase.Status.REFUNDED
    assert Payment.objects.get().status == Payment.Status.REFUNDED
    assert Payment.objects.get().review_reason == Payment.ReviewReason.PAID_TOO_LATE
    unit = SaleUnit.objects.get()
    assert (unit.status, unit.holder_id, unit.sold_to_id) == (SaleUnit.Status.AVAILABLE, None, None)
    assert Hold.objects.get().status == Hold.Status.EXPIRED
    assert QueueEntry.objects.get(customer=buyer).status == QueueEntry.Status.LAPSED


def test_a_late_confirmation_never_takes_the_unit_from_its_next_holder(sale_kit, buyers):
    kit = sale_kit(units=1)
    first, second = buyers(2)
    join(kit, first)
    held, _ = _holding(kit, [first])
    step = _pay(first, held[first])
    _expire(held[first].hold_ref)
    join(kit, second)
    second_hold = claim(kit, second, status(kit, second)["admission"]["token"])

    services.purchase_confirm(payment_ref=step.purchase.payment_ref)

    unit = SaleUnit.objects.get()
    assert (unit.status, unit.holder_id, str(unit.hold_ref)) == (
        SaleUnit.Status.HELD,
        second.pk,
        second_hold.hold_ref,
    )
    assert Purchase.objects.get().status == Purchase.Status.REFUNDED


def test_a_refused_payment_gives_the_unit_to_the_next_in_line(sale_kit, buyers):
    kit = sale_kit(units=1)
    group = buyers(3)
    for buyer in group:
        join(kit, buyer)
    held, waiting = _holding(kit, group)
    [(holder, answer)] = held.items()
    next_in_line = min(waiting, key=lambda b: status(kit, b)["position"])
    assert status(kit, next_in_line)["all_held"] is True

    services.purchase_fail(payment_ref=_pay(holder, answer).purchase.payment_ref)

    assert SaleUnit.objects.get().status == SaleUnit.Status.AVAILABLE
    assert Hold.objects.get().status == Hold.Status.RELEASED
    assert status(kit, next_in_line)["place"] == "admitted"
    others = [b for b in waiting if b != next_in_line]
    assert [status(kit, b)["position"] for b in others] == [1]


def test_expired_holds_are_released_and_claimed_again(sale_kit, buyers):
    kit = sale_kit(units=2)
    group = buyers(4)
    for buyer in group:
        join(kit, buyer)
    held, waiting = _holding(kit, group)
    assert len(held) == 2
    for answer in held.values():
        _expire(answer.hold_ref)

    released = services.holds_release_expired(sale_id=kit.sale.pk)
    tokens, still_waiting = poll_all(kit, waiting)
    again = {buyer: claim(kit, buyer, token) for buyer, token in tokens.items()}

    assert released == 2
    assert set(again) == set(waiting) and still_waiting == []
    assert set(SaleUnit.objects.values_list("holder_id", flat=True)) == {b.pk for b in waiting}
    assert Hold.objects.filter(status=Hold.Status.EXPIRED).count() == 2
    assert {e.status for e in QueueEntry.objects.filter(customer__in=held)} == {"lapsed"}


def test_a_poll_after_a_hold_ran_out_releases_it(sale_kit, buyers):
    kit = sale_kit(units=1)
    first, second = buyers(2)
    join(kit, first)
    join(kit, second)
    held, [waiting] = _holding(kit, [first, second])
    [answer] = held.values()
    _expire(answer.hold_ref)

    page = status(kit, waiting)

    assert page["place"] == "admitted"
    assert SaleUnit.objects.get().status == SaleUnit.Status.AVAILABLE


def test_an_expired_hold_is_taken_over_by_the_next_claim_directly(sale_kit, buyers):
    kit = sale_kit(units=1)
    first, second = buyers(2)
    join(kit, first)
    held, _ = _holding(kit, [first])
    _expire(held[first].hold_ref)
    join(kit, second)

    taken = claim(kit, second, direct_token(kit, second))

    assert taken.unit_id == held[first].unit_id
    assert Hold.objects.get(ref=held[first].hold_ref).status == Hold.Status.EXPIRED
    assert QueueEntry.objects.get(customer=first).status == QueueEntry.Status.LAPSED


def test_a_buyer_whose_hold_lapsed_may_join_again_at_the_back(sale_kit, buyers):
    kit = sale_kit(units=1)
    first, second = buyers(2)
    join(kit, first)
    held, _ = _holding(kit, [first])
    _expire(held[first].hold_ref)
    services.holds_release_expired(sale_id=kit.sale.pk)
    join(kit, second)

    again = join(kit, first)

    assert again["place"] == "waiting" and again["position"] == 1
    assert status(kit, second)["place"] == "admitted"
    assert QueueEntry.objects.get(customer=first).status == QueueEntry.Status.WAITING


def test_paying_an_expired_hold_is_refused(sale_kit, buyers):
    kit = sale_kit(units=1)
    [buyer] = buyers(1)
    join(kit, buyer)
    held, _ = _holding(kit, [buyer])
    _expire(held[buyer].hold_ref)

    with pytest.raises(FlashSaleRefusal) as refused:
        _pay(buyer, held[buyer])

    assert refused.value.code == "hold_expired"
    assert not Purchase.objects.exists()


def test_the_buyer_picks_the_delivering_dealer_when_the_sale_allows_it(
    sale_kit, buyers, other_dealer
):
    kit = sale_kit(units=1, dealer_choice_allowed=True)
    [buyer] = buyers(1)
    join(kit, buyer)
    held, _ = _holding(kit, [buyer])

    hold = services.hold_choose_dealer(
        hold_ref=held[buyer].hold_ref, customer=buyer, dealer_id=other_dealer.pk
    )
    purchase = services.purchase_confirm(payment_ref=_pay(buyer, held[buyer]).purchase.payment_ref)

    assert hold.delivering_dealer_id == other_dealer.pk
    assert purchase.delivering_dealer_id == other_dealer.pk


def test_the_dealer_cannot_be_changed_when_the_sale_does_not_allow_it(
    sale_kit, buyers, other_dealer
):
    kit = sale_kit(units=1)
    [buyer] = buyers(1)
    join(kit, buyer)
    held, _ = _holding(kit, [buyer])

    with pytest.raises(FlashSaleRefusal) as refused:
        services.hold_choose_dealer(
            hold_ref=held[buyer].hold_ref, customer=buyer, dealer_id=other_dealer.pk
        )

    assert refused.value.code == "dealer_choice_closed"
    assert Hold.objects.get().delivering_dealer_id == SaleUnit.objects.get().dealer_id


def test_closing_the_sale_returns_unsold_cars_to_stock(sale_kit, buyers):
    kit = sale_kit(units=3)
    [buyer] = buyers(1)
    join(kit, buyer)
    held, _ = _holding(kit, [buyer])
    services.purchase_confirm(payment_ref=_pay(buyer, held[buyer]).purchase.payment_ref)

    services.sale_close(sale_id=kit.sale.pk, by=kit.head_office)

    statuses = sorted(StockVehicle.objects.values_list("status", flat=True))
    assert statuses == ["available", "available", "sold"]
    assert not SaleUnit.objects.filter(is_active=True).exists()
    assert status(kit, buyer)["state"] == "closed"


def test_the_units_dealer_staff_is_emailed_when_it_is_sold(
    sale_kit, buyers, dealer, mailoutbox, django_capture_on_commit_callbacks
):
    # Given a buyer holding a unit of the dealer's stock, and the dealer's salesman
    f.DealerStaffFactory(dealer=dealer, user__email="vendeur-flash@example.fr")
    kit = sale_kit(units=1)
    [buyer] = buyers(1)
    join(kit, buyer)
    held, _ = _holding(kit, [buyer])
    step = _pay(buyer, held[buyer])
    mailoutbox.clear()

    # When the deposit is confirmed
    with django_capture_on_commit_callbacks(execute=True):
        settle(Payment.objects.get(pk=step.purchase.payment_ref))

    # Then
    unit = SaleUnit.objects.select_related("stock_vehicle").get()
    told = [m for m in mailoutbox if m.to == ["vendeur-flash@example.fr"]]
    assert len(told) == 1
    assert told[0].subject == f"Vente flash : {unit.stock_vehicle.title} vendu"
    assert unit.stock_vehicle.vin in told[0].body

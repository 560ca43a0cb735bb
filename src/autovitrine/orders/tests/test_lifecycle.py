"""The order's life at the dealer: confirm or decline, production, ready, delivered, trade-in."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from autovitrine.inventory.models import StockVehicle
from autovitrine.orders.models import Order
from autovitrine.orders.services import (
    FactorySpec,
    order_confirm,
    order_decline,
    order_deliver,
    order_mark_ready,
    order_place_factory,
    order_start_production,
    order_trade_in_accept,
    order_trade_in_attach,
    order_trade_in_decline,
    order_trade_in_offer,
)
from autovitrine.payments.models import Payment
from autovitrine.testing import factories as f
from autovitrine.tradein.models import TradeIn
from autovitrine.tradein.tests.factories import TradeInFactory

from .conftest import pay

TRADE_IN_VIN = "VF3ABC00012345678"


def statuses(order: Order) -> list[str]:
    return [e.to_status for e in order.events.all() if e.is_transition]


def test_the_dealer_confirms_a_paid_order(paid_order, dealer, dealer_staff):
    # When
    order = order_confirm(number=paid_order.number, dealer_id=dealer.pk, by=dealer_staff)

    # Then
    assert order.status == Order.Status.CONFIRMED
    assert order.events.last().by == dealer_staff


def test_another_dealer_cannot_touch_the_order(paid_order, other_dealer, other_dealer_staff):
    # When / Then
    with pytest.raises(Order.DoesNotExist):
        order_confirm(number=paid_order.number, dealer_id=other_dealer.pk, by=other_dealer_staff)


def test_an_unpaid_order_cannot_be_confirmed(place, dealer, dealer_staff):
    # Given
    order = place()

    # When / Then
    with pytest.raises(ValidationError, match="n'est plus possible"):
        order_confirm(number=order.number, dealer_id=dealer.pk, by=dealer_staff)


def test_declining_needs_a_reason(paid_order, dealer, dealer_staff):
    # When
    with pytest.raises(ValidationError) as exc:
        order_decline(number=paid_order.number, dealer_id=dealer.pk, by=dealer_staff, reason=" ")

    # Then
    assert exc.value.message_dict == {"reason": ["Indiquez le motif du refus."]}
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.DEPOSIT_PAID


def test_declining_frees_the_car_and_refunds_the_deposit(
    paid_order, vehicle, dealer, dealer_staff, mailoutbox, django_capture_on_commit_callbacks
):
    # When
    with django_capture_on_commit_callbacks(execute=True):
        order = order_decline(
            number=paid_order.number,
            dealer_id=dealer.pk,
            by=dealer_staff,
            reason="Véhicule endommagé au transport.",
        )

    # Then
    vehicle.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.cancel_reason == "Refusée par la concession : Véhicule endommagé au transport."
    assert vehicle.status == StockVehicle.Status.AVAILABLE
    assert order.deposit_payment.status == Payment.Status.REFUNDED
    assert [mail.subject for mail in mailoutbox] == [
        f"Commande {order.number} : Annulée",
        f"Commande {order.number} : du nouveau",
    ]
    assert "Acompte de 1\u202f500\u00a0€ remboursé." in mailoutbox[1].body


def test_a_stock_order_goes_from_confirmed_to_delivered_and_the_car_is_sold(
    paid_order, vehicle, dealer, dealer_staff
):
    # Given
    order_confirm(number=paid_order.number, dealer_id=dealer.pk, by=dealer_staff)

    # When
    order_mark_ready(number=paid_order.number, dealer_id=dealer.pk, by=dealer_staff)
    order = order_deliver(number=paid_order.number, dealer_id=dealer.pk, by=dealer_staff)

    # Then
    vehicle.refresh_from_db()
    assert statuses(order) == ["draft", "deposit_paid", "confirmed", "ready", "delivered"]
    assert order.delivered_at is not None
    assert vehicle.status == StockVehicle.Status.SOLD


def test_a_stock_order_does_not_go_into_production(paid_order, dealer, dealer_staff):
    # Given
    order_confirm(number=paid_order.number, dealer_id=dealer.pk, by=dealer_staff)

    # When / Then
    with pytest.raises(Order.DoesNotExist):
        order_start_production(number=paid_order.number, dealer_id=dealer.pk)


def test_a_factory_order_is_built_before_it_is_ready(
    customer, dealer, dealer_staff, identity, malus_scale
):
    # Given a confirmed factory order
    version = f.VersionFactory()
    order = order_place_factory(
        customer=customer,
        spec=FactorySpec(model_code=version.car_model.code, version_code=version.code),
        dealer_id=dealer.pk,
        identity=identity,
        idempotency_key="factory",
    )
    pay(order)
    order_confirm(number=order.number, dealer_id=dealer.pk, by=dealer_staff)

    # When
    with pytest.raises(ValidationError) as too_early:
        order_mark_ready(number=order.number, dealer_id=dealer.pk, by=dealer_staff)
    order_start_production(number=order.number)
    order_mark_ready(number=order.number, dealer_id=dealer.pk, by=dealer_staff)
    order = order_deliver(number=order.number, dealer_id=dealer.pk, by=dealer_staff)

    # Then
    assert too_early.value.messages == [
        "La voiture n'est pas encore produite : elle ne peut pas être prête."
    ]
    assert statuses(order) == [
        "draft",
        "deposit_paid",
        "confirmed",
        "in_production",
        "ready",
        "delivered",
    ]


def test_delivering_before_ready_is_refused(paid_order, dealer, dealer_staff, vehicle):
    # When / Then
    with pytest.raises(ValidationError, match="n'est plus possible"):
        order_deliver(number=paid_order.number, dealer_id=dealer.pk, by=dealer_staff)
    vehicle.refresh_from_db()
    assert vehicle.status == StockVehicle.Status.RESERVED


def test_each_transition_e_mails_the_buyer(
    paid_order, dealer, dealer_staff, mailoutbox, django_capture_on_commit_callbacks
):
    # When
    with django_capture_on_commit_callbacks(execute=True):
        order_confirm(number=paid_order.number, dealer_id=dealer.pk, by=dealer_staff)
        order_mark_ready(number=paid_order.number, dealer_id=dealer.pk, by=dealer_staff)
        order_deliver(number=paid_order.number, dealer_id=dealer.pk, by=dealer_staff)

    # Then
    number = paid_order.number
    assert [mail.subject for mail in mailoutbox] == [
        f"Commande {number} : Confirmée par la concession",
        f"Commande {number} : Prête à être livrée",
        f"Commande {number} : Livrée",
    ]


@pytest.fixture
def trade_in(customer):
    return TradeInFactory(customer=customer, estimate_cents=700_000)


def test_the_trade_in_offer_is_deducted_once_accepted_and_the_car_enters_stock(
    paid_order, trade_in, customer, dealer, dealer_staff
):
    # Given the buyer adds a trade-in; the dealer revises the offer
    number = paid_order.number
    order_trade_in_attach(number=number, customer_id=customer.pk, trade_in_id=trade_in.pk)
    order_trade_in_offer(
        number=number,
        dealer_id=dealer.pk,
        by=dealer_staff,
        amount_cents=650_000,
        note="Rayures sur la portière.",
    )
    balance_before = Order.objects.get(number=number).balance_cents

    # When
    order = order_trade_in_accept(number=number, customer_id=customer.pk)
    order_confirm(number=number, dealer_id=dealer.pk, by=dealer_staff)
    order_mark_ready(number=number, dealer_id=dealer.pk, by=dealer_staff)
    order_deliver(number=number, dealer_id=dealer.pk, by=dealer_staff, trade_in_vin=TRADE_IN_VIN)

    # Then
    trade_in.refresh_from_db()
    used = StockVehicle.objects.get(vin=TRADE_IN_VIN)
    assert balance_before == 2_425_476
    assert order.trade_in_cents == 650_000
    assert order.balance_cents == 1_775_476
    assert trade_in.status == TradeIn.Status.RECEIVED
    assert (used.dealer, used.condition, used.status) == (dealer, "used", "available")
    assert [e.note for e in order.events.all() if not e.is_transition] == [
        "Reprise ajoutée : Peugeot 308, estimée 7\u202f000\u00a0€.",
        "Offre de reprise de la concession : 6\u202f500\u00a0€. Rayures sur la portière.",
        "Offre de reprise acceptée : 6\u202f500\u00a0€ déduits du solde.",
    ]


def test_a_declined_trade_in_offer_is_not_deducted_and_not_taken(
    paid_order, trade_in, customer, dealer, dealer_staff
):
    # Given
    number = paid_order.number
    order_trade_in_attach(number=number, customer_id=customer.pk, trade_in_id=trade_in.pk)
    order_trade_in_offer(number=number, dealer_id=dealer.pk, by=dealer_staff)

    # When
    order = order_trade_in_decline(number=number, customer_id=customer.pk)
    order_confirm(number=number, dealer_id=dealer.pk, by=dealer_staff)
    order_mark_ready(number=number, dealer_id=dealer.pk, by=dealer_staff)
    order_deliver(number=number, dealer_id=dealer.pk, by=dealer_staff)

    # Then
    trade_in.refresh_from_db()
    assert order.trade_in_cents == 0
    assert trade_in.status == TradeIn.Status.CANCELLED
    assert StockVehicle.objects.filter(condition="used").count() == 0


def test_an_order_cannot_take_someone_elses_trade_in(paid_order, customer):
    # Given
    foreign = TradeInFactory()

    # When / Then
    with pytest.raises(TradeIn.DoesNotExist):
        order_trade_in_attach(
            number=paid_order.number, customer_id=customer.pk, trade_in_id=foreign.pk
        )

"""Paying the deposit: a paid one makes the contract; a refused one can be paid again while the
draft holds the car; a late one frees the car."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from autovitrine.inventory.models import StockVehicle
from autovitrine.orders.models import Order
from autovitrine.orders.services import (
    DRAFT_LIFETIME,
    order_cancel_draft,
    order_expire_drafts,
    order_pay_deposit,
)
from autovitrine.payments import conf
from autovitrine.payments.models import Payment
from autovitrine.payments.providers.simulated import SimulatedProvider

from .conftest import RETURN_URL, pay, settle


def transitions(order: Order) -> list[tuple[str, str]]:
    return [(e.from_status, e.to_status) for e in order.events.all() if e.is_transition]


def test_paying_the_deposit_makes_the_contract(
    place, mailoutbox, django_capture_on_commit_callbacks
):
    # Given
    order = place()

    # When
    with django_capture_on_commit_callbacks(execute=True):
        order = pay(order)

    # Then
    assert order.status == Order.Status.DEPOSIT_PAID
    assert order.contract_at is not None
    assert order.deposit_payment.status == Payment.Status.SUCCEEDED
    assert order.deposit_payment.amount_cents == 150_000
    assert transitions(order) == [("", "draft"), ("draft", "deposit_paid")]
    [to_buyer] = [m for m in mailoutbox if m.to == [order.email]]
    assert to_buyer.subject == f"Commande {order.number} : Acompte payé"
    assert "Acompte de 1\u202f500\u00a0€ reçu." in to_buyer.body


def test_the_payment_page_is_the_providers(place):
    # Given
    order = place()

    # When
    payment = order_pay_deposit(
        number=order.number, customer_id=order.customer_id, return_url=RETURN_URL
    )
    again = order_pay_deposit(
        number=order.number, customer_id=order.customer_id, return_url=RETURN_URL
    )

    # Then
    order.refresh_from_db()
    assert payment.redirect_url.startswith("/paiement/simulateur/")
    assert again.pk == payment.pk
    assert order.deposit_payment == payment


def test_a_refused_payment_keeps_the_draft_and_the_car_reserved(place, vehicle):
    # Given
    order = place()

    # When
    order = pay(order, paid=False)

    # Then
    vehicle.refresh_from_db()
    assert order.status == Order.Status.DRAFT
    assert order.cancel_reason == ""
    assert vehicle.status == StockVehicle.Status.RESERVED
    assert order.deposit_payment.status == Payment.Status.FAILED
    assert order.events.last().note.startswith("Paiement de l'acompte refusé : le véhicule reste")


def test_after_a_refusal_the_buyer_pays_again_with_a_new_payment(place, customer, vehicle):
    # Given
    refused = pay(place(), paid=False).deposit_payment

    # When
    retry = order_pay_deposit(
        number=refused.reference, customer_id=customer.pk, return_url=RETURN_URL
    )
    double_click = order_pay_deposit(
        number=refused.reference, customer_id=customer.pk, return_url=RETURN_URL
    )
    order = Order.objects.get(number=refused.reference)

    # Then one new payment, now the order's
    assert retry.pk != refused.pk and double_click.pk == retry.pk
    assert order.deposit_payment == retry
    assert Payment.objects.filter(reference=order.number).count() == 2

    # When it succeeds
    order = pay(order)

    # Then
    vehicle.refresh_from_db()
    assert order.status == Order.Status.DEPOSIT_PAID
    assert order.deposit_payment == retry
    assert vehicle.status == StockVehicle.Status.RESERVED


def test_a_late_refusal_of_an_older_payment_changes_nothing(place):
    # Given a refused payment, then a retry that succeeded
    order = pay(place(), paid=False)
    refused = order.deposit_payment
    order = pay(order)

    # When the old refusal is delivered again
    settle(refused, paid=False)

    # Then
    order.refresh_from_db()
    assert order.status == Order.Status.DEPOSIT_PAID


def test_no_payment_once_the_draft_has_expired(place, vehicle):
    # Given a draft older than its lifetime, not yet swept by the periodic job
    order = pay(place(), paid=False)
    Order.objects.filter(pk=order.pk).update(
        created_at=timezone.now() - DRAFT_LIFETIME - dt.timedelta(seconds=1)
    )

    # When / Then
    with pytest.raises(ValidationError) as caught:
        order_pay_deposit(number=order.number, customer_id=order.customer_id, return_url=RETURN_URL)
    assert caught.value.code == "draft_expired"
    assert order_expire_drafts() == 1
    vehicle.refresh_from_db()
    assert vehicle.status == StockVehicle.Status.AVAILABLE


def test_a_repeated_webhook_pays_once(place, post_webhook):
    # Given a paid order
    order = pay(place())
    body, signature = SimulatedProvider(secret=conf.simulator_secret()).webhook_for(
        provider_id=order.deposit_payment.provider_id, amount_cents=150_000, paid=True
    )

    # When the provider notifies the success again
    response = post_webhook("simulated", body, {"X-Simulator-Signature": signature})

    # Then
    assert response.status_code == 200
    assert transitions(order) == [("", "draft"), ("draft", "deposit_paid")]
    assert Payment.objects.count() == 1


def test_a_deposit_cannot_be_paid_twice(paid_order):
    # When / Then
    with pytest.raises(ValidationError, match="n'est plus à payer"):
        order_pay_deposit(
            number=paid_order.number, customer_id=paid_order.customer_id, return_url=RETURN_URL
        )


def test_a_provider_timeout_keeps_the_order_waiting_with_a_french_message(place, stripe, settings):
    # Given a slow provider
    settings.PAYMENT_PROVIDER = "stripe"
    settings.PAYMENT_TIMEOUT_SECONDS = 0.2
    stripe.delay_seconds = 0.6
    order = place()

    # When
    payment = order_pay_deposit(
        number=order.number, customer_id=order.customer_id, return_url=RETURN_URL
    )
    stripe.delay_seconds = 0
    stripe.wait_idle()
    retried = order_pay_deposit(
        number=order.number, customer_id=order.customer_id, return_url=RETURN_URL
    )

    # Then
    order.refresh_from_db()
    assert order.status == Order.Status.DRAFT
    assert payment.redirect_url == ""
    assert (
        payment.message == "Le service de paiement ne répond pas. Réessayez dans quelques instants."
    )
    assert retried.pk == payment.pk
    assert retried.redirect_url.startswith(stripe.base_url)


def test_the_buyer_can_abandon_a_draft(place, vehicle, customer):
    # Given
    order = place()

    # When
    order = order_cancel_draft(number=order.number, customer_id=customer.pk)

    # Then
    vehicle.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert vehicle.status == StockVehicle.Status.AVAILABLE


def test_unpaid_drafts_expire_and_release_their_cars(place, vehicle):
    # Given a draft placed 31 minutes ago
    order = place()
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - dt.timedelta(minutes=31))

    # When
    expired = order_expire_drafts()

    # Then
    order.refresh_from_db()
    vehicle.refresh_from_db()
    assert expired == 1
    assert order.status == Order.Status.CANCELLED
    assert vehicle.status == StockVehicle.Status.AVAILABLE


def test_the_expiry_command_reports_what_it_did(place):
    # Given
    order = place()
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - dt.timedelta(hours=2))
    out = io.StringIO()

    # When
    call_command("orders_expire_drafts", stdout=out)

    # Then
    assert out.getvalue() == "1 commande(s) expirée(s).\n"


def test_a_recent_draft_does_not_expire(place):
    # Given
    place()

    # When / Then
    assert order_expire_drafts() == 0


def test_money_arriving_after_expiry_is_refunded(place, django_capture_on_commit_callbacks):
    # Given the buyer opened the payment page, then the draft expired
    order = place()
    payment = order_pay_deposit(
        number=order.number, customer_id=order.customer_id, return_url=RETURN_URL
    )
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    order_expire_drafts()

    # When the buyer pays anyway
    with django_capture_on_commit_callbacks(execute=True):
        settle(payment)

    # Then
    order.refresh_from_db()
    # Then
    assert order.status == Order.Status.CANCELLED
    assert order.deposit_payment.status == Payment.Status.REFUNDED
    assert order.deposit_payment.review_reason == Payment.ReviewReason.PAID_TOO_LATE
    assert [e.note for e in order.events.all() if not e.is_transition][-2:] == [
        "Acompte reçu après l'annulation de la commande : il est remboursé.",
        "Acompte de 1\u202f500\u00a0€ remboursé.",
    ]

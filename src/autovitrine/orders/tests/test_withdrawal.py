"""The 14-day withdrawal right: online, with the deposit refunded; refused once the time is up."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from autovitrine.inventory.models import StockVehicle
from autovitrine.orders.models import Order
from autovitrine.orders.selectors import withdrawal_deadline
from autovitrine.orders.services import order_confirm, order_withdraw
from autovitrine.payments.models import Payment

PARIS = ZoneInfo("Europe/Paris")


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)


@pytest.fixture
def contracted(paid_order):
    """A paid order whose contract was made on Wednesday 4 March 2026."""
    Order.objects.filter(pk=paid_order.pk).update(contract_at=at(dt.date(2026, 3, 4), 18))
    paid_order.refresh_from_db()
    return paid_order


def test_withdrawing_within_14_days_refunds_the_deposit_and_frees_the_car(
    contracted, customer, vehicle, dealer, dealer_staff
):
    # Given the dealer has confirmed
    order_confirm(number=contracted.number, dealer_id=dealer.pk, by=dealer_staff)

    # When the buyer withdraws on the 14th day
    order = order_withdraw(
        number=contracted.number, customer_id=customer.pk, now=at(dt.date(2026, 3, 18), 23)
    )

    # Then
    vehicle.refresh_from_db()
    assert order.status == Order.Status.WITHDRAWN
    assert order.deposit_payment.status == Payment.Status.REFUNDED
    assert vehicle.status == StockVehicle.Status.AVAILABLE
    assert [e.note for e in order.events.all()][-2:] == [
        "Rétractation de l'acheteur.",
        "Acompte de 1\u202f500\u00a0€ remboursé.",
    ]


def test_withdrawing_after_14_days_is_refused_with_the_date(contracted, customer):
    # When
    with pytest.raises(ValidationError) as exc:
        order_withdraw(
            number=contracted.number, customer_id=customer.pk, now=at(dt.date(2026, 3, 19), 8)
        )

    # Then
    assert exc.value.messages == [
        "Le délai de rétractation de 14 jours a expiré le 18 mars 2026. Contactez votre concession."
    ]
    contracted.refresh_from_db()
    assert contracted.status == Order.Status.DEPOSIT_PAID
    assert contracted.deposit_payment.status == Payment.Status.SUCCEEDED


@pytest.mark.parametrize(
    ("contract_day", "deadline"),
    [
        (dt.date(2026, 3, 4), dt.date(2026, 3, 18)),  # Wednesday → Wednesday
        (dt.date(2026, 3, 7), dt.date(2026, 3, 23)),  # deadline Saturday 21 → Monday 23
        (dt.date(2026, 3, 8), dt.date(2026, 3, 23)),  # deadline Sunday 22 → Monday 23
    ],
)
def test_a_deadline_on_a_weekend_moves_to_monday(contract_day, deadline):
    assert withdrawal_deadline(at(contract_day)) == deadline


def test_a_draft_has_nothing_to_withdraw(place, customer):
    # Given
    order = place()

    # When / Then
    with pytest.raises(ValidationError, match="vous pouvez simplement annuler"):
        order_withdraw(number=order.number, customer_id=customer.pk)


def test_another_buyer_cannot_withdraw_the_order(contracted, other_dealer_staff):
    # When / Then
    with pytest.raises(Order.DoesNotExist):
        order_withdraw(number=contracted.number, customer_id=other_dealer_staff.pk)

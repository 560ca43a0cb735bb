"""The withdrawal right of a car bought at a distance, written from the Code de la consommation.

L221-18: "Le consommateur dispose d'un délai de quatorze jours pour exercer son droit de
rétractation [...]. Le délai [...] court à compter du jour : [...] 2° De la réception du bien par
le consommateur ou un tiers, autre que le transporteur, désigné par lui, pour les contrats de vente
de biens." (text read at doctrine.fr, LEGIARTI000032226842.) The day of delivery is not counted;
a period ending on a Saturday, Sunday or public holiday runs to the next working day
(Regulation 1182/71 art. 3; C. proc. civ. art. 642).
L221-24: every sum paid is refunded within 14 days, same means of payment, deferrable until the
goods are back. L221-23: only the reduced value from handling beyond what was needed is kept.
"""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from autovitrine.inventory.models import StockVehicle
from autovitrine.orders.models import Order
from autovitrine.orders.selectors import can_withdraw, withdrawal_rule_text
from autovitrine.orders.services import (
    order_confirm,
    order_deliver,
    order_mark_ready,
    order_record_return,
    order_withdraw,
)
from autovitrine.orders.withdrawal import (
    is_working_day,
    l221_18_can_withdraw,
    l221_18_withdrawal_deadline,
)
from autovitrine.payments.models import Payment

from .conftest import pay

PARIS = ZoneInfo("Europe/Paris")


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)


@pytest.fixture
def contracted(paid_order):
    """A paid order whose contract was made on Wednesday 4 March 2026."""
    Order.objects.filter(pk=paid_order.pk).update(contract_at=at(dt.date(2026, 3, 4), 18))
    paid_order.refresh_from_db()
    return paid_order


def deliver_on(order: Order, day: dt.date, *, dealer, by) -> Order:
    order_confirm(number=order.number, dealer_id=dealer.pk, by=by)
    order_mark_ready(number=order.number, dealer_id=dealer.pk, by=by)
    return order_deliver(number=order.number, dealer_id=dealer.pk, by=by, now=at(day, 10))


# --- the deadline, from the text ------------------------------------------------------------


def test_l221_18_delivered_friday_1_may_2026_withdrawable_until_friday_15_may_included():
    # 1 May is itself a holiday, but the day of taking possession is not counted.
    assert l221_18_withdrawal_deadline(dt.date(2026, 5, 1)) == dt.date(2026, 5, 15)
    assert l221_18_can_withdraw(possession_day=dt.date(2026, 5, 1), today=dt.date(2026, 5, 15))


def test_l221_18_the_day_after_the_deadline_is_refused():
    assert not l221_18_can_withdraw(possession_day=dt.date(2026, 5, 1), today=dt.date(2026, 5, 16))


def test_l221_18_a_deadline_on_a_sunday_moves_to_the_monday():
    # Delivered Sunday 3 May 2026 → 14th day Sunday 17 May → Monday 18 May.
    assert l221_18_withdrawal_deadline(dt.date(2026, 5, 3)) == dt.date(2026, 5, 18)


def test_l221_18_a_deadline_on_a_saturday_moves_to_the_monday():
    # Delivered Saturday 7 March 2026 → 14th day Saturday 21 March → Monday 23 March.
    assert l221_18_withdrawal_deadline(dt.date(2026, 3, 7)) == dt.date(2026, 3, 23)


def test_l221_18_delivered_tuesday_30_june_2026_reaches_the_14_july_holiday_so_wednesday_15():
    assert not is_working_day(dt.date(2026, 7, 14))
    assert l221_18_withdrawal_deadline(dt.date(2026, 6, 30)) == dt.date(2026, 7, 15)


@pytest.mark.parametrize(
    "holiday",
    [dt.date(2026, 4, 6), dt.date(2026, 5, 25), dt.date(2026, 11, 11), dt.date(2026, 12, 25)],
    ids=["easter-monday", "whit-monday", "armistice", "christmas"],
)
def test_l221_18_french_public_holidays_are_not_working_days(holiday):
    assert not is_working_day(holiday)


@pytest.mark.parametrize(
    ("delivered", "deadline"),
    [
        # 14th day Monday 25 May 2026, Whit Monday (lundi de Pentecôte) → Tuesday 26 May.
        (dt.date(2026, 5, 11), dt.date(2026, 5, 26)),
        # 14th day Monday 29 March 2027, Easter Monday → Tuesday 30 March.
        (dt.date(2027, 3, 15), dt.date(2027, 3, 30)),
        # 14th day Friday 1 May 2026, a holiday, then a week-end → Monday 4 May.
        (dt.date(2026, 4, 17), dt.date(2026, 5, 4)),
        # 14th day Thursday 14 May 2026, Ascension → Friday 15 May.
        (dt.date(2026, 4, 30), dt.date(2026, 5, 15)),
        # 14th day Friday 25 December 2026 → Monday 28 December.
        (dt.date(2026, 12, 11), dt.date(2026, 12, 28)),
    ],
    ids=["whit-monday", "easter-monday-2027", "1-may-then-week-end", "ascension", "christmas"],
)
def test_l221_18_a_deadline_on_a_public_holiday_moves_to_the_next_working_day(delivered, deadline):
    """L221-19 and Reg. 1182/71 art. 3 § 4: a period whose last day is a holiday, a Saturday or
    a Sunday ends with the expiry of the last hour of the following working day."""
    assert l221_18_withdrawal_deadline(delivered) == deadline
    assert l221_18_can_withdraw(possession_day=delivered, today=deadline)
    assert not l221_18_can_withdraw(possession_day=delivered, today=deadline + dt.timedelta(1))


# --- before delivery ------------------------------------------------------------------------


def test_l221_18_an_undelivered_order_can_be_withdrawn_on_day_40_after_the_contract(
    contracted, customer, vehicle
):
    # When: 40 days after the contract of 4 March 2026, the car still not delivered
    order = order_withdraw(
        number=contracted.number, customer_id=customer.pk, now=at(dt.date(2026, 4, 13))
    )

    # Then: the order ends, the deposit comes back by the card it was paid with (L221-24)
    vehicle.refresh_from_db()
    assert order.status == Order.Status.WITHDRAWN
    assert order.deposit_payment.status == Payment.Status.REFUNDED
    assert order.deposit_payment.refunded_cents == 150_000
    assert order.refunded_cents == 150_000
    assert order.refund_due_by == dt.date(2026, 4, 27)
    assert vehicle.status == StockVehicle.Status.AVAILABLE


def test_l221_18_before_delivery_the_rule_says_until_14_days_after_taking_delivery(contracted):
    assert withdrawal_rule_text(contracted).startswith(
        "Droit de rétractation : vous pouvez vous rétracter sans motif dès maintenant et "
        "jusqu'à 14 jours après la prise de possession du véhicule"
    )


def test_a_draft_has_nothing_to_withdraw(place, customer):
    order = place()
    with pytest.raises(ValidationError, match="vous pouvez simplement annuler"):
        order_withdraw(number=order.number, customer_id=customer.pk)


def test_another_buyer_cannot_withdraw_the_order(contracted, other_dealer_staff):
    with pytest.raises(Order.DoesNotExist):
        order_withdraw(number=contracted.number, customer_id=other_dealer_staff.pk)


# --- after delivery -------------------------------------------------------------------------


def test_l221_18_after_delivery_the_rule_gives_the_exact_date(contracted, dealer, dealer_staff):
    order = deliver_on(contracted, dt.date(2026, 6, 30), dealer=dealer, by=dealer_staff)
    assert "jusqu'au mercredi 15 juillet 2026 inclus" in withdrawal_rule_text(order)


def test_l221_5_the_contract_e_mail_states_the_rule_and_carries_the_withdrawal_form(
    place, mailoutbox, django_capture_on_commit_callbacks
):
    """L221-5 2° and R221-1: the rule before delivery and the standard form, on a durable medium
    (L221-13), with the e-mail that confirms the contract."""
    order = place()
    with django_capture_on_commit_callbacks(execute=True):
        order = pay(order)

    [to_buyer] = [m for m in mailoutbox if m.to == [order.email]]
    body = " ".join(to_buyer.body.split())
    assert "jusqu'à 14 jours après la prise de possession du véhicule" in body
    [(name, content, mimetype)] = to_buyer.attachments
    assert name == f"bon-de-commande-{order.number}.pdf" and mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Modèle de formulaire de rétractation" in text


@pytest.mark.parametrize("delivered", [False, True], ids=["before-delivery", "after-delivery"])
def test_l221_23_the_rule_gives_the_14_days_to_return_the_car(
    contracted, dealer, dealer_staff, delivered
):
    """L221-23: « le consommateur renvoie ou restitue les biens [...] sans retard excessif et, au
    plus tard, dans les quatorze jours suivant la communication de sa décision de se rétracter »,
    one of the « conditions » of the right that L221-5 2° has the seller give before the
    contract."""
    order = contracted
    if delivered:
        order = deliver_on(contracted, dt.date(2026, 6, 30), dealer=dealer, by=dealer_staff)

    rule = withdrawal_rule_text(order)

    assert "au plus tard 14 jours après votre décision (art. L221-23)" in rule


def test_l221_18_the_delivery_e_mail_gives_the_exact_last_day(
    contracted, dealer, dealer_staff, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        deliver_on(contracted, dt.date(2026, 6, 30), dealer=dealer, by=dealer_staff)

    delivered = mailoutbox[-1]
    assert delivered.subject.endswith("Livrée")
    body = " ".join(delivered.body.split())
    assert "véhicule livré le 30 juin 2026" in body
    assert "jusqu'au mercredi 15 juillet 2026 inclus" in body


def test_l221_18_a_delivered_car_is_refused_the_day_after_the_deadline(
    contracted, customer, dealer, dealer_staff
):
    deliver_on(contracted, dt.date(2026, 5, 1), dealer=dealer, by=dealer_staff)

    with pytest.raises(ValidationError) as exc:
        order_withdraw(
            number=contracted.number, customer_id=customer.pk, now=at(dt.date(2026, 5, 16), 8)
        )

    assert exc.value.messages == [
        "Le délai de rétractation de 14 jours a expiré le 15 mai 2026. Contactez votre concession."
    ]
    contracted.refresh_from_db()
    assert contracted.status == Order.Status.DELIVERED


def test_l221_24_withdrawn_after_delivery_the_refund_waits_for_the_car(
    contracted, customer, dealer, dealer_staff
):
    # Given delivered on Friday 1 May 2026, balance paid by transfer
    deliver_on(contracted, dt.date(2026, 5, 1), dealer=dealer, by=dealer_staff)

    # When the buyer withdraws on day 10
    order = order_withdraw(
        number=contracted.number, customer_id=customer.pk, now=at(dt.date(2026, 5, 11))
    )

    # Then: withdrawn, nothing refunded until the car is back, refund due within 14 days
    assert order.status == Order.Status.WITHDRAWN
    assert order.refund_due_by == dt.date(2026, 5, 25)
    assert order.refunded_cents == 0
    assert order.deposit_payment.status == Payment.Status.SUCCEEDED
    assert can_withdraw(order) is False


def test_l221_23_l221_24_the_return_refunds_every_sum_less_the_reduced_value(
    contracted, customer, dealer, dealer_staff, vehicle
):
    # Given delivered, balance 24 254,76 € paid by transfer, withdrawn on day 10
    deliver_on(contracted, dt.date(2026, 5, 1), dealer=dealer, by=dealer_staff)
    order_withdraw(number=contracted.number, customer_id=customer.pk, now=at(dt.date(2026, 5, 11)))

    # When the dealer records the return with 300 € kept for a scratched bumper
    order = order_record_return(
        number=contracted.number,
        dealer_id=dealer.pk,
        by=dealer_staff,
        mileage_km=412,
        condition="Bon état, pare-chocs arrière rayé",
        reduced_value_cents=30_000,
        reduced_value_reason="Rayure au-delà d'un essai normal",
    )

    # Then: balance refunded less the reduced value by transfer, deposit by card
    vehicle.refresh_from_db()
    assert order.balance_paid_cents == 2_425_476
    assert order.refunded_cents == 150_000 + 2_425_476 - 30_000
    assert order.deposit_payment.status == Payment.Status.REFUNDED
    assert order.deposit_payment.refunded_cents == 150_000
    assert order.return_mileage_km == 412
    assert vehicle.status == StockVehicle.Status.AVAILABLE
    notes = [event.note for event in order.events.all()][-3:]
    assert notes[0].startswith("Véhicule restitué : 412 km")
    assert "Dépréciation retenue : 300\u00a0€" in notes[0]
    assert notes[-1] == (
        "Solde de 23\u202f954,76\u00a0€ remboursé par la concession (Virement, même moyen de paiement)."
    )


def test_l221_23_a_reduced_value_needs_its_reason(contracted, customer, dealer, dealer_staff):
    deliver_on(contracted, dt.date(2026, 5, 1), dealer=dealer, by=dealer_staff)
    order_withdraw(number=contracted.number, customer_id=customer.pk, now=at(dt.date(2026, 5, 4)))

    with pytest.raises(ValidationError) as exc:
        order_record_return(
            number=contracted.number,
            dealer_id=dealer.pk,
            by=dealer_staff,
            mileage_km=50,
            condition="Bon état",
            reduced_value_cents=10_000,
        )

    assert "reduced_value_reason" in exc.value.error_dict

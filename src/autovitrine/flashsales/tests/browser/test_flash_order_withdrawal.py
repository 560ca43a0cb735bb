"""On a phone: a flash-sale purchase is an order in "Mes commandes" with its order form and its
withdrawal button; the dealer delivers it; on day 10 after delivery the buyer withdraws
(Code de la consommation L221-18), the dealer records the car's return and the refund of every
sum paid is recorded (L221-24)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from autovitrine.orders.models import Order
from autovitrine.payments.models import Payment
from autovitrine.testing import factories as f

from ..test_purchase_order import _bought

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, email: str) -> None:
    page.goto("/compte/connexion/")
    form = page.locator("#login-form")
    form.locator("[name=username]").fill(email)
    form.locator("[name=password]").fill(f.PASSWORD)
    form.locator("[type=submit]").click()
    page.wait_for_load_state()


def test_a_flash_order_delivered_then_withdrawn_on_day_10_is_refunded(
    new_phone, sale_kit, buyers, dealer
):
    kit = sale_kit(units=1, price_ttc=1_990_000, deposit_ttc=50_000)
    [buyer] = buyers(1)
    purchase = _bought(kit, buyer)
    order = Order.objects.get(flash_purchase_ref=purchase.reference)
    staff = f.DealerStaffFactory(dealer=dealer, user__email="vendeur@example.fr").user

    # The buyer finds it in "Mes commandes", with its PDF and the withdrawal button.
    phone = new_phone()
    _sign_in(phone, buyer.email)
    phone.goto("/commandes/")
    phone.get_by_role("link", name=order.vehicle_label).click()
    phone.wait_for_url(f"**/commandes/{order.number}/")
    phone.wait_for_selector("#withdraw")
    pdf = phone.request.get(phone.locator("#doc-order-form").get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf"
    assert (
        "jusqu'à 14 jours après la prise de possession"
        in phone.locator("#withdrawal-rule").inner_text()
    )

    # The dealer confirms, prepares and delivers it.
    desk = new_phone()
    _sign_in(desk, staff.email)
    desk.goto(f"/commandes/concession/{order.number}/")
    desk.locator("#confirm-order").click()
    desk.wait_for_selector("#mark-ready")
    desk.locator("#mark-ready").click()
    desk.wait_for_selector("#deliver")
    desk.locator("#deliver").click()
    desk.wait_for_load_state()
    assert desk.locator("#order-status").get_attribute("data-status") == "delivered"

    # Ten days later the buyer withdraws.
    Order.objects.filter(pk=order.pk).update(delivered_at=timezone.now() - dt.timedelta(days=10))
    phone.reload()
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.locator("#withdraw").click()
    phone.wait_for_selector("#return-pending")

    # The dealer records the car's return: every sum paid is refunded.
    desk.reload()
    form = desk.locator("#return-form")
    form.locator("[name=mileage_km]").fill("350")
    form.locator("[name=condition]").fill("Bon état")
    form.locator("#record-return").click()
    desk.wait_for_selector("#refund-recorded")
    phone.reload()
    phone.wait_for_selector("#refund-recorded")

    order.refresh_from_db()
    assert order.status == Order.Status.WITHDRAWN
    assert order.return_mileage_km == 350
    assert order.refunded_cents == order.paid_cents == order.total_ttc  # price and taxes paid
    assert Payment.objects.get(pk=order.deposit_payment_id).status == Payment.Status.REFUNDED

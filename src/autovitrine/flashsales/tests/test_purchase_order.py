"""Every online sale is an order: a paid flash-sale unit becomes an ``orders`` order (kind stock,
the flash price, the delivering dealer, the deposit paid: the contract is made), with the
withdrawal right of a distance sale (Code de la consommation L221-18)."""

from __future__ import annotations

import io

from django.urls import reverse
from pypdf import PdfReader

from autovitrine.flashsales.models import Purchase
from autovitrine.orders.models import Order
from autovitrine.orders.selectors import can_withdraw
from autovitrine.orders.services import order_withdraw
from autovitrine.payments.models import Payment
from autovitrine.testing.payments import settle

from .factories import claim, join, poll_all
from .test_holds_and_payment import _pay


def _bought(kit, buyer) -> Purchase:
    join(kit, buyer)
    kit.open()
    tokens, _waiting = poll_all(kit, [buyer])
    answer = claim(kit, buyer, tokens[buyer])
    step = _pay(buyer, answer)
    assert step.purchase.payment_ref is not None
    settle(Payment.objects.get(pk=step.purchase.payment_ref))
    return Purchase.objects.get(pk=step.purchase.pk)


def test_a_paid_flash_sale_unit_is_an_order_at_the_flash_price(sale_kit, buyers, dealer):
    kit = sale_kit(units=1, price_ttc=1_990_000, deposit_ttc=50_000)
    [buyer] = buyers(1)

    purchase = _bought(kit, buyer)

    order = Order.objects.get(flash_purchase_ref=purchase.reference)
    assert (order.kind, order.status, order.customer_id, order.dealer_id) == (
        Order.Kind.STOCK,
        Order.Status.DEPOSIT_PAID,
        buyer.pk,
        dealer.pk,
    )
    assert order.price_ttc == 1_990_000
    assert order.deposit_cents == 50_000
    assert order.deposit_payment_id == int(purchase.payment_ref)
    assert order.stock_vehicle_id == kit.vehicles[0].pk
    assert order.contract_at is not None
    # L221-18: the right is open before delivery.
    assert can_withdraw(order) is True


def test_the_flash_order_is_in_my_orders_with_its_order_form(client, sale_kit, buyers):
    kit = sale_kit(units=1)
    [buyer] = buyers(1)
    purchase = _bought(kit, buyer)
    order = Order.objects.get(flash_purchase_ref=purchase.reference)
    client.force_login(buyer)

    listing = client.get(reverse("orders:list")).content.decode()
    pdf = client.get(
        reverse("orders:document", kwargs={"number": order.number, "document": "bon-de-commande"})
    )

    assert order.number in listing
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "19 900,00" in text
    assert "Modèle de formulaire de rétractation" in text


def test_withdrawing_a_flash_order_before_delivery_refunds_the_deposit_by_card(sale_kit, buyers):
    kit = sale_kit(units=1)
    [buyer] = buyers(1)
    purchase = _bought(kit, buyer)
    order = Order.objects.get(flash_purchase_ref=purchase.reference)

    order = order_withdraw(number=order.number, customer_id=buyer.pk)

    assert order.status == Order.Status.WITHDRAWN
    assert Payment.objects.get(pk=order.deposit_payment_id).status == Payment.Status.REFUNDED
    assert order.refunded_cents == 50_000

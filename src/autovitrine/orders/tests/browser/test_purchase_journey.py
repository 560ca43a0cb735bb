"""On a phone: a buyer orders a stock car with a trade-in and pays the deposit; the dealer
confirms, revises the trade-in, the buyer accepts; ready, delivered, and the traded-in car is in
that dealer's used stock. Then a second buyer withdraws within 14 days and is refunded."""

from __future__ import annotations

import pytest
from django.utils import timezone

from autovitrine.inventory.models import StockVehicle
from autovitrine.orders.models import Order
from autovitrine.payments.models import Payment
from autovitrine.testing import factories as f
from autovitrine.tradein.tests.factories import default_rule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TRADE_IN_VIN = "VF3ABC00012345678"


def sign_in(page, email: str) -> None:
    page.goto("/compte/connexion/")
    form = page.locator("#login-form")
    form.locator("[name=username]").fill(email)
    form.locator("[name=password]").fill(f.PASSWORD)
    form.locator("[type=submit]").click()
    page.wait_for_load_state()


@pytest.fixture
def shop():
    default_rule()
    lyon = f.DealerFactory(code="aurore-lyon", name="Aurore Lyon Confluence")
    car = f.StockVehicleFactory(dealer=lyon, price_ttc=2_490_000, power_hp=130)
    buyer = f.UserFactory(email="lea@example.fr", first_name="Léa", last_name="Fontaine")
    staff = f.DealerStaffFactory(dealer=lyon, user__email="vendeur@example.fr").user
    return lyon, car, buyer, staff


def checkout(page) -> str:
    """Fill the open checkout form and submit; returns the order number."""
    form = page.locator("#checkout-form")
    form.locator("[name=phone]").fill("06 12 34 56 78")
    form.locator("[name=street]").fill("3 rue de la République")
    form.locator("[name=postcode]").fill("69002")
    form.locator("[name=city]").fill("Lyon")
    form.locator("[name=accept]").check()
    form.locator("[type=submit]").click()
    page.wait_for_url("**/commandes/AV-*/")
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def pay_deposit(page) -> None:
    page.locator("#pay-deposit").click()
    page.wait_for_url("**/paiement/simulateur/**")
    page.locator("#sim-pay").click()
    page.wait_for_selector("#withdraw")


def test_stock_car_with_trade_in_from_order_to_delivery(new_phone, shop):
    lyon, car, buyer, staff = shop
    phone = new_phone()
    sign_in(phone, buyer.email)

    # The buyer estimates the old car, then saves it.
    phone.goto("/reprise/")
    form = phone.locator("#trade-in-form")
    form.locator("[name=make]").fill("Peugeot")
    form.locator("[name=model_label]").fill("308")
    form.locator("[name=segment]").select_option("hatch")
    form.locator("[name=energy]").select_option("diesel")
    form.locator("[name=year]").fill(str(timezone.localdate().year - 7))
    form.locator("[name=mileage_km]").fill("85000")
    form.locator("[name=plate]").fill("AB-123-CD")
    phone.locator("#estimate-button").click()
    # 2019-style diesel compact, 85 000 km at 7 years: docs/tradein.md
    assert phone.locator("#estimate-total").inner_text() == "12\u202f165\u00a0€"
    phone.locator("#save-trade-in").click()
    phone.wait_for_load_state()

    # It orders the car with that trade-in and pays the deposit on the provider's page.
    phone.goto(f"/commandes/vehicule/{car.pk}/")
    phone.locator("#checkout-form [name=trade_in]").select_option(index=1)
    number = checkout(phone)
    pay_deposit(phone)
    assert (
        phone.locator("#order-status [data-status]").get_attribute("data-status") == "deposit_paid"
    )

    # The dealer confirms and revises the trade-in offer, saying why.
    desk = new_phone()
    sign_in(desk, staff.email)
    desk.goto(f"/commandes/concession/{number}/")
    desk.locator("#confirm-order").click()
    desk.wait_for_load_state()
    offer = desk.locator("#trade-in-offer-form")
    offer.locator("[name=amount]").fill("4 500")
    offer.locator("[name=note]").fill("Rétroviseur cassé.")
    offer.locator("[type=submit]").click()
    desk.wait_for_load_state()

    # The buyer accepts: the offer comes off the balance.
    phone.reload()
    assert phone.locator("#trade-in-offer").inner_text() == "4\u202f500\u00a0€"
    phone.locator("#accept-trade-in").click()
    phone.wait_for_selector("#trade-in-deduction")
    assert phone.locator("#trade-in-deduction").inner_text() == "−4\u202f500,00\u00a0€"

    # Ready, then delivered: the VIN of the traded-in car is read off its registration.
    desk.reload()
    desk.locator("#mark-ready").click()
    desk.wait_for_selector("#deliver")
    desk.locator("#deliver-form [name=trade_in_vin]").fill(TRADE_IN_VIN)
    desk.locator("#deliver").click()
    desk.wait_for_load_state()
    assert desk.locator("#order-status").get_attribute("data-status") == "delivered"

    order = Order.objects.get(number=number)
    used = StockVehicle.objects.get(vin=TRADE_IN_VIN)
    car.refresh_from_db()
    assert (order.status, order.trade_in_cents) == ("delivered", 450_000)
    assert car.status == StockVehicle.Status.SOLD
    assert (used.dealer, used.condition, used.status) == (lyon, "used", "available")


def test_withdrawal_within_14_days_refunds_the_deposit(new_phone, shop):
    lyon, car, buyer, staff = shop
    phone = new_phone()
    sign_in(phone, buyer.email)
    phone.goto(f"/commandes/vehicule/{car.pk}/")
    number = checkout(phone)
    pay_deposit(phone)

    phone.once("dialog", lambda dialog: dialog.accept())
    phone.locator("#withdraw").click()
    phone.wait_for_selector("#refund-status")

    order = Order.objects.get(number=number)
    car.refresh_from_db()
    assert order.status == Order.Status.WITHDRAWN
    assert order.deposit_payment.status == Payment.Status.REFUNDED
    assert car.status == StockVehicle.Status.AVAILABLE

"""The buyer's pages: checkout from a stock car, the deposit through the simulator, the order
page with its timeline, the withdrawal, the documents, the financing simulator."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse
from django.utils import timezone

from autovitrine.inventory.models import StockVehicle
from autovitrine.orders.models import Order
from autovitrine.orders.services import DRAFT_LIFETIME
from autovitrine.payments.models import Payment
from autovitrine.testing import factories as f
from autovitrine.tradein.tests.factories import TradeInFactory


def text(response) -> str:
    return html.unescape(response.content.decode())


def checkout_url(vehicle) -> str:
    return reverse("orders:checkout_stock", kwargs={"vehicle_id": vehicle.pk})


def checkout_data(dealer, **changes) -> dict[str, str]:
    data = {
        "first_name": "Camille",
        "last_name": "Martin",
        "email": "camille@example.fr",
        "phone": "06 12 34 56 78",
        "street": "3 rue de la République",
        "postcode": "69002",
        "city": "Lyon",
        "dealer": str(dealer.pk),
        "trade_in": "",
        "accept": "on",
        "idempotency_key": "checkout-1",
    }
    data.update(changes)
    return data


@pytest.fixture
def buyer_client(client_as):
    client, _ = client_as("customer")
    return client


def test_the_checkout_form_is_prefilled_with_the_vehicles_dealer_first(
    buyer_client, vehicle, dealer, other_dealer
):
    # When
    response = buyer_client.get(checkout_url(vehicle), {"postcode": "13008"})

    # Then the Marseille dealer is nearest, the vehicle's Lyon dealer is chosen by default
    page = text(response)
    assert response.status_code == 200
    assert 'id="checkout-form"' in page
    assert 'value="Camille"' in page
    assert page.index("Aurore Marseille — Marseille (") < page.index(f"{dealer.name} — Lyon (")
    assert f'<option value="{dealer.pk}" selected>' in page
    assert "Commander avec obligation de paiement" in page


def test_checking_out_reserves_the_car_and_opens_the_order(buyer_client, vehicle, dealer):
    # When
    response = buyer_client.post(checkout_url(vehicle), checkout_data(dealer))

    # Then
    order = Order.objects.get()
    vehicle.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:detail", kwargs={"number": order.number})
    assert vehicle.status == StockVehicle.Status.RESERVED


def test_a_double_click_on_checkout_makes_one_order(buyer_client, vehicle, dealer):
    # When
    first = buyer_client.post(checkout_url(vehicle), checkout_data(dealer))
    second = buyer_client.post(checkout_url(vehicle), checkout_data(dealer))

    # Then
    assert first["Location"] == second["Location"]
    assert Order.objects.count() == 1


def test_checkout_errors_are_shown_next_to_their_fields_in_french(buyer_client, vehicle, dealer):
    # When
    response = buyer_client.post(
        checkout_url(vehicle), checkout_data(dealer, phone="12", postcode="6900", accept="")
    )

    # Then
    page = text(response)
    assert response.status_code == 400
    assert "Saisissez un numéro de téléphone français (ex. 06 12 34 56 78)." in page
    assert "Code postal invalide : 5 chiffres (ex. 69007)." in page
    assert "Cochez cette case pour commander." in page
    assert 'aria-describedby="id_phone_error"' in page
    assert not Order.objects.exists()


def test_a_taken_car_is_explained_on_the_checkout(buyer_client, vehicle, dealer):
    # Given another buyer holds it
    vehicle.status = StockVehicle.Status.RESERVED
    vehicle.save()

    # When
    page = buyer_client.get(checkout_url(vehicle))
    posted = buyer_client.post(checkout_url(vehicle), checkout_data(dealer))

    # Then
    assert "Ce véhicule n'est plus disponible à la vente." in text(page)
    assert posted.status_code == 400
    assert "Ce véhicule vient d'être réservé par un autre acheteur." in text(posted)


def test_an_estimated_trade_in_can_be_chosen_at_checkout(buyer_client, customer, vehicle, dealer):
    # Given
    trade_in = TradeInFactory(customer=customer)

    # When
    buyer_client.post(checkout_url(vehicle), checkout_data(dealer, trade_in=str(trade_in.pk)))

    # Then
    order = Order.objects.get()
    trade_in.refresh_from_db()
    assert order.trade_in == trade_in
    assert trade_in.dealer == dealer


def test_the_full_deposit_journey_through_the_simulator(buyer_client, place):
    # Given a draft order
    order = place()
    detail = reverse("orders:detail", kwargs={"number": order.number})
    assert 'id="pay-deposit"' in text(buyer_client.get(detail))

    # When the buyer pays on the simulator's page
    to_simulator = buyer_client.post(reverse("orders:pay_deposit", kwargs={"number": order.number}))
    simulator_page = buyer_client.get(to_simulator["Location"])
    back = buyer_client.post(to_simulator["Location"], {"outcome": "pay"})
    final = buyer_client.get(back["Location"], follow=True)

    # Then
    order.refresh_from_db()
    assert 'id="sim-pay"' in text(simulator_page)
    assert back["Location"].endswith(f"/commandes/{order.number}/paiement/retour/")
    assert order.status == Order.Status.DEPOSIT_PAID
    page = text(final)
    assert "Acompte payé : votre commande est transmise à la concession." in page
    assert 'id="withdraw"' in page
    assert "Reçu d'acompte (PDF)" in page


def test_a_failed_payment_says_so_once_and_can_be_retried(buyer_client, place, vehicle):
    # Given
    order = place()
    to_simulator = buyer_client.post(reverse("orders:pay_deposit", kwargs={"number": order.number}))

    # When
    back = buyer_client.post(to_simulator["Location"], {"outcome": "fail"})
    final = buyer_client.get(back["Location"], follow=True)

    # Then one message, with the time the car stays reserved until, and a retry button
    page = text(final)
    vehicle.refresh_from_db()
    assert vehicle.status == StockVehicle.Status.RESERVED
    until = timezone.localtime(order.created_at + DRAFT_LIFETIME).strftime("%H:%M")
    assert page.count("Paiement refusé") == 1
    assert f"Le véhicule reste réservé pour vous jusqu'à {until}" in page
    assert "Réessayer le paiement de 1 500 €" in page.replace("\u202f", " ").replace("\xa0", " ")

    # When the buyer retries and pays
    again = buyer_client.post(reverse("orders:pay_deposit", kwargs={"number": order.number}))
    assert again["Location"] != to_simulator["Location"]
    back = buyer_client.post(again["Location"], {"outcome": "pay"})
    final = buyer_client.get(back["Location"], follow=True)

    # Then
    assert "Acompte payé : votre commande est transmise à la concession." in text(final)
    order.refresh_from_db()
    assert order.status == Order.Status.DEPOSIT_PAID


def test_a_provider_timeout_shows_a_french_message_on_the_order(
    buyer_client, place, stripe, settings
):
    # Given
    settings.PAYMENT_PROVIDER = "stripe"
    settings.PAYMENT_TIMEOUT_SECONDS = 0.2
    stripe.delay_seconds = 0.6
    order = place()

    # When
    response = buyer_client.post(
        reverse("orders:pay_deposit", kwargs={"number": order.number}), follow=True
    )

    # Then
    assert "Le service de paiement ne répond pas. Réessayez dans quelques instants." in text(
        response
    )
    stripe.wait_idle()


def test_withdrawing_from_the_order_page(buyer_client, paid_order, vehicle):
    # When
    response = buyer_client.post(
        reverse("orders:withdraw", kwargs={"number": paid_order.number}), follow=True
    )

    # Then
    paid_order.refresh_from_db()
    vehicle.refresh_from_db()
    page = text(response)
    assert "Rétractation enregistrée : votre acompte est remboursé." in page
    assert 'id="refund-status"' in page
    assert paid_order.status == Order.Status.WITHDRAWN
    assert paid_order.deposit_payment.status == Payment.Status.REFUNDED
    assert vehicle.status == StockVehicle.Status.AVAILABLE


def test_accepting_the_trade_in_offer_on_the_order_page(
    buyer_client, paid_order, customer, dealer, dealer_staff
):
    # Given an offer from the dealer
    from autovitrine.orders.services import order_trade_in_attach, order_trade_in_offer

    trade_in = TradeInFactory(customer=customer, estimate_cents=700_000)
    order_trade_in_attach(
        number=paid_order.number, customer_id=customer.pk, trade_in_id=trade_in.pk
    )
    order_trade_in_offer(number=paid_order.number, dealer_id=dealer.pk, by=dealer_staff)

    # When
    response = buyer_client.post(
        reverse("orders:trade_in", kwargs={"number": paid_order.number}),
        {"action": "accept"},
        follow=True,
    )

    # Then
    page = text(response)
    assert "Offre de reprise acceptée : elle est déduite du solde." in page
    assert "−7\u202f000,00\u00a0€" in page


def test_the_order_page_shows_the_timeline_and_totals(buyer_client, paid_order):
    # When
    page = text(buyer_client.get(reverse("orders:detail", kwargs={"number": paid_order.number})))

    # Then
    assert "En attente de l'acompte" in page and "Acompte payé" in page
    assert "Carte grise, estimation (7 CV, Auvergne-Rhône-Alpes)" in page
    assert "25\u202f754,76\u00a0€" in page


def test_the_order_form_downloads_as_pdf(buyer_client, paid_order):
    # When
    response = buyer_client.get(
        reverse(
            "orders:document", kwargs={"number": paid_order.number, "document": "bon-de-commande"}
        )
    )

    # Then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def test_there_is_no_receipt_before_the_deposit(buyer_client, place):
    # Given
    order = place()

    # When
    response = buyer_client.get(
        reverse("orders:document", kwargs={"number": order.number, "document": "recu-acompte"})
    )

    # Then
    assert response.status_code == 404


def test_my_orders_lists_only_mine(buyer_client, place, vehicle, identity, dealer):
    # Given my order and someone else's
    mine = place()
    from autovitrine.orders.services import order_place_stock

    other_car = f.StockVehicleFactory(dealer=dealer)
    theirs = order_place_stock(
        customer=f.UserFactory(), vehicle_id=other_car.pk, identity=identity, idempotency_key="o"
    )

    # When
    page = text(buyer_client.get(reverse("orders:list")))

    # Then
    assert mine.number in page
    assert theirs.number not in page


def test_the_financing_simulator_shows_the_taeg_and_the_legal_wording(client):
    # When
    response = client.get(
        reverse("orders:financing"),
        {"kind": "loan", "price": "10 000", "down_payment": "", "months": "12", "rate": "5"},
    )

    # Then
    page = text(response)
    assert response.status_code == 200
    assert "12 mensualités de 856,07\u00a0€" in page
    assert "<strong>5.12 %</strong>" in page or "<strong>5,12 %</strong>" in page
    assert "Un crédit vous engage et doit être remboursé." in page


def test_the_financing_simulator_refuses_impossible_inputs_in_french(client):
    # When
    response = client.get(
        reverse("orders:financing"),
        {"kind": "loan", "price": "10 000", "down_payment": "12 000", "months": "12", "rate": "5"},
    )

    # Then
    assert response.status_code == 400
    assert "L'apport doit être inférieur au prix du véhicule." in text(response)

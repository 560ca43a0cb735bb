"""The dealer's pages: its orders and commissions, confirm or decline, the trade-in offer,
ready and delivered (the trade-in entering its used stock)."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse
from django.utils import timezone

from autovitrine.inventory.models import StockVehicle
from autovitrine.orders.models import Order
from autovitrine.orders.selectors import dealer_order_counts
from autovitrine.orders.services import (
    order_confirm,
    order_mark_ready,
    order_trade_in_accept,
    order_trade_in_attach,
)
from autovitrine.testing import factories as f
from autovitrine.tradein.models import TradeIn
from autovitrine.tradein.tests.factories import TradeInFactory

from .conftest import pay


def text(response) -> str:
    return html.unescape(response.content.decode())


def action_url(order: Order, action: str) -> str:
    return reverse("orders:dealer_action", kwargs={"number": order.number, "action": action})


@pytest.fixture
def staff_client(client_as):
    client, _ = client_as("dealer_staff")
    return client


def test_the_dealer_lists_the_orders_it_delivers(staff_client, paid_order):
    # When
    page = text(staff_client.get(reverse("orders:dealer_list")))

    # Then
    assert paid_order.number in page
    assert "Camille Martin" in page
    assert 'id="commissions">0,00\u00a0€' in page


def test_the_filters_show_how_many_orders_wait_in_each(
    staff_client, place, dealer, django_assert_max_num_queries
):
    # Given two paid orders and one still waiting for its deposit, and another dealer's order
    pay(place("k-1", vehicle_id=f.StockVehicleFactory(dealer=dealer).pk))
    pay(place("k-2", vehicle_id=f.StockVehicleFactory(dealer=dealer).pk))
    place("k-3")
    pay(place("k-4", vehicle_id=f.StockVehicleFactory(dealer=f.DealerFactory()).pk))

    # When (the counts cost one query, whatever the number of statuses)
    response = staff_client.get(reverse("orders:dealer_list"), {"status": "deposit_paid"})
    with django_assert_max_num_queries(1) as counted:
        dealer_order_counts(dealer_id=dealer.pk)

    # Then every filter says how many orders it holds, the current one marked
    page = text(response)
    assert len(counted.captured_queries) == 1
    assert 'aria-current="page">À confirmer (2)</a>' in page
    assert ">Toutes (3)</a>" in page
    assert ">En attente de l'acompte (1)</a>" in page
    assert ">À livrer (0)</a>" in page


def test_on_a_phone_the_order_list_shows_the_status_next_to_the_number(staff_client, paid_order):
    # When
    response = staff_client.get(reverse("orders:dealer_list"))

    # Then the status is the second column (in view on a phone, before the table scrolls), the
    # date is written the French way and the dashboard is one tap away
    page = text(response)
    headers = page.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert headers.index("Statut") < headers.index("Acheteur") < headers.index("Véhicule")
    assert timezone.localtime(paid_order.created_at).strftime("%d/%m/%Y") in page
    assert reverse("dealers:dashboard") in page


def test_the_dealer_confirms_from_its_page(staff_client, paid_order):
    # When
    response = staff_client.post(action_url(paid_order, "confirmer"), follow=True)

    # Then
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.CONFIRMED
    assert "Commande confirmée : l'acheteur est prévenu." in text(response)


def test_declining_without_a_reason_shows_the_error(staff_client, paid_order):
    # When
    response = staff_client.post(action_url(paid_order, "refuser"), {"reason": ""})

    # Then
    assert response.status_code == 400
    assert 'id="id_reason_error"' in response.content.decode()
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.DEPOSIT_PAID


def test_declining_with_a_reason_releases_the_car(staff_client, paid_order, vehicle):
    # When
    staff_client.post(action_url(paid_order, "refuser"), {"reason": "Financement refusé."})

    # Then
    paid_order.refresh_from_db()
    vehicle.refresh_from_db()
    assert paid_order.status == Order.Status.CANCELLED
    assert vehicle.status == StockVehicle.Status.AVAILABLE


def test_a_revised_trade_in_offer_needs_a_reason(staff_client, paid_order, customer):
    # Given
    trade_in = TradeInFactory(customer=customer, estimate_cents=700_000)
    order_trade_in_attach(
        number=paid_order.number, customer_id=customer.pk, trade_in_id=trade_in.pk
    )

    # When
    refused = staff_client.post(action_url(paid_order, "reprise"), {"amount": "6 000", "note": ""})
    sent = staff_client.post(
        action_url(paid_order, "reprise"), {"amount": "6 000", "note": "Pneus usés."}
    )

    # Then
    trade_in.refresh_from_db()
    assert refused.status_code == 400
    assert "Expliquez à l'acheteur l'écart avec l'estimation." in text(refused)
    assert sent.status_code == 302
    assert (trade_in.status, trade_in.offer_cents) == (TradeIn.Status.OFFERED, 600_000)


def test_delivery_takes_the_trade_in_into_used_stock(
    staff_client, paid_order, customer, dealer, dealer_staff
):
    # Given an accepted trade-in given by plate only, the order ready
    trade_in = TradeInFactory(customer=customer, estimate_cents=700_000, vin="")
    number = paid_order.number
    order_trade_in_attach(number=number, customer_id=customer.pk, trade_in_id=trade_in.pk)
    staff_client.post(action_url(paid_order, "reprise"), {"amount": "", "note": ""})
    order_trade_in_accept(number=number, customer_id=customer.pk)
    order_confirm(number=number, dealer_id=dealer.pk, by=dealer_staff)
    order_mark_ready(number=number, dealer_id=dealer.pk, by=dealer_staff)

    # When the dealer forgets the VIN, then gives it
    missing = staff_client.post(action_url(paid_order, "livrer"), {"trade_in_vin": ""})
    delivered = staff_client.post(
        action_url(paid_order, "livrer"),
        {"trade_in_vin": "VF3ABC00012345678", "trade_in_price": "8 490"},
    )

    # Then
    assert missing.status_code == 400
    assert "Saisissez le VIN du véhicule repris (case E de la carte grise)." in text(missing)
    assert delivered.status_code == 302
    used = StockVehicle.objects.get(vin="VF3ABC00012345678")
    assert (used.dealer, used.condition, used.price_ttc) == (dealer, "used", 849_000)
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.DELIVERED


def test_an_unknown_action_is_not_found(staff_client, paid_order):
    assert staff_client.post(action_url(paid_order, "bidon")).status_code == 404

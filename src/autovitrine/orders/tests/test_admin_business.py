"""Head office reads the business in the admin: orders by status, dealer and date with their
events and deposit payment, payments and refunds, read-only; the admin home links its pages."""

from __future__ import annotations

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from autovitrine.conftest import ROLES
from autovitrine.testing import factories as f

from .conftest import pay


def test_head_office_finds_a_paid_order_and_its_payment(client_as, place, dealer):
    # Given
    order = pay(place())
    client, _ = client_as("head_office")

    # When
    listed = client.get(
        reverse("admin:orders_order_changelist"),
        {"status__exact": "deposit_paid", "dealer__id__exact": dealer.pk},
    )
    detail = client.get(reverse("admin:orders_order_change", args=[order.pk]))
    payment = client.get(reverse("admin:payments_payment_change", args=[order.deposit_payment_id]))

    # Then
    assert listed.status_code == 200
    assert [o.pk for o in listed.context["cl"].result_list] == [order.pk]
    page = html.unescape(detail.content.decode())
    assert detail.status_code == 200
    assert "Acompte payé" in page
    assert "1\u202f500\u00a0€" in page
    assert reverse("admin:payments_payment_change", args=[order.deposit_payment_id]) in page
    assert 'name="total_ttc"' not in page  # money is shown, never typed in
    assert 'type="submit" value="Enregistrer"' not in page
    assert payment.status_code == 200
    assert "Payé" in html.unescape(payment.content.decode())


def test_the_status_filter_counts_the_orders_of_each_status_in_one_query(client_as, place, dealer):
    # Given two paid orders and one waiting for its deposit at the dealer, one paid elsewhere
    pay(place("k-1", vehicle_id=f.StockVehicleFactory(dealer=dealer).pk))
    pay(place("k-2", vehicle_id=f.StockVehicleFactory(dealer=dealer).pk))
    place("k-3")
    pay(place("k-4", vehicle_id=f.StockVehicleFactory(dealer=f.DealerFactory()).pk))
    client, _ = client_as("head_office")
    url = reverse("admin:orders_order_changelist")

    # When: the list filtered by the dealer; and the cost of the counts
    page = html.unescape(client.get(url, {"dealer__id__exact": dealer.pk}).content.decode())
    plain = client.get(url, {"status__exact": "draft"})
    status_filter = next(
        spec for spec in plain.context["cl"].filter_specs if spec.title == "statut"
    )
    with CaptureQueriesContext(connection) as counted:
        choices = list(status_filter.choices(plain.context["cl"]))
    # (the admin rebuilds its other filters for the query: the dealers' names, not orders)
    on_orders = [q["sql"] for q in counted.captured_queries if '"orders_order"' in q["sql"]]

    # Then the counts follow the other filters; each status has its own
    assert "Acompte payé (2)" in page
    assert "En attente de l'acompte (1)" in page
    assert "Toutes (3)" in page
    assert "Livrée (0)" in page
    assert [c["display"] for c in choices if c["selected"]] == ["En attente de l'acompte (1)"]
    assert len(on_orders) == 1


def test_another_status_filter_leaves_the_order_out(client_as, place):
    pay(place())
    client, _ = client_as("head_office")

    listed = client.get(reverse("admin:orders_order_changelist"), {"status__exact": "delivered"})

    assert list(listed.context["cl"].result_list) == []


def test_orders_and_payments_cannot_be_changed_in_the_admin(client_as, place):
    # Given
    order = pay(place())
    client, _ = client_as("head_office")

    # When
    posted = client.post(
        reverse("admin:orders_order_change", args=[order.pk]), {"status": "delivered"}
    )
    add_payment = client.get(reverse("admin:payments_payment_add"))

    # Then
    order.refresh_from_db()
    assert posted.status_code == 403
    assert order.status == "deposit_paid"
    assert add_payment.status_code == 403


def test_the_admin_home_links_the_head_office_pages(client_as):
    client, _ = client_as("head_office")

    page = client.get(reverse("admin:index")).content.decode()

    assert f'href="{reverse("flashsales:office_sales")}"' in page
    assert f'href="{reverse("admin:configurator_productdata_changelist")}"' in page


@pytest.mark.parametrize("role", ROLES)
def test_only_head_office_reads_orders_in_the_admin(client_as, role):
    client, _ = client_as(role)

    response = client.get(reverse("admin:orders_order_changelist"))

    assert response.status_code == (200 if role == "head_office" else 302)


def test_head_office_reads_the_order_and_payment_history_in_french(client_as, place):
    # Given a paid deposit
    order = pay(place())
    client, _ = client_as("head_office")

    # When head office opens the order, the payments list and the payment
    detail = client.get(reverse("admin:orders_order_change", args=[order.pk]))
    payments = client.get(reverse("admin:payments_payment_changelist"))
    payment = client.get(reverse("admin:payments_payment_change", args=[order.deposit_payment_id]))

    # Then statuses, purpose and provider are French words and amounts are euros, not codes
    order_page = html.unescape(detail.content.decode())
    assert "deposit_paid" not in order_page
    assert "En attente de l'acompte" in order_page  # the first event, from draft
    listed = html.unescape(payments.content.decode())
    assert "Acompte de commande" in listed
    assert ">order_deposit<" not in listed  # the code only in the filter links
    assert "Simulateur (démonstration)" in listed
    payment_page = html.unescape(payment.content.decode())
    assert "succeeded" not in payment_page.split("Historique du paiement", 1)[-1]
    assert "Montant (centimes)" not in payment_page
    assert "Acompte de commande" in payment_page
    assert "150000" not in payment_page


def test_payments_are_filtered_by_their_french_purpose(client_as, place):
    order = pay(place())
    client, _ = client_as("head_office")

    listed = client.get(reverse("admin:payments_payment_changelist"), {"objet": "order_deposit"})
    other = client.get(reverse("admin:payments_payment_changelist"), {"objet": "flashsale_deposit"})

    assert [p.pk for p in listed.context["cl"].result_list] == [order.deposit_payment_id]
    assert list(other.context["cl"].result_list) == []

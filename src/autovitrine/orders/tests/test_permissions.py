"""Who sees what: a buyer only their orders and documents, a dealer only the orders it delivers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from autovitrine.conftest import ROLES

# The order belongs to ``customer`` and is delivered by ``dealer``.
BUYER_PAGES = {
    "anonymous": 302,
    "customer": 200,
    "other_dealer_staff": 403,
    "dealer_staff": 403,
    "head_office": 403,
}
DEALER_PAGES = {
    "anonymous": 302,
    "customer": 403,
    "other_dealer_staff": 404,
    "dealer_staff": 200,
    "head_office": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_the_order_page(client_as, paid_order, role):
    client, _ = client_as(role)
    response = client.get(reverse("orders:detail", kwargs={"number": paid_order.number}))
    assert response.status_code == BUYER_PAGES[role]
    if role == "anonymous":
        assert response["Location"].startswith("/compte/")


@pytest.mark.parametrize("role", ROLES)
def test_the_order_documents(client_as, paid_order, role):
    client, _ = client_as(role)
    for document in ("bon-de-commande", "recu-acompte"):
        url = reverse("orders:document", kwargs={"number": paid_order.number, "document": document})
        assert client.get(url).status_code == BUYER_PAGES[role]


@pytest.mark.parametrize("role", ROLES)
def test_withdrawing(client_as, paid_order, role):
    client, _ = client_as(role)
    response = client.post(reverse("orders:withdraw", kwargs={"number": paid_order.number}))
    paid_order.refresh_from_db()
    assert response.status_code == {**BUYER_PAGES, "customer": 302}[role]
    assert (paid_order.status == "withdrawn") is (role == "customer")


def test_another_buyer_does_not_find_the_order(client, paid_order):
    # Given
    from autovitrine.testing import factories as f

    client.force_login(f.UserFactory(), backend="django.contrib.auth.backends.ModelBackend")

    # When / Then
    number = paid_order.number
    assert client.get(reverse("orders:detail", kwargs={"number": number})).status_code == 404
    assert client.post(reverse("orders:withdraw", kwargs={"number": number})).status_code == 404
    doc = reverse("orders:document", kwargs={"number": number, "document": "bon-de-commande"})
    assert client.get(doc).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_the_checkout(client_as, vehicle, role):
    client, _ = client_as(role)
    response = client.get(reverse("orders:checkout_stock", kwargs={"vehicle_id": vehicle.pk}))
    assert response.status_code == BUYER_PAGES[role]


@pytest.mark.parametrize("role", ROLES)
def test_the_dealer_order_page(client_as, paid_order, role):
    client, _ = client_as(role)
    response = client.get(reverse("orders:dealer_detail", kwargs={"number": paid_order.number}))
    assert response.status_code == DEALER_PAGES[role]


@pytest.mark.parametrize("role", ROLES)
def test_the_dealer_documents(client_as, paid_order, role):
    client, _ = client_as(role)
    url = reverse(
        "orders:dealer_document",
        kwargs={"number": paid_order.number, "document": "bon-de-commande"},
    )
    assert client.get(url).status_code == DEALER_PAGES[role]


@pytest.mark.parametrize("role", ROLES)
def test_dealer_actions(client_as, paid_order, role):
    client, _ = client_as(role)
    url = reverse(
        "orders:dealer_action", kwargs={"number": paid_order.number, "action": "confirmer"}
    )
    response = client.post(url)
    paid_order.refresh_from_db()
    assert response.status_code == {**DEALER_PAGES, "dealer_staff": 302}[role]
    assert (paid_order.status == "confirmed") is (role == "dealer_staff")


@pytest.mark.parametrize("role", ROLES)
def test_the_dealer_list_shows_only_its_orders(client_as, paid_order, role):
    client, _ = client_as(role)
    response = client.get(reverse("orders:dealer_list"))
    expected = {**DEALER_PAGES, "other_dealer_staff": 200}[role]
    assert response.status_code == expected
    if expected == 200:
        assert (paid_order.number in response.content.decode()) is (role == "dealer_staff")

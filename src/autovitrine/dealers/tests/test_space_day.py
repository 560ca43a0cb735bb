"""The dealer's day on its dashboard: each count with its link, the test-drive agenda in Paris
time, the trade-ins to appraise, flash-sale units sold; only the dealer's own data."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from autovitrine.conftest import ROLES
from autovitrine.leads.models import Lead
from autovitrine.orders.models import Order
from autovitrine.testing import factories as f
from autovitrine.tradein.models import TradeIn, ValuationRule

DASHBOARD_URL = reverse("dealers:dashboard")


def make_order(dealer, customer, status: str, n: int) -> Order:
    return Order.objects.create(
        number=f"AV{n:06d}",
        kind=Order.Kind.STOCK,
        status=status,
        customer=customer,
        dealer=dealer,
        stock_vehicle=f.StockVehicleFactory.create(dealer=dealer),
        vehicle_label="Voiture",
        first_name="Jeanne",
        last_name="Dupont",
        email="jeanne@example.fr",
        phone="0612345678",
        street="1 rue de la Paix",
        postcode="75002",
        city="Paris",
        price_ht=1_000_000,
        vat_cents=200_000,
        price_ttc=1_200_000,
        total_ttc=1_200_000,
        deposit_cents=100_000,
        idempotency_key=f"k-{n}",
    )


def tiles(page: str) -> dict[str, tuple[int, str]]:
    found = re.findall(
        r'id="tile-([a-z-]+)".*?<a href="([^"]+)"><span class="count">(\d+)</span>', page, re.S
    )
    return {key: (int(count), html.unescape(url)) for key, url, count in found}


def at_local(day_offset: int, hour: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=day_offset)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 30)))


def test_every_count_of_the_day_has_its_link_and_ignores_other_dealers(
    client_as, dealer, other_dealer, customer
):
    # Given
    f.LeadFactory.create_batch(2, dealer=dealer)
    f.LeadFactory(dealer=other_dealer)
    for n, status in enumerate(["deposit_paid", "deposit_paid", "confirmed", "ready", "draft"]):
        make_order(dealer, customer, status, n)
    make_order(other_dealer, customer, "deposit_paid", 99)
    f.LeadFactory(dealer=dealer, kind=Lead.Kind.TEST_DRIVE, preferred_slot=at_local(2, 11))
    client, _ = client_as("dealer_staff")

    # When
    page = client.get(DASHBOARD_URL).content.decode()

    # Then
    assert tiles(page) == {
        "new-leads": (3, "/demandes/concession/?status=new"),
        "drives-today": (0, "#agenda"),
        "drives-week": (1, "#agenda"),
        "orders-to-confirm": (2, "/commandes/concession/?status=deposit_paid"),
        "deliveries": (2, "/commandes/concession/?status=a-livrer"),
        "handovers-today": (0, "/concessions/espace/remises/?vue=jour"),
        "handovers-to-replan": (0, "/concessions/espace/remises/#handover-alerts"),
        "trade-ins": (0, "#reprises"),
        "flash-units": (0, "#ventes-flash"),
    }


def test_the_deliveries_link_lists_the_confirmed_orders_still_to_hand_over(
    client_as, dealer, customer
):
    # Given
    wanted = [make_order(dealer, customer, s, n) for n, s in enumerate(["confirmed", "ready"])]
    make_order(dealer, customer, "delivered", 7)
    client, _ = client_as("dealer_staff")

    # When
    response = client.get(reverse("orders:dealer_list"), {"status": "a-livrer"})

    # Then
    assert {o.number for o in response.context["page"].object_list} == {o.number for o in wanted}


def test_the_agenda_shows_the_weeks_test_drives_in_paris_time_in_order(client_as, dealer):
    # Given: one confirmed today, one asked for in three days, one lost, one next month
    later = f.LeadFactory(
        dealer=dealer, name="Paul", kind=Lead.Kind.TEST_DRIVE, preferred_slot=at_local(3, 9)
    )
    today = f.LeadFactory(
        dealer=dealer,
        name="Alice",
        kind=Lead.Kind.TEST_DRIVE,
        preferred_slot=at_local(0, 23),
        confirmed_slot=at_local(0, 23),
    )
    f.LeadFactory(
        dealer=dealer,
        kind=Lead.Kind.TEST_DRIVE,
        status=Lead.Status.LOST,
        preferred_slot=at_local(1, 10),
    )
    f.LeadFactory(dealer=dealer, kind=Lead.Kind.TEST_DRIVE, preferred_slot=at_local(30, 10))
    client, _ = client_as("dealer_staff")

    # When
    page = html.unescape(client.get(DASHBOARD_URL).content.decode())

    # Then
    agenda = re.findall(
        r'data-lead-id="(\d+)"><time [^>]+>([0-9:]+)</time>.*?class="badge [^"]+">([^<]+)<',
        page,
        re.S,
    )
    assert agenda == [
        (str(today.pk), "23:30", "confirmé"),
        (str(later.pk), "09:30", "à confirmer"),
    ]
    assert tiles(page)["drives-today"][0] == 1


def test_trade_ins_waiting_for_an_offer_are_counted_and_linked_to_their_order(
    client_as, dealer, customer
):
    # Given: an open order with a trade-in estimated, another whose offer was accepted
    waiting = make_order(dealer, customer, "deposit_paid", 1)
    settled = make_order(dealer, customer, "confirmed", 2)
    for order, status in [(waiting, "estimated"), (settled, "accepted")]:
        trade_in = TradeIn.objects.create(
            customer=customer,
            dealer=dealer,
            rule=ValuationRule.objects.first(),
            status=status,
            make="Peugeot",
            model_label="208",
            segment=TradeIn._meta.get_field("segment").choices[0][0],
            energy="petrol",
            year=2019,
            mileage_km=60_000,
            condition="good",
            plate="AB-123-CD",
            estimate_cents=900_000,
        )
        Order.objects.filter(pk=order.pk).update(trade_in=trade_in)
    client, _ = client_as("dealer_staff")

    # When
    page = client.get(DASHBOARD_URL).content.decode()

    # Then
    assert tiles(page)["trade-ins"][0] == 1
    assert f'href="/commandes/concession/{waiting.number}/"' in page
    assert f'href="/commandes/concession/{settled.number}/"' not in page


@pytest.mark.parametrize("role", ROLES)
def test_only_dealer_staff_sees_a_dashboard(client_as, role):
    client, _ = client_as(role)

    response = client.get(DASHBOARD_URL)

    expected = {
        "anonymous": 302,
        "customer": 403,
        "other_dealer_staff": 200,
        "dealer_staff": 200,
        "head_office": 403,
    }[role]
    assert response.status_code == expected

"""The dealer's dashboard: new leads first, leads and stock by status, the last leads, the links."""

from __future__ import annotations

import re

from django.urls import reverse

from autovitrine.testing import factories as f

DASHBOARD_URL = reverse("dealers:dashboard")


def definition_pairs(html: str, list_id: str) -> list[tuple[str, str]]:
    found = re.search(rf'<dl class="specs" id="{list_id}">(.*?)</dl>', html, re.S)
    assert found is not None, f"pas de liste « {list_id} »"
    block = found.group(1)
    return re.findall(r"<dt><a [^>]+>([^<]+)</a></dt><dd>(\d+)</dd>", block)


def test_the_dashboard_counts_leads_and_stock_by_status(client_as, dealer):
    # Given
    for status, count in [("new", 3), ("contacted", 2), ("lost", 1)]:
        f.LeadFactory.create_batch(count, dealer=dealer, status=status)
    for status, count in [("available", 4), ("sold", 1)]:
        f.StockVehicleFactory.create_batch(count, dealer=dealer, status=status)
    client, _ = client_as("dealer_staff")

    # When
    html = client.get(DASHBOARD_URL).content.decode()

    # Then
    assert '<span id="new-leads-count">3</span>' in html
    assert definition_pairs(html, "leads-by-status") == [
        ("Nouvelle", "3"),
        ("Contactée", "2"),
        ("Gagnée", "0"),
        ("Perdue", "1"),
    ]
    assert definition_pairs(html, "stock-by-status") == [
        ("Disponible", "4"),
        ("Réservé", "0"),
        ("Vendu", "1"),
        ("En vente flash", "0"),
    ]


def test_the_dashboard_lists_the_five_last_leads_with_links(client_as, dealer):
    # Given
    leads = f.LeadFactory.create_batch(7, dealer=dealer)
    client, _ = client_as("dealer_staff")

    # When
    html = client.get(DASHBOARD_URL).content.decode()

    # Then
    shown = [int(pk) for pk in re.findall(r'class="lead-row" data-lead-id="(\d+)"', html)]
    assert shown == [lead.pk for lead in reversed(leads)][:5]
    for lead in leads[-5:]:
        assert reverse("leads:dealer_detail", kwargs={"lead_id": lead.pk}) in html
    assert f'href="{reverse("leads:dealer_list")}?status=new"' in html
    assert f'href="{reverse("inventory:dealer_stock")}"' in html
    assert f'href="{reverse("inventory:dealer_vehicle_add")}"' in html


def test_an_empty_dealer_sees_zeros_and_a_friendly_line(client_as, dealer):
    # Given
    client, _ = client_as("dealer_staff")

    # When
    html = client.get(DASHBOARD_URL).content.decode()

    # Then
    assert '<span id="new-leads-count">0</span>' in html
    assert "Aucune demande pour l'instant." in html
    assert definition_pairs(html, "stock-by-status") == [
        ("Disponible", "0"),
        ("Réservé", "0"),
        ("Vendu", "0"),
        ("En vente flash", "0"),
    ]

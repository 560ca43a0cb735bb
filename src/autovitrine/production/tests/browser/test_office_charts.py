"""Head office opens the production view on a phone: each plant's charts are drawn by chart.js
(served from static, no inline script), the tables stay one tap away; the page passes axe-core."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from autovitrine.accounts.models import User
from autovitrine.testing import factories as f

from ..conftest import VIN, factory_order
from .test_live_timeline import axe_violations, send, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def recent(event_id: str, kind: str, hours_ago: float, **fields) -> dict:
    at = timezone.now() - dt.timedelta(hours=hours_ago)
    return {"id": event_id, "kind": kind, "occurred_at": at.isoformat(), **fields}


def test_head_office_sees_each_plants_charts(new_phone, granian_server, plant_key):
    # Given a car in the paint shop, on hold, after 5 hours in the body shop
    dealer = f.DealerFactory(code="aurore-lyon", name="Aurore Lyon Confluence")
    order = factory_order(f.UserFactory(), dealer)
    send(
        granian_server.url,
        plant_key,
        [
            recent("vin", "vin_assigned", 10, order=order.number, vin=VIN),
            recent("in1", "station_entered", 9, vin=VIN, station="tolerie"),
            recent("in2", "station_entered", 4, vin=VIN, station="peinture"),
            recent("hold", "quality_hold", 3, vin=VIN, reason="Retouche"),
        ],
    )
    office = f.UserFactory(email="siege@example.fr", kind=User.Kind.HEAD_OFFICE, is_staff=True)
    page = new_phone()
    sign_in(page, office.email)

    # When
    page.goto("/siege/production/")

    # Then both charts of the plant are drawn, with their bars
    for chart in ("stages-douai", "durations-douai"):
        canvas = page.locator(f"#{chart}")
        canvas.scroll_into_view_if_needed()
        page.wait_for_function(f"() => window.Chart && window.Chart.getChart('{chart}')")
        assert canvas.bounding_box()["width"] > 300
        assert canvas.bounding_box()["height"] >= 160
    bars = page.evaluate(
        "() => window.Chart.getChart('stages-douai').data.datasets.map(d => d.data)"
    )
    assert bars[1][2] == 1  # the paint shop's car, on hold
    assert "Voiture en retard ou bloquée : 1" in page.locator("#late-cars").inner_text()
    # and the tables are there for whoever cannot see the charts
    page.get_by_text("Le tableau").first.click()
    assert "Tôlerie" in page.locator(".office-stages").first.inner_text()
    assert axe_violations(page) == []

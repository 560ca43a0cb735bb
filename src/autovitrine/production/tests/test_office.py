"""Head office's view across plants: cars at each stage, observed step durations beside the
configured ones, late or held cars, and how often the announced windows held the arrival."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from autovitrine.conftest import ROLES
from autovitrine.production import selectors, services
from autovitrine.production.models import Carrier, EtaChange

from .conftest import T0, VIN, event, factory_order, post
from .test_handover import arriving

OFFICE_URL = reverse("production:office")
VIN_B = "VF1AB000123456790"
VIN_C = "VF1AB000123456791"


@pytest.mark.parametrize("role", ROLES)
def test_only_head_office_sees_the_production_view(client_as, role):
    client, _ = client_as(role)

    response = client.get(OFFICE_URL)

    expected = {
        "anonymous": 302,
        "customer": 403,
        "other_dealer_staff": 403,
        "dealer_staff": 403,
        "head_office": 200,
    }[role]
    assert response.status_code == expected


@pytest.fixture
def road_key(plant):
    return services.credential_create(
        label="Route", carrier_id=Carrier.objects.get(code="route").pk
    )


@pytest.fixture
def runs(client, plant_key, rail_key, road_key, customer, dealer):
    """Car A built and delivered to the dealer; car B in the paint shop, on hold; car C planned."""
    a, b, c = (factory_order(customer, dealer) for _ in range(3))
    post(
        client,
        plant_key,
        [
            event("a-vin", "vin_assigned", 0, order=a.number, vin=VIN),
            event("a1", "station_entered", 0, vin=VIN, station="tolerie"),
            event("a2", "station_entered", 300, vin=VIN, station="peinture"),
            event("a3", "station_entered", 600, vin=VIN, station="montage"),
            event("a4", "station_entered", 1080, vin=VIN, station="audit"),
            event("a5", "left_plant", 1200, vin=VIN),
            event("b-vin", "vin_assigned", 0, order=b.number, vin=VIN_B),
            event("b1", "station_entered", 0, vin=VIN_B, station="tolerie"),
            event("b2", "station_entered", 360, vin=VIN_B, station="peinture"),
            event("b3", "quality_hold", 400, vin=VIN_B, reason="Retouche"),
            event("c-vin", "vin_assigned", 0, order=c.number, vin=VIN_C),
        ],
    )
    post(
        client,
        rail_key,
        [event("a6", "transport_checkpoint", 1300, vin=VIN, leg="douai-lyon-rail")],
    )
    post(
        client,
        road_key,
        [
            event("a7", "transport_checkpoint", 4180, vin=VIN, leg="lyon-concession"),
            event("a8", "arrived_at_dealer", 5620, vin=VIN),
        ],
    )
    return a, b, c


def test_cars_per_stage_and_observed_durations_per_plant(runs):
    a, b, c = runs

    # When
    overview = selectors.office_overview(now=T0 + dt.timedelta(days=5))

    # Then B (on hold) is in the paint shop and C planned; A, arrived, is no longer counted
    [plant] = overview.plants
    assert plant.in_progress == 2
    assert [(s.label, s.cars, s.on_hold) for s in plant.stages] == [
        ("Planifiée", 1, 0),
        ("Tôlerie", 0, 0),
        ("Peinture", 1, 1),
        ("Montage", 0, 0),
        ("Audit qualité", 0, 0),
        ("Attente du transport", 0, 0),
        ("Douai → Hub de Lyon", 0, 0),
        ("Hub de Lyon → Concession", 0, 0),
    ]
    # and each step's observed mean and spread stand beside the configured ones
    assert [
        (d.label, d.typical_hours, d.observed_hours, d.observed_spread, d.runs)
        for d in plant.durations
    ] == [
        ("Tôlerie", 4.0, 5.5, 0.7, 2),
        ("Peinture", 5.0, 5.0, 0.0, 1),
        ("Montage", 8.0, 8.0, 0.0, 1),
        ("Douai → Hub de Lyon", 48.0, 48.0, 0.0, 1),
        ("Hub de Lyon → Concession", 24.0, 24.0, 0.0, 1),
    ]
    # and the held car is listed
    assert [(car.number, car.on_hold) for car in overview.late] == [(b.number, True)]


def test_events_older_than_the_window_are_not_measured(runs):
    overview = selectors.office_overview(now=T0 + dt.timedelta(days=200))

    assert {d.runs for d in overview.plants[0].durations} == {0}
    assert overview.accuracy.windows == 0


def test_a_car_whose_window_ends_after_the_promised_date_is_late(plant, customer, dealer):
    # Given one car due after its promised date, one due before, one arrived late
    late = factory_order(customer, dealer)
    on_time = factory_order(customer, dealer)
    due = dt.date(2026, 3, 20)
    arriving(late, plant, eta_to=due)
    arriving(on_time, plant, eta_to=due)
    for order, promised in ((late, due - dt.timedelta(days=1)), (on_time, due)):
        order.delivery_by = promised
        order.save(update_fields=["delivery_by"])

    overview = selectors.office_overview(now=T0)

    assert [(car.number, car.on_hold, car.promised) for car in overview.late] == [
        (late.number, False, due - dt.timedelta(days=1))
    ]


def window(progress, start: str, end: str, at: str, reason="progress"):
    EtaChange.objects.create(
        progress=progress,
        eta_from=dt.date.fromisoformat(start),
        eta_to=dt.date.fromisoformat(end),
        reason=reason,
        created_at=dt.datetime.fromisoformat(at + "T12:00:00+00:00"),
    )


def test_eta_accuracy_counts_the_windows_shown_before_each_arrival(plant, customer, dealer):
    # Given car X arrived on 11 March: its first window held it, its second did not, one given
    # after the arrival does not count; car Y arrived on 6 March, 3 days after its only window
    x, y = factory_order(customer, dealer), factory_order(customer, dealer)
    px = arriving(x, plant, eta_to=dt.date(2026, 3, 12))
    py = arriving(y, plant, eta_to=dt.date(2026, 3, 3))
    px.arrived_at = dt.datetime(2026, 3, 11, 9, tzinfo=dt.UTC)
    py.arrived_at = dt.datetime(2026, 3, 6, 9, tzinfo=dt.UTC)
    px.save()
    py.save()
    window(px, "2026-03-10", "2026-03-12", "2026-03-02", reason="initial")
    window(px, "2026-03-13", "2026-03-14", "2026-03-05")
    window(px, "2026-03-11", "2026-03-11", "2026-03-11", reason="arrived")
    window(px, "2026-03-20", "2026-03-21", "2026-03-12")
    window(py, "2026-03-01", "2026-03-03", "2026-02-25", reason="initial")

    # When
    accuracy = selectors.office_overview(now=T0 + dt.timedelta(days=20)).accuracy

    # Then
    assert (accuracy.cars, accuracy.windows, accuracy.windows_held) == (2, 3, 1)
    assert accuracy.percent == 33
    assert accuracy.mean_days_off == 1.5


def test_the_page_carries_each_plants_charts_and_their_tables(client_as, runs):
    client, _ = client_as("head_office")

    page = client.get(OFFICE_URL).content.decode()

    assert 'id="stages-douai"' in page and 'id="durations-douai"' in page
    charts = json.loads(
        page.split('id="office-charts" type="application/json">')[1].split("</script>")[0]
    )
    assert charts[0]["code"] == "douai"
    assert charts[0]["stages"]["on_hold"][2] == 1
    assert (
        "Voitures en retard ou bloquées : 1" in page or "Voiture en retard ou bloquée : 1" in page
    )
    assert "vendor/chart.js/chart.umd.js" in page

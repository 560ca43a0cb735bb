"""The buyer's timeline page and its stream: who may see them, what they show."""

from __future__ import annotations

import pytest
from django.urls import reverse

from autovitrine.conftest import ROLES
from autovitrine.production.models import EtaChange, OrderProgress

from .conftest import VIN, assign, event, factory_order, post

# The buyer, the delivering dealer's staff and head office; anyone else finds nothing.
EXPECTED = {
    "anonymous": 302,
    "customer": 200,
    "other_dealer_staff": 404,
    "dealer_staff": 200,
    "head_office": 200,
}


@pytest.fixture
def running(client, plant_key, rail_key, order):
    """The order's car built, held then released, out of the plant and on the train, late."""
    post(
        client,
        plant_key,
        [
            assign(order),
            event("in1", "station_entered", 10, vin=VIN, station="tolerie"),
            event("out1", "station_left", 250, vin=VIN, station="tolerie"),
            event("in2", "station_entered", 260, vin=VIN, station="peinture"),
        ],
    )
    return order


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_the_timeline(client_as, running, role):
    client, _ = client_as(role)
    url = reverse("production:timeline", kwargs={"number": running.number})
    response = client.get(url)
    assert response.status_code == EXPECTED[role]
    if role == "anonymous":
        assert response["Location"].startswith("/compte/")


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_stream(client_as, running, role):
    client, _ = client_as(role)
    url = reverse("production:stream", kwargs={"number": running.number})
    response = client.get(url)
    expected = {**EXPECTED, "anonymous": 404}[role]
    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Type"].startswith("text/event-stream")
        assert response["X-Accel-Buffering"] == "no"
        assert "no-transform" in response["Cache-Control"]
        assert not response.has_header("Content-Encoding")
        response.close()


def test_another_customer_gets_404(client, running):
    from autovitrine.testing import factories as f

    client.force_login(f.UserFactory(), backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("production:timeline", kwargs={"number": running.number})
    assert client.get(url).status_code == 404


def test_the_timeline_shows_stages_times_progress_and_current(client, customer, running):
    # When
    client.force_login(customer, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("production:timeline", kwargs={"number": running.number}))

    # Then
    html = page.content.decode()
    assert "Tôlerie" in html and "Peinture" in html and "Audit qualité" in html
    assert 'aria-current="step"' in html
    current = html.split('aria-current="step"')[1].split("</li>")[0]
    assert "Peinture" in current
    assert '<progress id="tracking-progress" max="100" value="12"' in html
    assert "Arrivée prévue" in html
    assert "Entrée au poste : Peinture." in html
    # Works without JavaScript: everything above is in the HTML; the stream is a bonus.
    assert "Rechargez la page" in html


def test_the_eta_history_says_what_moved_it(client, customer, running, rail_key, plant_key):
    # Given the car left and the carrier announced, then pushed back, its arrival
    post(client, plant_key, [event("exit", "left_plant", 2000, vin=VIN)])
    leg = dict(vin=VIN, leg="douai-lyon-rail")
    post(
        client,
        rail_key,
        [event("c1", "transport_checkpoint", 2100, eta="2026-03-05T12:00:00+01:00", **leg)],
    )
    post(
        client,
        rail_key,
        [event("c2", "transport_checkpoint", 2200, eta="2026-03-12T12:00:00+01:00", **leg)],
    )

    # When
    client.force_login(customer, backend="django.contrib.auth.backends.ModelBackend")
    html = client.get(reverse("production:timeline", kwargs={"number": running.number})).content
    html = html.decode()

    # Then
    last = EtaChange.objects.filter(progress__order=running).last()
    assert last.reason == "transport_delay"
    assert "retard de transport" in html
    assert "prévue le" in html and "était le" in html


def test_a_private_hold_reason_is_not_shown(client, customer, running, plant_key):
    post(
        client,
        plant_key,
        [event("h", "quality_hold", 300, vin=VIN, reason="Fournisseur X défaillant")],
    )
    client.force_login(customer, backend="django.contrib.auth.backends.ModelBackend")
    html = client.get(reverse("production:timeline", kwargs={"number": running.number}))
    html = html.content.decode()
    assert "Contrôle qualité supplémentaire en cours." in html
    assert "Fournisseur X" not in html
    assert OrderProgress.objects.get(order=running).hold_reason == "Fournisseur X défaillant"


def test_a_public_hold_reason_is_shown(client, customer, running, plant_key):
    post(
        client,
        plant_key,
        [
            event(
                "h", "quality_hold", 300, vin=VIN, reason="Retouche de peinture", reason_public=True
            )
        ],
    )
    client.force_login(customer, backend="django.contrib.auth.backends.ModelBackend")
    html = client.get(reverse("production:timeline", kwargs={"number": running.number}))
    assert "Retouche de peinture" in html.content.decode()


def test_a_confirmed_order_not_yet_planned(client, customer, dealer):
    order = factory_order(customer, dealer)
    client.force_login(customer, backend="django.contrib.auth.backends.ModelBackend")
    html = client.get(reverse("production:timeline", kwargs={"number": order.number}))
    assert "en attente de planification" in html.content.decode()


def test_the_order_page_links_to_the_timeline(client, customer, running):
    client.force_login(customer, backend="django.contrib.auth.backends.ModelBackend")
    html = client.get(reverse("orders:detail", kwargs={"number": running.number})).content
    assert reverse("production:timeline", kwargs={"number": running.number}) in html.decode()


@pytest.mark.parametrize("role", ROLES)
def test_the_dealer_sees_only_its_incoming_cars(client_as, running, role):
    client, _ = client_as(role)
    response = client.get(reverse("production:dealer_incoming"))
    expected = {
        "anonymous": 302,
        "customer": 403,
        "other_dealer_staff": 200,
        "dealer_staff": 200,
        "head_office": 403,
    }[role]
    assert response.status_code == expected
    if expected == 200:
        assert (running.number in response.content.decode()) is (role == "dealer_staff")

"""The buyer chooses which milestones they are e-mailed about, from their timeline."""

from __future__ import annotations

import pytest
from django.urls import reverse

from autovitrine.conftest import ROLES
from autovitrine.production.models import TrackingPreferences

from .conftest import VIN, assign, event, post


def alerts_url(order) -> str:
    return reverse("production:timeline_alerts", kwargs={"number": order.number})


def test_a_milestone_turned_off_sends_no_email_the_others_still_do(
    client, customer, plant_key, rail_key, order, mailoutbox, django_capture_on_commit_callbacks
):
    # Given the buyer keeps only the arrival
    client.force_login(customer, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("production:timeline", kwargs={"number": order.number}))
    assert page.content.decode().count('name="etapes"') == 3  # all ticked until they choose
    response = client.post(alerts_url(order), {"etapes": ["arrived"]})
    assert response.status_code == 302
    assert response["Location"].endswith("/suivi/#alertes")

    # When the car leaves the plant, then arrives
    with django_capture_on_commit_callbacks(execute=True):
        post(client, plant_key, [assign(order), event("exit", "left_plant", 100, vin=VIN)])
        post(client, rail_key, [event("arr", "arrived_at_dealer", 3000, vin=VIN)])

    # Then only the arrival is told
    subjects = [m.subject for m in mailoutbox]
    assert not any("quitté l'usine" in s for s in subjects)
    assert any("arrivée à la concession" in s for s in subjects)
    # and the form shows the choice
    html = client.get(reverse("production:timeline", kwargs={"number": order.number})).content
    assert html.decode().count("checked") == 1


def test_an_unknown_milestone_is_ignored(client, customer, order):
    client.force_login(customer, backend="django.contrib.auth.backends.ModelBackend")

    client.post(alerts_url(order), {"etapes": ["arrived", "tout", "handover_moved"]})

    assert TrackingPreferences.objects.get().email_milestones == ["arrived"]


@pytest.mark.parametrize("role", ROLES)
def test_only_the_buyer_chooses_their_alerts(client_as, order, role):
    client, _ = client_as(role)

    response = client.post(alerts_url(order), {"etapes": []})

    expected = {
        "anonymous": 302,
        "customer": 302,
        "other_dealer_staff": 404,
        "dealer_staff": 404,
        "head_office": 404,
    }[role]
    assert response.status_code == expected
    assert TrackingPreferences.objects.exists() == (role == "customer")

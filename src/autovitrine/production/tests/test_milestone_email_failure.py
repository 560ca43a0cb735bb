"""Issue 10: a milestone e-mail that cannot be sent (the relay refuses it) is kept on its
notification and listed on head office's production page, not lost in a failed task; it is
still sent once at most."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from autovitrine.production.models import Notification

from .conftest import VIN, assign, event, post

pytestmark = pytest.mark.django_db


def test_a_milestone_email_the_relay_refuses_is_listed_for_head_office(
    client, plant_key, order, head_office, smtp_down, django_capture_on_commit_callbacks
):
    # When: the car leaves the plant while the mail relay is down
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, plant_key, [assign(order), event("x", "left_plant", 100, vin=VIN)])
    assert response.status_code == 200

    # Then: the notification says why its e-mail did not leave, and to whom
    notification = Notification.objects.get(milestone="left_plant")
    assert order.email in notification.email_error
    assert "non envoyé" in notification.email_error

    # And head office's page lists it
    client.force_login(head_office)
    page = html.unescape(client.get(reverse("production:office")).content.decode())
    assert f'data-email-failed="{order.number}"' in page

    # And a replay sends nothing twice (the claim stays)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, plant_key, [assign(order), event("x", "left_plant", 100, vin=VIN)])
    assert Notification.objects.filter(milestone="left_plant").count() == 1


def test_milestone_emails_that_leave_are_not_listed(
    client, plant_key, order, head_office, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, plant_key, [assign(order), event("x", "left_plant", 100, vin=VIN)])

    client.force_login(head_office)
    page = client.get(reverse("production:office")).content.decode()
    assert mailoutbox
    assert "data-email-failed" not in page
    assert Notification.objects.get(milestone="left_plant").email_error == ""

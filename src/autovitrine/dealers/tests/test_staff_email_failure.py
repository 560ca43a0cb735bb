"""Issue 10: a message to a dealer's staff the mail relay refuses does not fail its task: head
office, who runs the network and can phone the dealer, finds it in the admin."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from autovitrine.dealers.models import StaffEmailFailure
from autovitrine.dealers.services import dealer_staff_notify

pytestmark = pytest.mark.django_db


def test_a_staff_message_the_relay_refuses_is_listed_for_head_office(
    client, dealer, dealer_staff, head_office, smtp_down, django_capture_on_commit_callbacks
):
    # Given: the relay is down
    # When: another app tells the dealer's staff about a sale
    with django_capture_on_commit_callbacks(execute=True):
        dealer_staff_notify(dealer_id=dealer.pk, subject="Nouvelle commande AV-1", body="…")

    # Then: the failure names the dealer, the message and its recipients
    [failure] = StaffEmailFailure.objects.all()
    assert failure.dealer == dealer
    assert failure.subject == "Nouvelle commande AV-1"
    assert dealer_staff.email in failure.recipients
    assert failure.error

    # And head office sees it
    client.force_login(head_office)
    page = client.get(reverse("admin:dealers_staffemailfailure_changelist"))
    assert page.status_code == 200
    assert "Nouvelle commande AV-1" in html.unescape(page.content.decode())


def test_a_staff_message_that_leaves_records_nothing(
    dealer, dealer_staff, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dealer_staff_notify(dealer_id=dealer.pk, subject="Nouvelle commande AV-2", body="…")
    assert [m.subject for m in mailoutbox] == ["Nouvelle commande AV-2"]
    assert not StaffEmailFailure.objects.exists()

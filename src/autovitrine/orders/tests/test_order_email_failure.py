"""Issue 10: an order e-mail that cannot be sent (the relay refuses it) is written on the
order's timeline and badged in the dealer's list, not lost in a failed task."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from autovitrine.orders.models import OrderEvent
from autovitrine.orders.services import order_confirm

pytestmark = pytest.mark.django_db


def test_a_buyer_email_the_relay_refuses_is_on_the_order_and_badged_for_the_dealer(
    client, paid_order, dealer_staff, smtp_down, django_capture_on_commit_callbacks
):
    # Given: a paid order; the mail relay is down
    assert paid_order.dealer_id == dealer_staff.dealer_staff.dealer_id

    # When: the dealer confirms it (the buyer is e-mailed)
    with django_capture_on_commit_callbacks(execute=True):
        order_confirm(number=paid_order.number, dealer_id=paid_order.dealer_id, by=dealer_staff)

    # Then: the confirmation stands, and the failed e-mail is on the order's timeline
    failures = list(OrderEvent.objects.filter(order=paid_order, email_failed=True))
    assert len(failures) == 1
    assert paid_order.email in failures[0].note
    assert "non envoyé" in failures[0].note
    paid_order.refresh_from_db()
    assert failures[0].to_status == paid_order.status == "confirmed"

    # And the dealer's list badges this order, and only it
    client.force_login(dealer_staff)
    page = html.unescape(client.get(reverse("orders:dealer_list")).content.decode())
    assert page.count("data-email-failed") == 1
    assert "E-mail non envoyé" in page


def test_an_order_whose_emails_leave_has_no_badge(
    client, paid_order, dealer_staff, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order_confirm(number=paid_order.number, dealer_id=paid_order.dealer_id, by=dealer_staff)

    client.force_login(dealer_staff)
    page = client.get(reverse("orders:dealer_list")).content.decode()
    assert mailoutbox and "data-email-failed" not in page
    assert not OrderEvent.objects.filter(email_failed=True).exists()

"""The dealer's dashboard tells the day's handovers (a count, the list by half-day, a link to the
calendar) and the handovers to replan after an ETA slip; only the dealer's own."""

from __future__ import annotations

import datetime as dt
import html
import re

from django.urls import reverse
from django.utils import timezone

from autovitrine.production.models import Handover, HandoverBooking

from .conftest import factory_order

DASHBOARD_URL = reverse("dealers:dashboard")


def book(order, *, day: dt.date, half_day: str, seat: int = 1, status: str = "booked"):
    handover, _ = Handover.objects.get_or_create(order=order)
    return HandoverBooking.objects.create(
        handover=handover,
        dealer_id=order.dealer_id,
        day=day,
        half_day=half_day,
        seat=seat,
        status=status,
    )


def tile(page: str, key: str) -> tuple[int, str]:
    found = re.search(
        rf'id="tile-{key}".*?<a href="([^"]+)"><span class="count">(\d+)</span>', page, re.S
    )
    assert found, key
    return int(found.group(2)), html.unescape(found.group(1))


def test_the_dashboard_counts_and_lists_todays_handovers_with_a_link_to_the_calendar(
    client_as, dealer, other_dealer, customer
):
    # Given two handovers today (morning and afternoon), one done, one tomorrow, one moved after
    # a slip, and another dealer's handover today
    today = timezone.localdate()
    morning = factory_order(customer, dealer)
    afternoon = factory_order(customer, dealer)
    done = factory_order(customer, dealer, status="delivered")
    tomorrow = factory_order(customer, dealer)
    moved = factory_order(customer, dealer)
    elsewhere = factory_order(customer, other_dealer)
    book(morning, day=today, half_day="am")
    book(afternoon, day=today, half_day="pm")
    book(done, day=today, half_day="am", seat=2, status="done")
    book(tomorrow, day=today + dt.timedelta(days=1), half_day="am")
    book(moved, day=today + dt.timedelta(days=9), half_day="pm", status="offered")
    book(elsewhere, day=today, half_day="am")
    client, _ = client_as("dealer_staff")

    # When
    page = html.unescape(client.get(DASHBOARD_URL).content.decode())

    # Then the tile counts today's three and opens the calendar on today
    assert tile(page, "handovers-today") == (3, "/concessions/espace/remises/?vue=jour")
    assert tile(page, "handovers-to-replan") == (1, "/concessions/espace/remises/#handover-alerts")
    # and the day's list shows them by half-day, the done one marked, no other day's or dealer's
    section = page.split('id="remises"')[1].split("</section>")[0]
    assert "Remises des clés aujourd'hui : 3" in section
    morning_list = section.split('id="handovers-today-am"')[1].split("</ul>")[0]
    afternoon_list = section.split('id="handovers-today-pm"')[1].split("</ul>")[0]
    assert re.findall(r'data-order="([^"]+)"', morning_list) == [morning.number, done.number]
    assert re.findall(r'data-order="([^"]+)"', afternoon_list) == [afternoon.number]
    assert "remise effectuée" in morning_list.split(done.number)[-1]
    for absent in (tomorrow, moved, elsewhere):
        assert absent.number not in section
    assert 'href="/concessions/espace/remises/" id="handover-calendar-link"' in section
    assert f'href="/concessions/espace/remises/{morning.number}/"' in section


def test_a_day_without_handovers_says_so_and_still_links_the_calendar(client_as, dealer):
    client, _ = client_as("dealer_staff")

    page = html.unescape(client.get(DASHBOARD_URL).content.decode())

    assert tile(page, "handovers-today") == (0, "/concessions/espace/remises/?vue=jour")
    assert "Aucune remise des clés prévue aujourd'hui." in page
    assert 'id="handover-calendar-link"' in page

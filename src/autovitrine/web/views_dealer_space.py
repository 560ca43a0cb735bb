"""The dealer's own space: a dashboard of its day (leads, test drives, orders, deliveries,
handovers, trade-ins, flash-sale units sold, stock), for its staff only. Times are Paris time.

It lives in ``web``, above the apps it composes (dealers, leads, inventory, orders, production,
flash sales),
and is mounted in the ``dealers`` URL namespace by ``config.urls``: each of those apps stays
unaware of the others.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from autovitrine.core.permissions import dealer_staff_required
from autovitrine.dealers.selectors import dealer_by_id
from autovitrine.flashsales.selectors import dealer_units_sold
from autovitrine.inventory.selectors import dealer_stock_by_status
from autovitrine.leads.selectors import (
    AgendaItem,
    LeadStatus,
    dealer_leads,
    dealer_leads_by_status,
    dealer_test_drive_agenda,
)
from autovitrine.orders.selectors import (
    TO_DELIVER_FILTER,
    TO_DELIVER_STATUSES,
    OrderStatus,
    dealer_order_counts,
    dealer_orders_with_trade_in_to_appraise,
)
from autovitrine.production.selectors import dealer_handover_calendar, dealer_slip_alerts

RECENT_LEADS = 5
AGENDA_DAYS = 7
UNITS_SOLD_SHOWN = 10


@dataclass(frozen=True, slots=True)
class Tile:
    key: str
    label: str
    count: int
    url: str


@dataclass(frozen=True, slots=True)
class AgendaDay:
    day: dt.date
    is_today: bool
    items: list[AgendaItem]


def _list_url(name: str, **query: str) -> str:
    return f"{reverse(name)}?{urlencode(query)}" if query else reverse(name)


def _agenda(dealer_id: int) -> tuple[list[AgendaDay], int, int]:
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    items = dealer_test_drive_agenda(
        dealer_id=dealer_id, start=start, end=start + dt.timedelta(days=AGENDA_DAYS)
    )
    days = [
        AgendaDay(day=day, is_today=day == today, items=list(group))
        for day, group in groupby(items, key=lambda item: timezone.localdate(item.slot))
    ]
    today_count = sum(len(day.items) for day in days if day.is_today)
    return days, today_count, len(items)


@dealer_staff_required
def dashboard(request: HttpRequest, *, dealer_id: int) -> HttpResponse:
    new_leads, leads_by_status = dealer_leads_by_status(dealer_id=dealer_id)
    order_counts = dealer_order_counts(dealer_id=dealer_id)
    agenda, drives_today, drives_week = _agenda(dealer_id)
    trade_in_orders = list(dealer_orders_with_trade_in_to_appraise(dealer_id=dealer_id))
    units_sold = dealer_units_sold(dealer_id=dealer_id)
    units_sold_count = units_sold.count()
    today = timezone.localdate()
    handovers_today = [
        half
        for half in dealer_handover_calendar(dealer_id=dealer_id, start=today, days=1)
        if half.entries
    ]
    handovers_today_count = sum(len(half.entries) for half in handovers_today)
    to_replan = len(dealer_slip_alerts(dealer_id=dealer_id))
    orders_url = "orders:dealer_list"
    tiles = [
        Tile(
            "new-leads",
            _("Nouvelles demandes"),
            new_leads,
            _list_url("leads:dealer_list", status=LeadStatus.NEW),
        ),
        Tile(
            "drives-today",
            _("Essais aujourd'hui"),
            drives_today,
            "#agenda",
        ),
        Tile(
            "drives-week",
            _("Essais sur 7 jours"),
            drives_week,
            "#agenda",
        ),
        Tile(
            "orders-to-confirm",
            _("Commandes à confirmer"),
            order_counts[OrderStatus.DEPOSIT_PAID],
            _list_url(orders_url, status=OrderStatus.DEPOSIT_PAID),
        ),
        Tile(
            "deliveries",
            _("Livraisons à préparer"),
            sum(order_counts[status] for status in TO_DELIVER_STATUSES),
            _list_url(orders_url, status=TO_DELIVER_FILTER),
        ),
        Tile(
            "handovers-today",
            _("Remises des clés aujourd'hui"),
            handovers_today_count,
            _list_url("production:dealer_handovers", vue="jour"),
        ),
        Tile(
            "handovers-to-replan",
            _("Remises à replanifier (retard)"),
            to_replan,
            f"{reverse('production:dealer_handovers')}#handover-alerts",
        ),
        Tile(
            "trade-ins",
            _("Reprises à estimer"),
            len(trade_in_orders),
            "#reprises",
        ),
        Tile(
            "flash-units",
            _("Véhicules vendus en vente flash"),
            units_sold_count,
            "#ventes-flash",
        ),
    ]
    context = {
        "dealer": dealer_by_id(dealer_id),
        "today_local": today,
        "handovers_today": handovers_today,
        "handovers_today_count": handovers_today_count,
        "tiles": tiles,
        "agenda": agenda,
        "agenda_days": AGENDA_DAYS,
        "trade_in_orders": trade_in_orders,
        "units_sold": list(units_sold[:UNITS_SOLD_SHOWN]),
        "units_sold_count": units_sold_count,
        "new_leads": new_leads,
        "leads_by_status": leads_by_status,
        "stock_by_status": dealer_stock_by_status(dealer_id=dealer_id),
        "recent_leads": list(dealer_leads(dealer_id=dealer_id)[:RECENT_LEADS]),
    }
    return render(request, "web/dealer_space.html", context)

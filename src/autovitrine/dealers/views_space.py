"""The dealer's own space: a dashboard of its leads and stock, for its staff only."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from autovitrine.core.permissions import dealer_staff_required
from autovitrine.inventory.models import StockVehicle
from autovitrine.inventory.selectors import dealer_stock
from autovitrine.leads.models import Lead
from autovitrine.leads.selectors import dealer_lead_counts, dealer_leads

from .models import Dealer

RECENT_LEADS = 5


@dealer_staff_required
def dashboard(request: HttpRequest, *, dealer_id: int) -> HttpResponse:
    lead_counts = dealer_lead_counts(dealer_id=dealer_id)
    stock_counts = dict.fromkeys(StockVehicle.Status.values, 0)
    grouped = (
        dealer_stock(dealer_id=dealer_id)
        .prefetch_related(None)
        .order_by()
        .values("status")
        .annotate(total=Count("id"))
    )
    for row in grouped:
        stock_counts[row["status"]] = row["total"]
    context = {
        "dealer": Dealer.objects.get(pk=dealer_id),
        "new_leads": lead_counts[Lead.Status.NEW],
        "leads_by_status": [
            (value, label, lead_counts[value]) for value, label in Lead.Status.choices
        ],
        "stock_by_status": [
            (value, label, stock_counts[value]) for value, label in StockVehicle.Status.choices
        ],
        "recent_leads": list(dealer_leads(dealer_id=dealer_id)[:RECENT_LEADS]),
    }
    return render(request, "dealers/space/dashboard.html", context)

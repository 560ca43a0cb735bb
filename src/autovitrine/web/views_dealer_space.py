"""The dealer's own space: a dashboard of its leads and stock, for its staff only.

It lives in ``web``, above the apps it composes (dealers, leads, inventory), and is mounted in the
``dealers`` URL namespace by ``config.urls``: each of those apps stays unaware of the others.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from autovitrine.core.permissions import dealer_staff_required
from autovitrine.dealers.selectors import dealer_by_id
from autovitrine.inventory.selectors import dealer_stock_by_status
from autovitrine.leads.selectors import dealer_leads, dealer_leads_by_status

RECENT_LEADS = 5


@dealer_staff_required
def dashboard(request: HttpRequest, *, dealer_id: int) -> HttpResponse:
    new_leads, leads_by_status = dealer_leads_by_status(dealer_id=dealer_id)
    context = {
        "dealer": dealer_by_id(dealer_id),
        "new_leads": new_leads,
        "leads_by_status": leads_by_status,
        "stock_by_status": dealer_stock_by_status(dealer_id=dealer_id),
        "recent_leads": list(dealer_leads(dealer_id=dealer_id)[:RECENT_LEADS]),
    }
    return render(request, "web/dealer_space.html", context)

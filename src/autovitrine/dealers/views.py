"""Public network pages: the dealer locator (near a place or the browser's position) and a dealer."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .forms import DealerLocatorForm
from .models import Dealer
from .selectors import NearbyDealer, dealer_for_page, dealers_near, opening_hours_fr

NEAREST_DEALERS = 10


@dataclass(frozen=True, slots=True)
class DealerCard:
    dealer: Dealer
    distance: str
    services: list[str]


def _distance_text(km: float) -> str:
    # A tenth of a kilometre matters in town, not across the country.
    if km < 0.1:
        return _("à moins de 100 m")
    shown = (
        number_format(round(km, 1), 1)
        if km < 10
        else number_format(round(km), 0, force_grouping=True)
    )
    return _("à %(km)s km") % {"km": shown}


def _services(dealer: Dealer) -> list[str]:
    offered = [
        (dealer.sells_new, _("Neuf")),
        (dealer.sells_used, _("Occasion")),
        (dealer.has_workshop, _("Atelier")),
    ]
    return [name for is_offered, name in offered if is_offered]


def _card(nearby: NearbyDealer) -> DealerCard:
    return DealerCard(
        dealer=nearby.dealer,
        distance=_distance_text(nearby.distance_km),
        services=_services(nearby.dealer),
    )


def locator(request: HttpRequest) -> HttpResponse:
    form = DealerLocatorForm(request.GET or None)
    cards: list[DealerCard] | None = None
    origin = form.origin() if form.is_valid() else None
    if origin is not None:
        nearby = dealers_near(
            latitude=origin[0],
            longitude=origin[1],
            limit=NEAREST_DEALERS,
            services=form.cleaned_data["services"],
        )
        cards = [_card(hit) for hit in nearby]
    context = {
        "form": form,
        "cards": cards,
        "origin_label": form.origin_label() if origin else "",
        # Kept in the form only when it is what the results are measured from.
        "position": form.position() if origin and form.resolved_place is None else None,
        "needs_place": form.is_bound and not form.errors and origin is None,
    }
    return render(request, "dealers/locator.html", context)


def _map_url(dealer: Dealer) -> str:
    lat, lng = f"{dealer.latitude:.5f}", f"{dealer.longitude:.5f}"
    return (
        f"https://www.openstreetmap.org/?{urlencode({'mlat': lat, 'mlon': lng})}#map=16/{lat}/{lng}"
    )


def dealer_detail(request: HttpRequest, code: str) -> HttpResponse:
    dealer = dealer_for_page(code)
    if dealer is None:
        raise Http404(_("Cette concession n'existe pas ou n'est plus dans notre réseau."))
    context = {
        "dealer": dealer,
        "services": _services(dealer),
        "opening_hours": opening_hours_fr(dealer),
        "map_url": _map_url(dealer),
        "stock_url": f"{reverse('inventory:search')}?{urlencode({'dealer': dealer.code})}",
    }
    return render(request, "dealers/dealer_detail.html", context)

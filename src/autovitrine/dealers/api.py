"""Dealers API: the nearest dealers to a place (``GET /api/dealers``) and one dealer."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router

from autovitrine.core.api_errors import ApiError, errors

from .models import Dealer
from .schemas import DealerOut, DealersNearQuery, NearbyDealerOut, OpeningPeriodOut
from .selectors import dealer_for_page, dealers_near, opening_hours_fr

router = Router(tags=["dealers"])


def _summary(dealer: Dealer) -> dict:
    return {
        "code": dealer.code,
        "name": dealer.name,
        "kind": dealer.kind,
        "street": dealer.street,
        "postcode": dealer.postcode,
        "city": dealer.city,
        "latitude": dealer.latitude,
        "longitude": dealer.longitude,
        "phone": dealer.phone,
        "services": {
            "new": dealer.sells_new,
            "used": dealer.sells_used,
            "workshop": dealer.has_workshop,
        },
        "page_url": reverse("dealers:detail", kwargs={"code": dealer.code}),
    }


@router.get("", response=list[NearbyDealerOut], url_name="dealers_near")
def nearest(request: HttpRequest, filters: Query[DealersNearQuery]) -> list[dict]:
    """Active dealers nearest first, from ``place`` (a French city or postcode) or ``lat``/``lng``;
    ``distance_km`` is the straight-line distance. An unknown place answers 422 ``unknown_place``
    (the request cannot be understood, whereas 404 would mean a missing resource)."""
    origin = filters.origin()
    if origin is None:
        raise ApiError(
            422,
            "invalid_input",
            "Indiquez une ville ou un code postal (place), ou une position (lat et lng).",
            [{"field": "place", "message": "Lieu ou position requis."}],
        )
    nearby = dealers_near(
        latitude=origin[0], longitude=origin[1], limit=filters.limit, services=filters.services
    )
    return [{**_summary(hit.dealer), "distance_km": round(hit.distance_km, 1)} for hit in nearby]


@router.get("/{code}", response={200: DealerOut, **errors(404)}, url_name="dealer")
def dealer_detail(request: HttpRequest, code: str) -> dict:
    """An active dealer with its services and opening hours (periods, and as French lines)."""
    dealer = dealer_for_page(code)
    if dealer is None:
        raise ApiError(404, "not_found", "Cette concession n'existe pas ou n'est plus en ligne.")
    return {
        **_summary(dealer),
        "brand": dealer.brand.name,
        "email": dealer.email,
        "opening_periods": [OpeningPeriodOut.of(p) for p in dealer.opening_periods.all()],
        "opening_hours": opening_hours_fr(dealer),
        "stock_search_url": f"{reverse('inventory:search')}?{urlencode({'dealer': dealer.code})}",
    }

"""Stock API: ``GET /api/stock/search`` (the page's search as JSON). A vehicle's detail
(``/api/stock/vehicles/{id}``) is served by ``orders.api``: it carries the taxes due at
registration, which ``orders`` computes and this app cannot import (``vehicle_out`` builds the
rest)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from autovitrine.catalog.schemas import PriceOut
from autovitrine.catalog.selectors import published_model_choices
from autovitrine.core.api_errors import ApiError, errors
from autovitrine.core.money import Price
from autovitrine.dealers.selectors import dealer_for_page

from .links import vehicle_page_urls
from .schemas import StockSearchOut, StockSearchQuery
from .selectors import PageOutOfRange, StockHit, StockQuery, stock_search

router = Router(tags=["inventory"])


def _stock_query(filters: StockSearchQuery) -> StockQuery:
    origin = filters.origin()
    if filters.max_distance_km is not None and origin is None:
        raise ApiError(
            422,
            "invalid_input",
            "Indiquez un lieu (place) ou une position (lat, lng) pour limiter la distance.",
            [{"field": "max_distance_km", "message": "Exige place ou lat/lng."}],
        )
    return StockQuery(
        latitude=origin[0] if origin else None,
        longitude=origin[1] if origin else None,
        car_model=filters.model or None,
        energy=filters.energy.value if filters.energy else None,
        condition=filters.condition.value if filters.condition else None,
        max_price_cents=filters.max_price_cents,
        max_mileage_km=filters.max_mileage,
        min_year=filters.min_year,
        max_distance_km=filters.max_distance_km,
        dealer_code=filters.dealer or None,
        sort=filters.sort,
        page=filters.page,
        per_page=filters.page_size,
    )


def _refuse_unknown_codes(filters: StockSearchQuery) -> None:
    """An unknown model or dealer code is a mistake to report, not "no cars". Only checked when
    the search found nothing, so that the usual search costs no extra query."""
    if filters.model and filters.model not in dict(published_model_choices()):
        raise ApiError(
            422,
            "unknown_model",
            "Ce modèle n'existe pas dans notre gamme.",
            [{"field": "model", "message": "Modèle inconnu."}],
        )
    if filters.dealer and dealer_for_page(filters.dealer) is None:
        raise ApiError(
            422,
            "unknown_dealer",
            "Cette concession n'existe pas.",
            [{"field": "dealer", "message": "Concession inconnue."}],
        )


def _item(hit: StockHit, vehicle_url: Callable[[int], str]) -> dict[str, Any]:
    vehicle = hit.vehicle
    dealer = vehicle.dealer
    return {
        "id": vehicle.id,
        "title": vehicle.title,
        "make": vehicle.make,
        "model_label": vehicle.model_label,
        "version_label": vehicle.version_label,
        "condition": vehicle.condition,
        "energy": vehicle.energy,
        "year": vehicle.year,
        "mileage_km": vehicle.mileage_km,
        "price": PriceOut.fields_of(Price.from_ttc(vehicle.price_ttc)),
        "distance_km": round(hit.distance_km, 1) if hit.distance_km is not None else None,
        "dealer": {
            "code": dealer.code,
            "name": dealer.name,
            "city": dealer.city,
            "postcode": dealer.postcode,
        },
        "photo_url": default_storage.url(hit.photo_name) if hit.photo_name else "",
        "page_url": vehicle_url(vehicle.id),
    }


@router.get("/search", response={200: StockSearchOut, **errors(404)}, url_name="stock_search")
def search(request: HttpRequest, filters: Query[StockSearchQuery]) -> HttpResponse:
    """Available vehicles, with the stock page's filters. With ``place`` or ``lat``/``lng`` each
    vehicle carries ``distance_km`` and the default sort is by distance; without, the newest come
    first. A page past the last answers 404 ``page_out_of_range`` with ``num_pages``."""
    query = _stock_query(filters)
    try:
        results = stock_search(query)
    except PageOutOfRange as exc:
        _refuse_unknown_codes(filters)
        raise ApiError(
            404,
            "page_out_of_range",
            f"Cette page n'existe pas : il y a {exc.num_pages} page(s).",
            [{"field": "page", "message": "Page hors limites.", "num_pages": exc.num_pages}],
        ) from exc
    if results.total == 0:
        _refuse_unknown_codes(filters)
    vehicle_url = vehicle_page_urls()
    # Written as the response's schema (``StockSearchOut``) says, which the tests check, and
    # rendered with orjson as the API's renderer does: building and dumping twenty items through
    # pydantic cost more than the search's queries.
    body = {
        "items": [_item(hit, vehicle_url) for hit in results.hits],
        "total": results.total,
        "total_is_capped": results.total_is_capped,
        "page": results.page,
        "page_size": results.per_page,
        "num_pages": results.num_pages,
        "sort": results.sort,
        "origin": (
            {"latitude": query.latitude, "longitude": query.longitude} if query.has_origin else None
        ),
    }
    return HttpResponse(orjson.dumps(body), content_type="application/json; charset=utf-8")

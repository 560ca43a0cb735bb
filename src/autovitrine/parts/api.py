"""Parts API: ``GET /api/parts/search`` by reference (prefix) or name, compatible with a car
(catalogue model, engine, year) and with a dealer's stock."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from autovitrine.core.forms import MAX_ROW_ID, MAX_SEARCH_YEAR

from .selectors import search_parts

router = Router(tags=["parts"])


class SearchQuery(Schema):
    q: str = Field("", max_length=80)
    dealer: int | None = Field(None, ge=1, le=MAX_ROW_ID)
    car_model: int | None = Field(None, ge=1, le=MAX_ROW_ID)
    powertrain: str = Field("", max_length=80)
    year: int | None = Field(None, ge=1950, le=MAX_SEARCH_YEAR)


class PartOut(Schema):
    id: int
    reference: str
    name: str
    kind: str
    is_accessory: bool
    price_ht: int
    in_stock: int | None


@router.get("/search", response=list[PartOut])
def search(request: HttpRequest, query: Query[SearchQuery]) -> list[PartOut]:
    hits = search_parts(
        query=query.q,
        car_model_id=query.car_model,
        powertrain=query.powertrain,
        year=query.year,
        dealer_id=query.dealer,
    )
    return [
        PartOut(
            id=h.part_id,
            reference=h.reference,
            name=h.name,
            kind=h.kind,
            is_accessory=h.is_accessory,
            price_ht=h.price_ht,
            in_stock=h.in_stock,
        )
        for h in hits
    ]

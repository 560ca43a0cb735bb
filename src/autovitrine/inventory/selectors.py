"""Reads on dealer stock: the search near a place, a vehicle page, a dealer's own stock.

Distance without a spatial extension: vehicles sit at their dealer, so a search first counts the
matching vehicles per dealer in one grouped query, measures the (at most a few thousand) dealers
in Python, and then fetches only the page it needs. The number of queries is constant whatever the
page size, and both SQLite and PostgreSQL run it the same way.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Literal

from django.db.models import Count, Prefetch, QuerySet

from autovitrine.core.places import haversine_km

from .models import StockVehicle, VehiclePhoto

SortKey = Literal["distance", "price", "newest"]
MAX_PER_PAGE = 60


class PageOutOfRange(Exception):
    def __init__(self, num_pages: int) -> None:
        super().__init__(num_pages)
        self.num_pages = num_pages


@dataclass(frozen=True, slots=True)
class StockQuery:
    latitude: float | None = None
    longitude: float | None = None
    car_model: str | None = None  # catalog model code
    energy: str | None = None
    condition: str | None = None
    max_price_cents: int | None = None
    max_mileage_km: int | None = None
    min_year: int | None = None
    max_distance_km: int | None = None
    sort: SortKey | None = None
    page: int = 1
    per_page: int = 20

    @property
    def has_origin(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def effective_sort(self) -> SortKey:
        if self.sort == "distance" and not self.has_origin:
            return "newest"
        return self.sort or ("distance" if self.has_origin else "newest")


@dataclass(frozen=True, slots=True)
class StockHit:
    vehicle: StockVehicle
    distance_km: float | None


@dataclass(frozen=True, slots=True)
class StockPage:
    hits: list[StockHit]
    total: int
    page: int
    per_page: int
    sort: SortKey
    dealer_count: int = 0
    facets: dict[str, int] = field(default_factory=dict)

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def _filtered(query: StockQuery) -> QuerySet[StockVehicle]:
    qs = StockVehicle.objects.filter(status=StockVehicle.Status.AVAILABLE, dealer__is_active=True)
    if query.car_model:
        qs = qs.filter(car_model__code=query.car_model)
    if query.energy:
        qs = qs.filter(energy=query.energy)
    if query.condition:
        qs = qs.filter(condition=query.condition)
    if query.max_price_cents is not None:
        qs = qs.filter(price_ttc__lte=query.max_price_cents)
    if query.max_mileage_km is not None:
        qs = qs.filter(mileage_km__lte=query.max_mileage_km)
    if query.min_year is not None:
        qs = qs.filter(year__gte=query.min_year)
    return qs


def _with_page_relations(qs: QuerySet[StockVehicle]) -> QuerySet[StockVehicle]:
    return qs.select_related("dealer").prefetch_related(
        Prefetch("photos", queryset=VehiclePhoto.objects.order_by("position", "id"))
    )


def _check_page(query: StockQuery, total: int) -> None:
    num_pages = max(1, math.ceil(total / query.per_page))
    if query.page < 1 or query.page > num_pages:
        raise PageOutOfRange(num_pages)


_ORDERINGS: dict[str, tuple[str, ...]] = {
    "price": ("price_ttc", "id"),
    "newest": ("-year", "-id"),
}


def stock_search(query: StockQuery) -> StockPage:
    """One page of available vehicles matching ``query``; raises ``PageOutOfRange``."""
    per_page = max(1, min(query.per_page, MAX_PER_PAGE))
    if per_page != query.per_page:
        query = dataclasses.replace(query, per_page=per_page)
    sort = query.effective_sort
    base = _filtered(query)

    if not query.has_origin:
        total = base.count()
        _check_page(query, total)
        start = (query.page - 1) * per_page
        vehicles = list(
            _with_page_relations(base.order_by(*_ORDERINGS[sort]))[start : start + per_page]
        )
        return StockPage(
            hits=[StockHit(v, None) for v in vehicles],
            total=total,
            page=query.page,
            per_page=per_page,
            sort=sort,
        )

    assert query.latitude is not None and query.longitude is not None
    groups = (
        base.values("dealer_id", "dealer__latitude", "dealer__longitude")
        .annotate(n=Count("id"))
        .order_by()
    )
    distances: dict[int, float] = {}
    counts: dict[int, int] = {}
    for row in groups:
        km = haversine_km(
            query.latitude, query.longitude, row["dealer__latitude"], row["dealer__longitude"]
        )
        if query.max_distance_km is None or km <= query.max_distance_km:
            distances[row["dealer_id"]] = km
            counts[row["dealer_id"]] = row["n"]
    total = sum(counts.values())
    _check_page(query, total)
    start = (query.page - 1) * per_page

    if sort == "distance":
        page_ids = _page_ids_by_distance(base, distances, counts, start, per_page)
    else:
        scoped = (
            base if query.max_distance_km is None else base.filter(dealer_id__in=list(distances))
        )
        page_ids = list(
            scoped.order_by(*_ORDERINGS[sort]).values_list("id", flat=True)[
                start : start + per_page
            ]
        )
    by_id = {v.id: v for v in _with_page_relations(StockVehicle.objects.filter(id__in=page_ids))}
    hits = [StockHit(by_id[i], distances.get(by_id[i].dealer_id)) for i in page_ids if i in by_id]
    return StockPage(
        hits=hits,
        total=total,
        page=query.page,
        per_page=per_page,
        sort=sort,
        dealer_count=len(distances),
    )


def _page_ids_by_distance(
    base: QuerySet[StockVehicle],
    distances: dict[int, float],
    counts: dict[int, int],
    start: int,
    per_page: int,
) -> list[int]:
    """Walk dealers nearest first, and fetch ids only from the dealers that cover the page."""
    covering: list[int] = []
    skipped = covered = 0
    for dealer_id in sorted(distances, key=lambda d: (distances[d], d)):
        n = counts[dealer_id]
        if not covering and skipped + n <= start:
            skipped += n
            continue
        covering.append(dealer_id)
        covered += n
        if skipped + covered >= start + per_page:
            break
    if not covering:
        return []
    rank = {dealer_id: i for i, dealer_id in enumerate(covering)}
    rows = base.filter(dealer_id__in=covering).values_list("id", "dealer_id", "price_ttc")
    ordered = sorted(rows, key=lambda r: (rank[r[1]], r[2], r[0]))
    offset = start - skipped
    return [r[0] for r in ordered[offset : offset + per_page]]


def vehicle_for_page(vehicle_id: int) -> StockVehicle | None:
    """A vehicle for its public page: sold cars stay reachable (and say so), with their dealer."""
    return (
        StockVehicle.objects.select_related("dealer", "version", "car_model", "colour")
        .prefetch_related("photos", "options", "dealer__opening_periods")
        .filter(id=vehicle_id, dealer__is_active=True)
        .first()
    )


def dealer_stock(*, dealer_id: int, status: str | None = None) -> QuerySet[StockVehicle]:
    """A dealer's own stock, for its back office; always scoped to that dealer."""
    qs = StockVehicle.objects.filter(dealer_id=dealer_id)
    if status:
        qs = qs.filter(status=status)
    return qs.prefetch_related(
        Prefetch("photos", queryset=VehiclePhoto.objects.order_by("position", "id"))
    ).order_by("-created_at", "-id")

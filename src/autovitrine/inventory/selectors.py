"""Reads on dealer stock: the search near a place, a vehicle page, a dealer's own stock.

Distance without a spatial extension: vehicles sit at their dealer, so a search measures the (at
most a few thousand) active dealers in Python, from their positions kept in the cache, and counts
the matching vehicles on the stock table alone, up to 1,000 (no join: inactive dealers are left
out by their ids, kept with the positions, and codes are turned into ids first, so an index can
answer). In the distance order the nearest dealers' vehicles come first, so a page is read,
ordered in SQL, from the nearest few dealers; only a page beyond them is located by counting per
dealer. A page's ids are found on the stock table alone, then only those rows are joined to what
the cards show, read as values (``StockCard``). Three queries on the stock table whatever the page
size (a few more past the nearest dealers); SQLite and PostgreSQL run it the same way
(docs/stock.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Model, Prefetch, Q, QuerySet

from autovitrine.catalog.selectors import car_model_id_by_code
from autovitrine.core.places import EARTH_RADIUS_KM
from autovitrine.dealers.selectors import DealerPositions, active_dealer_positions

from .models import StockVehicle, VehiclePhoto

SortKey = Literal["distance", "price", "newest"]
MAX_PER_PAGE = 60
# Nearest dealers a distance-sorted page is first read from; when counting per dealer is needed,
# each next batch of dealers is 4 times larger.
FIRST_DEALER_BATCH = 16
# Matches are counted up to this many: past it a page says "more than 1,000" (nobody pages that
# far; they filter). Counting every match of a broad search would read most of the stock table.
COUNT_CAP = 1000
# A search's count is kept this long at most, and forgotten at once when the stock changes through
# this app (``stock_changed``); a change made around the app (SQL, a data load) shows within it.
COUNT_TTL_S = 60
STOCK_GENERATION_KEY = "inventory:stock-generation:v1"


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
    dealer_code: str | None = None
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
class CardDealer:
    code: str
    name: str
    city: str
    postcode: str


@dataclass(frozen=True, slots=True)
class CardModel:
    body: str


@dataclass(frozen=True, slots=True)
class CardColour:
    hex_value: str


_CONDITION_LABELS = dict(StockVehicle.Condition.choices)
_ENERGY_LABELS = dict(StockVehicle._meta.get_field("energy").flatchoices)


@dataclass(frozen=True, slots=True)
class StockCard:
    """What a result card and the API's item show of a vehicle, read as one row of values (a
    model instance and its three relations cost more to build than the page's queries)."""

    id: int
    dealer_id: int
    make: str
    model_label: str
    version_label: str
    colour_label: str
    condition: str
    energy: str
    year: int
    mileage_km: int
    price_ttc: int
    updated_at: dt.datetime
    dealer: CardDealer
    car_model: CardModel | None
    colour: CardColour | None
    first_photo: str

    @classmethod
    def of_row(cls, row: tuple[Any, ...]) -> StockCard:
        """A card of a row of ``CARD_SELECT``."""
        (
            pk,
            dealer_id,
            car_model_id,
            colour_id,
            make,
            model_label,
            version_label,
            colour_label,
            condition,
            energy,
            year,
            mileage_km,
            price_ttc,
            updated_at,
            dealer_code,
            dealer_name,
            dealer_city,
            dealer_postcode,
            body,
            hex_value,
            first_photo,
        ) = row
        return cls(
            pk,
            dealer_id,
            make,
            model_label,
            version_label,
            colour_label,
            condition,
            energy,
            year,
            mileage_km,
            price_ttc,
            updated_at,
            CardDealer(dealer_code, dealer_name, dealer_city, dealer_postcode),
            CardModel(body) if car_model_id is not None else None,
            CardColour(hex_value) if colour_id is not None else None,
            first_photo or "",
        )

    @property
    def pk(self) -> int:
        return self.id

    @property
    def title(self) -> str:
        return f"{self.make} {self.model_label}"

    def get_condition_display(self) -> str:
        return str(_CONDITION_LABELS.get(self.condition, self.condition))

    def get_energy_display(self) -> str:
        return str(_ENERGY_LABELS.get(self.energy, self.energy))


@dataclass(frozen=True, slots=True)
class StockHit:
    vehicle: StockCard
    distance_km: float | None

    @property
    def photo_name(self) -> str:
        """The storage name of the vehicle's first photo, or "" (read with the page)."""
        return self.vehicle.first_photo


@dataclass(frozen=True, slots=True)
class StockPage:
    hits: list[StockHit]
    total: int
    page: int
    per_page: int
    sort: SortKey
    dealer_count: int = 0  # active dealers within the distance limit (with an origin)
    total_is_capped: bool = False  # more matches than ``total`` (= COUNT_CAP)
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


# The search's SQL is written here once rather than composed by the ORM: compiling the two or three
# queries of a search cost Django more CPU than PostgreSQL took to run them (docs/stock.md). The
# stock table is ``v``; every value is a parameter.
def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _related_table(field_name: str) -> str:
    related = StockVehicle._meta.get_field(field_name).related_model
    assert isinstance(related, type) and issubclass(related, Model)
    return _table(related)


STOCK_TABLE = _table(StockVehicle)
# What a result card and the API's item read of a vehicle, its dealer, model, colour and first
# photo, in ``StockCard.of_row``'s order, for the page's vehicles (``page``: their ids).
CARD_SELECT = f"""
    SELECT v.id, v.dealer_id, v.car_model_id, v.colour_id, v.make, v.model_label,
           v.version_label, v.colour_label, v.condition, v.energy, v.year, v.mileage_km,
           v.price_ttc, v.updated_at, d.code, d.name, d.city, d.postcode, m.body, c.hex_value,
           (SELECT p.image FROM {_table(VehiclePhoto)} p WHERE p.vehicle_id = v.id
            ORDER BY p.position, p.id LIMIT 1)
    FROM page
    JOIN {STOCK_TABLE} v ON v.id = page.id
    JOIN {_related_table("dealer")} d ON d.id = v.dealer_id
    LEFT JOIN {_related_table("car_model")} m ON m.id = v.car_model_id
    LEFT JOIN {_related_table("colour")} c ON c.id = v.colour_id
"""


def _among(column: str, ids: list[int]) -> tuple[str, list[Any]]:
    """``column`` is one of ``ids``: one array parameter on PostgreSQL however many ids (hundreds
    of dealers within 200 km), so the statement keeps one form; SQLite has no arrays: ``IN``."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [ids]
    if not ids:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _rank_among(column: str, ids: list[int]) -> tuple[str, list[Any]]:
    """The rank of ``column`` in ``ids`` (from 1): ``array_position``, one array parameter;
    SQLite: ``CASE`` with a branch per id."""
    if connection.vendor == "postgresql":
        return f"array_position(%s, {column})", [ids]
    branches = " ".join(f"WHEN {column} = %s THEN {rank}" for rank in range(1, len(ids) + 1))
    return f"CASE {branches} END", list(ids)


@dataclass(frozen=True, slots=True)
class _Where:
    """A search's conditions on the stock table ``v``, and their parameters."""

    sql: str
    params: tuple[Any, ...] = ()

    def also(self, condition: tuple[str, list[Any]]) -> _Where:
        sql, params = condition
        return _Where(f"{self.sql} AND {sql}", (*self.params, *params))

    def rows(self, select: str, tail: str = "", *tail_params: Any) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(f"{select} WHERE {self.sql} {tail}", (*self.params, *tail_params))
            return cursor.fetchall()


def _filtered(query: StockQuery, positions: DealerPositions) -> _Where:
    # Inactive dealers (almost always none) are known from the dealers' positions kept in the
    # process, and a model or dealer code is turned into its id first: the stock table is then
    # filtered alone, and its covering indexes answer without a join.
    where = _Where("v.status = %s", (StockVehicle.Status.AVAILABLE.value,))
    if positions.inactive_ids:
        among, params = _among("v.dealer_id", sorted(positions.inactive_ids))
        where = where.also((f"NOT ({among})", params))
    if query.car_model:
        car_model_id = car_model_id_by_code(query.car_model)
        if car_model_id is not None:
            where = where.also(("v.car_model_id = %s", [car_model_id]))
        else:  # not in the kept list: asked of the database by code
            models = _related_table("car_model")
            where = where.also(
                (f"v.car_model_id IN (SELECT id FROM {models} WHERE code = %s)", [query.car_model])
            )
    for condition, value in (
        ("v.energy = %s", query.energy),
        ("v.condition = %s", query.condition),
        ("v.price_ttc <= %s", query.max_price_cents),
        ("v.mileage_km <= %s", query.max_mileage_km),
        ("v.year >= %s", query.min_year),
    ):
        if value is not None and value != "":
            where = where.also((condition, [value]))
    if query.dealer_code:
        # Only an active dealer's cars are listed, and every active dealer is in ``positions``.
        dealer_ids = [d for d, (code, _, _) in positions.by_id.items() if code == query.dealer_code]
        where = where.also(("v.dealer_id = %s", dealer_ids[:1]) if dealer_ids else ("1 = 0", []))
    return where


def _page_of(
    where: _Where, order_by: tuple[str, list[Any]], offset: int, size: int
) -> list[StockCard]:
    """The vehicles at ``offset`` to ``offset + size`` of ``where`` in the order ``order_by``, as
    cards, in one statement.

    The page's ids are found first, on the stock table alone (a ``WITH`` that PostgreSQL and
    SQLite compute before the join, for its ``LIMIT``); only those rows are then joined to their
    dealer, model, colour and photo: joining before ordering costs a join per match (thousands
    near a big town, 30 ms of a distance-sorted page) for a page of twenty."""
    order_sql, order_params = order_by
    return [
        StockCard.of_row(row)
        for row in where.rows(
            f"WITH page AS (SELECT v.id FROM {STOCK_TABLE} v",
            f"ORDER BY {order_sql} LIMIT %s OFFSET %s) {CARD_SELECT} ORDER BY {order_sql}",
            *order_params,
            size,
            offset,
            *order_params,
        )
    ]


def _count(where: _Where, key: tuple[object, ...]) -> int:
    """Matches of ``where`` up to ``COUNT_CAP + 1`` (one more tells that the cap is passed).

    ``key`` names the search's filters: the same count comes back for every sort and page, and a
    broad search's (1,001 rows read) for every place. It is kept with the stock's generation,
    read in the same round trip, and holds while that generation does."""
    count_key = f"inventory:count:{hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()}"
    found = cache.get_many([STOCK_GENERATION_KEY, count_key])
    generation = found.get(STOCK_GENERATION_KEY)
    kept = found.get(count_key)
    if generation is not None and kept is not None and kept[0] == generation and kept[1] == key:
        return int(kept[2])
    if generation is None:
        generation = _new_generation()
    [(count,)] = where.rows(
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {STOCK_TABLE} v",
        "LIMIT %s) AS matches",
        COUNT_CAP + 1,
    )
    cache.set(count_key, (generation, key, count), COUNT_TTL_S)
    return count


def _new_generation() -> int:
    generation = time.time_ns()
    cache.set(STOCK_GENERATION_KEY, generation, None)
    return generation


def stock_changed(**_kwargs: object) -> None:
    """Forget the searches' counts: the stock changed (a car added, edited, moved or removed, a
    dealer closed). At once, for this request's next read, and again once the change is
    committed, so that a count taken meanwhile by another request is not kept."""
    _new_generation()
    transaction.on_commit(_new_generation)


def _count_key(query: StockQuery, dealer_ids: tuple[int, ...] | None = None) -> tuple[object, ...]:
    return (
        query.car_model,
        query.energy,
        query.condition,
        query.max_price_cents,
        query.max_mileage_km,
        query.min_year,
        query.dealer_code,
        dealer_ids,
    )


def _check_page(query: StockQuery, total: int) -> None:
    num_pages = max(1, math.ceil(min(total, COUNT_CAP) / query.per_page))
    if query.page < 1 or query.page > num_pages:
        raise PageOutOfRange(num_pages)


_ORDERINGS: dict[str, tuple[str, list[Any]]] = {
    "price": ("v.price_ttc, v.id", []),
    "newest": ("v.year DESC, v.id DESC", []),
}


def stock_search(query: StockQuery) -> StockPage:
    """One page of available vehicles matching ``query``; raises ``PageOutOfRange``."""
    per_page = max(1, min(query.per_page, MAX_PER_PAGE))
    if per_page != query.per_page:
        query = dataclasses.replace(query, per_page=per_page)
    sort = query.effective_sort
    positions = active_dealer_positions()
    base = _filtered(query, positions)

    if not query.has_origin:
        total = _count(base, _count_key(query))
        _check_page(query, total)
        start = (query.page - 1) * per_page
        vehicles = _page_of(base, _ORDERINGS[sort], start, per_page)
        return StockPage(
            hits=[StockHit(v, None) for v in vehicles],
            total=min(total, COUNT_CAP),
            total_is_capped=total > COUNT_CAP,
            page=query.page,
            per_page=per_page,
            sort=sort,
        )

    distances = _dealers_within_reach(query, positions)
    scoped = (
        base if query.max_distance_km is None else base.also(_among("v.dealer_id", list(distances)))
    )
    count_key = _count_key(
        query, None if query.max_distance_km is None else tuple(sorted(distances))
    )
    start = (query.page - 1) * per_page
    if sort == "distance":
        total, vehicles = _page_by_distance(base, scoped, count_key, query, distances, start)
    else:
        total = _count(scoped, count_key)
        _check_page(query, total)
        vehicles = _page_of(scoped, _ORDERINGS[sort], start, per_page)
    return StockPage(
        hits=[StockHit(v, distances.get(v.dealer_id)) for v in vehicles],
        total=min(total, COUNT_CAP),
        total_is_capped=total > COUNT_CAP,
        page=query.page,
        per_page=per_page,
        sort=sort,
        dealer_count=len(distances),
    )


# Dealers within reach of an origin, by (positions' version, origin, limit, dealer): the same
# towns come back all day. Cleared whole when full (a few hundred of at most a few thousand floats).
_REACHES: dict[tuple[object, ...], dict[int, float]] = {}
REACHES_KEPT = 256


def reaches_cache_clear() -> None:
    _REACHES.clear()
    _MEASURABLE.clear()


# ``(id, code, x, y, z)`` of the active dealers, their point on the unit sphere, for one version of
# their positions only.
_MEASURABLE: dict[int, list[tuple[int, str, float, float, float]]] = {}


def _unit_vector(latitude: float, longitude: float) -> tuple[float, float, float]:
    phi, lam = math.radians(latitude), math.radians(longitude)
    return math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)


def _measurable(positions: DealerPositions) -> list[tuple[int, str, float, float, float]]:
    kept = _MEASURABLE.get(positions.version)
    if kept is None:
        kept = [
            (dealer_id, code, *_unit_vector(latitude, longitude))
            for dealer_id, (code, latitude, longitude) in positions.by_id.items()
        ]
        _MEASURABLE.clear()
        _MEASURABLE[positions.version] = kept
    return kept


def _dealers_within_reach(query: StockQuery, positions: DealerPositions) -> dict[int, float]:
    """Active dealers within the distance limit, with their distance in km from the origin,
    nearest first (then by id).

    Measured by the chord between the two points on the unit sphere, each dealer's point computed
    once per positions' version: three products a dealer, and the arc (``2R·asin(chord/2)``, the
    haversine's figure) only for those within reach."""
    assert query.latitude is not None and query.longitude is not None
    key = (
        positions.version,
        query.latitude,
        query.longitude,
        query.max_distance_km,
        query.dealer_code,
    )
    kept = _REACHES.get(key)
    if kept is not None:
        return kept
    x0, y0, z0 = _unit_vector(query.latitude, query.longitude)
    limit = math.inf if query.max_distance_km is None else query.max_distance_km
    half_angle = limit / (2 * EARTH_RADIUS_KM)
    # The squared chord of the limit, a hair wider (half a millimetre in 1,000 km) so that rounding
    # never drops a dealer at the limit; past half the globe, every dealer.
    chord_limit = (2 * math.sin(half_angle)) ** 2 * (1 + 1e-9) if half_angle < math.pi / 2 else 4.0
    dealer_code = query.dealer_code
    found = sorted(
        (chord, dealer_id)
        for dealer_id, code, x, y, z in _measurable(positions)
        if not dealer_code or code == dealer_code
        for chord in ((x - x0) ** 2 + (y - y0) ** 2 + (z - z0) ** 2,)
        if chord <= chord_limit
    )
    nearest_first = {
        dealer_id: 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(chord) / 2))
        for chord, dealer_id in found
    }
    if len(_REACHES) >= REACHES_KEPT:
        _REACHES.clear()
    _REACHES[key] = nearest_first
    return nearest_first


def _page_by_distance(
    base: _Where,
    scoped: _Where,
    count_key: tuple[object, ...],
    query: StockQuery,
    distances: dict[int, float],
    start: int,
) -> tuple[int, list[StockCard]]:
    """The total (of ``scoped``: within the distance limit), and the page of vehicles ordered by
    their dealer's distance, then price.

    The nearest dealers' vehicles come first in that order, so most pages are read from them
    directly; a page beyond them is located by counting per dealer, a growing batch at a time.
    Those reads name their dealers, all within reach, so they start from ``base``: a long list of
    dealers within reach would only mislead the database's planner there.
    """
    total = _count(scoped, count_key)
    _check_page(query, total)
    size = min(start + query.per_page, total) - start
    if size <= 0:
        return total, []
    nearest = list(distances)  # nearest first already
    vehicles = _ordered_page(base, nearest[:FIRST_DEALER_BATCH], start, size)
    if len(vehicles) < size:
        covering, offset = _dealers_covering(base, nearest, start, start + size)
        vehicles = _ordered_page(base, covering, offset, size)
    return total, vehicles


def _ordered_page(base: _Where, dealer_ids: list[int], offset: int, size: int) -> list[StockCard]:
    """Vehicles of ``dealer_ids`` (nearest first) by dealer, then price; ``size`` from ``offset``."""
    if not dealer_ids:
        return []
    rank, rank_params = _rank_among("v.dealer_id", dealer_ids)
    among = base.also(_among("v.dealer_id", dealer_ids))
    return _page_of(among, (f"{rank}, v.price_ttc, v.id", rank_params), offset, size)


def _dealers_covering(
    base: _Where, nearest: list[int], start: int, end: int
) -> tuple[list[int], int]:
    """The dealers whose vehicles hold positions ``start`` to ``end`` of the distance order, and
    the position of ``start`` among their vehicles."""
    covering: list[int] = []
    skipped = covered = 0
    position, batch_size = 0, FIRST_DEALER_BATCH
    while position < len(nearest) and skipped + covered < end:
        batch = nearest[position : position + batch_size]
        position, batch_size = position + len(batch), batch_size * 4
        counts = dict(
            base.also(_among("v.dealer_id", batch)).rows(
                f"SELECT v.dealer_id, COUNT(*) FROM {STOCK_TABLE} v", "GROUP BY v.dealer_id"
            )
        )
        for dealer_id in batch:
            n = counts.get(dealer_id, 0)
            if not n:
                continue
            if not covering and skipped + n <= start:
                skipped += n
                continue
            covering.append(dealer_id)
            covered += n
            if skipped + covered >= end:
                break
    return covering, start - skipped


def vehicle_for_page(vehicle_id: int) -> StockVehicle | None:
    """A vehicle for its public page: sold cars stay reachable (and say so), with their dealer."""
    return (
        StockVehicle.objects.select_related("dealer", "version", "car_model", "colour")
        .prefetch_related("photos", "options", "dealer__opening_periods")
        .filter(id=vehicle_id, dealer__is_active=True)
        .first()
    )


def vehicle_by_id(vehicle_id: int) -> StockVehicle:
    """One vehicle whatever its status (an order's car), with its version."""
    return StockVehicle.objects.select_related("version").get(pk=vehicle_id)


def dealer_stock(*, dealer_id: int, status: str | None = None) -> QuerySet[StockVehicle]:
    """A dealer's own stock, for its back office; always scoped to that dealer."""
    qs = StockVehicle.objects.filter(dealer_id=dealer_id)
    if status:
        qs = qs.filter(status=status)
    return qs.prefetch_related(
        Prefetch("photos", queryset=VehiclePhoto.objects.order_by("position", "id"))
    ).order_by("-created_at", "-id")


def available_vehicles_to_pick(
    *, text: str = "", dealer_id: int | None = None, brand_id: int | None = None, limit: int = 100
) -> QuerySet[StockVehicle]:
    """Available cars head office may put on sale, narrowed by model, version or VIN text and
    by dealer, oldest first (they are the ones to sell)."""
    qs = StockVehicle.objects.filter(status=StockVehicle.Status.AVAILABLE).select_related("dealer")
    if brand_id is not None:
        qs = qs.filter(dealer__brand_id=brand_id)
    if dealer_id is not None:
        qs = qs.filter(dealer_id=dealer_id)
    text = text.strip()
    if text:
        qs = qs.filter(
            Q(model_label__icontains=text)
            | Q(version_label__icontains=text)
            | Q(vin__icontains="".join(text.split()))
        )
    return qs.order_by("created_at", "id")[:limit]


def dealer_stock_by_status(*, dealer_id: int) -> list[tuple[str, str, int]]:
    """``(status, label, count)`` for every stock status of a dealer (zero when none)."""
    counts = dict.fromkeys(StockVehicle.Status.values, 0)
    rows = (
        StockVehicle.objects.filter(dealer_id=dealer_id)
        .order_by()
        .values("status")
        .annotate(total=Count("id"))
    )
    for row in rows:
        counts[row["status"]] = row["total"]
    return [(value, str(label), counts[value]) for value, label in StockVehicle.Status.choices]


# A stock vehicle's statuses and conditions, for the apps that sell or take in cars.
StockStatus = StockVehicle.Status
StockCondition = StockVehicle.Condition


def vehicles_by_vin(vins: list[str]) -> dict[str, StockVehicle]:
    """The stock vehicles of those VINs (with their dealer and brand), by VIN."""
    return {
        v.vin: v for v in StockVehicle.objects.filter(vin__in=vins).select_related("dealer__brand")
    }


def used_asking_prices(
    *, make: str, model_label: str, year_from: int, year_to: int, limit: int = 50
) -> list[int]:
    """Asking prices (TTC, cents) of the used cars on sale of this make and model, registered
    between those years: the market data of a trade-in estimate."""
    return list(
        StockVehicle.objects.filter(
            status=StockVehicle.Status.AVAILABLE,
            condition=StockVehicle.Condition.USED,
            make__iexact=make.strip(),
            model_label__iexact=model_label.strip(),
            year__gte=year_from,
            year__lte=year_to,
        )
        .order_by("price_ttc")
        .values_list("price_ttc", flat=True)[:limit]
    )

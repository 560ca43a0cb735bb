"""Reads on parts: search by reference or by car, compatibility, a dealer's stock, reservations."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import Compatibility, Part, Reservation, Stock

HOLD_HOURS = 48
_REFERENCE = re.compile(r"^(?=.*[0-9-])[A-Z0-9-]+$")
SEARCH_LIMIT = 50


def _compatible_filter(*, car_model_id: int, powertrain: str, year: int | None) -> Q:
    compat = Compatibility.objects.filter(part_id=OuterRef("pk"), car_model_id=car_model_id)
    if powertrain:
        compat = compat.filter(powertrain__in=[powertrain, ""])
    if year is not None:
        compat = compat.filter(year_from__lte=year, year_to__gte=year)
    return Q(universal=True) | Q(Exists(compat))


def cheapest_compatible_part(
    *, kind: str, car_model_id: int | None, powertrain: str = "", year: int | None = None
) -> Part | None:
    """The cheapest part of ``kind`` that fits the car (any of the kind when the car is
    unknown to the catalogue)."""
    qs = Part.objects.filter(kind=kind)
    if car_model_id is not None:
        qs = qs.filter(
            _compatible_filter(car_model_id=car_model_id, powertrain=powertrain, year=year)
        )
    return qs.order_by("price_ht", "reference").first()


@dataclass(frozen=True, slots=True)
class PartHit:
    part_id: int
    reference: str
    name: str
    kind: str
    is_accessory: bool
    price_ht: int
    in_stock: int | None
    fitting_minutes: int = 0


def search_parts(
    *,
    query: str = "",
    car_model_id: int | None = None,
    powertrain: str = "",
    year: int | None = None,
    dealer_id: int | None = None,
    limit: int = SEARCH_LIMIT,
) -> list[PartHit]:
    """Parts whose reference starts with ``query`` (or whose name contains it), compatible with
    the car when one is given, with the dealer's stock when a dealer is given."""
    qs: QuerySet[Part] = Part.objects.all()
    text = query.strip()
    if text:
        reference = "".join(text.split()).upper()
        if _REFERENCE.match(reference):
            # A reference typed (letters, digits, dashes, with a digit or a dash): its prefix,
            # served by the ``varchar_pattern_ops`` index on PostgreSQL.
            qs = qs.filter(reference__startswith=reference)
        else:
            qs = qs.filter(name__icontains=text)
    if car_model_id is not None:
        qs = qs.filter(
            _compatible_filter(car_model_id=car_model_id, powertrain=powertrain, year=year)
        )
    rows = list(
        qs.order_by("reference").values_list(
            "pk", "reference", "name", "kind", "is_accessory", "price_ht", "fitting_minutes"
        )[:limit]
    )
    stock: dict[int, int] = {}
    if dealer_id is not None and rows:
        stock = dict(
            Stock.objects.filter(dealer_id=dealer_id, part_id__in=[r[0] for r in rows]).values_list(
                "part_id", "quantity"
            )
        )
    return [
        PartHit(
            part_id=pk,
            reference=ref,
            name=name,
            kind=kind,
            is_accessory=acc,
            price_ht=price,
            in_stock=stock.get(pk, 0) if dealer_id is not None else None,
            fitting_minutes=fitting,
        )
        for pk, ref, name, kind, acc, price, fitting in rows
    ]


def part_fits(*, part_id: int, car_model_id: int, powertrain: str = "", year: int | None) -> bool:
    """Whether the part fits that car (universal parts fit every car)."""
    return Part.objects.filter(
        _compatible_filter(car_model_id=car_model_id, powertrain=powertrain, year=year),
        pk=part_id,
    ).exists()


def part_by_reference(reference: str) -> Part | None:
    return Part.objects.filter(reference=reference).first()


def dealer_stock(*, dealer_id: int, part_id: int) -> int:
    row = Stock.objects.filter(dealer_id=dealer_id, part_id=part_id).values_list(
        "quantity", flat=True
    )
    return next(iter(row), 0)


def customer_reservations(*, customer_id: int) -> QuerySet[Reservation]:
    return (
        Reservation.objects.filter(customer_id=customer_id)
        .select_related("part", "dealer")
        .order_by("-created_at")
    )


def dealer_reservations(*, dealer_id: int) -> QuerySet[Reservation]:
    return (
        Reservation.objects.filter(dealer_id=dealer_id, status=Reservation.Status.HELD)
        .select_related("part", "customer")
        .order_by("expires_at")
    )


def dealer_reservation(*, dealer_id: int, number: str) -> Reservation | None:
    """One of the dealer's reservations; another dealer's is simply not found."""
    return Reservation.objects.filter(dealer_id=dealer_id, number=number).first()

"""Workshop API: ``GET /api/workshop/availability`` (free drop-off slots of one dealer for a set
of operations over 30 days, with the fixed price) and ``GET /api/workshop/operations``."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from autovitrine.core.api_errors import ApiError, errors
from autovitrine.core.forms import MAX_ROW_ID

from .models import Booking
from .selectors import free_slots, operations_for, workshop_settings

router = Router(tags=["workshop"])


class AvailabilityQuery(Schema):
    dealer: int = Field(ge=1, le=MAX_ROW_ID)
    operations: str = Field(
        pattern=r"^[0-9]{1,18}(,[0-9]{1,18}){0,9}$",
        description="Identifiants d'opérations séparés par des virgules (1 à 10), ex. 3,7.",
    )
    option: Booking.Option = Booking.Option.DROP_OFF


class PriceLineOut(Schema):
    label: str
    quantity: int
    amount_ht: int


class AvailabilityOut(Schema):
    dealer: int
    duration_minutes: int
    price_ht: int
    price_vat: int
    price_ttc: int
    lines: list[PriceLineOut]
    slots: list[dt.datetime]


class OperationOut(Schema):
    id: int
    code: str
    name: str
    labour_minutes: int


@router.get("/operations", response=list[OperationOut])
def operations(request: HttpRequest) -> list[OperationOut]:
    return [
        OperationOut(id=op.pk, code=op.code, name=op.name, labour_minutes=op.labour_minutes)
        for op in operations_for(None)
    ]


@router.get("/availability", response={200: AvailabilityOut, **errors(404)})
def availability(request: HttpRequest, query: Query[AvailabilityQuery]) -> AvailabilityOut:
    if workshop_settings(query.dealer) is None:
        raise ApiError(404, "not_found", "Cette concession ne prend pas de rendez-vous atelier.")
    try:
        found = free_slots(
            dealer_id=query.dealer,
            operation_ids=[int(part) for part in query.operations.split(",")],
            option=query.option,
        )
    except ValidationError as error:
        # The ids are well formed (the schema's pattern), but this dealer offers no such work.
        raise ApiError(
            422,
            "unknown_operation",
            " ".join(error.messages),
            [{"field": "operations", "message": "Opération inconnue."}],
        ) from error
    return AvailabilityOut(
        dealer=query.dealer,
        duration_minutes=found.minutes,
        price_ht=found.quote.price.ht,
        price_vat=found.quote.price.vat,
        price_ttc=found.quote.price.ttc,
        lines=[
            PriceLineOut(label=line.label, quantity=line.quantity, amount_ht=line.amount_ht)
            for line in found.quote.lines
        ],
        slots=found.slots,
    )

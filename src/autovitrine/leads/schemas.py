"""JSON shapes of the leads API: a lead sent by a buyer's app, and a dealer's view of its leads."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict
from pydantic.config import JsonDict, JsonValue

from autovitrine.core.forms import MAX_ROW_ID, NO_CONTROL_PATTERN, SINGLE_LINE_PATTERN

from .models import Lead


def _filled(field: str, schema: JsonDict) -> JsonDict:
    return {"properties": {field: schema}, "required": [field]}


_SOME_TEXT: JsonDict = {"type": "string", "pattern": r"\S"}
# The form's rules between fields (``LeadForm.clean``), stated in the schema too.
_BETWEEN_FIELDS: list[JsonValue] = [
    {"anyOf": [_filled("email", _SOME_TEXT), _filled("phone", _SOME_TEXT)]},
    {"anyOf": [_filled("vehicle_id", {"type": "integer"}), _filled("dealer_code", _SOME_TEXT)]},
    {
        "if": _filled("kind", {"const": Lead.Kind.CALLBACK.value}),
        "then": _filled("phone", _SOME_TEXT),
    },
    {
        "if": _filled("kind", {"const": Lead.Kind.TEST_DRIVE.value}),
        "then": _filled("preferred_slot", {"type": "string"}),
    },
]


class LeadIn(Schema):
    """A question, a test-drive request or a call-back, about a vehicle or to a dealer: an
    e-mail or a phone number, a vehicle or a dealer; a call-back needs the phone number, a test
    drive its slot."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"allOf": _BETWEEN_FIELDS})

    kind: Lead.Kind
    vehicle_id: int | None = Field(
        None, ge=1, le=MAX_ROW_ID, description="Le véhicule visé (décide la concession)."
    )
    dealer_code: str | None = Field(None, max_length=60, description="Sinon, la concession visée.")
    name: str = Field(min_length=1, max_length=120, pattern=SINGLE_LINE_PATTERN)
    email: str = Field("", max_length=254, description="Un e-mail ou un téléphone au moins.")
    phone: str = Field("", max_length=20, description="Numéro français ; requis pour un rappel.")
    message: str = Field("", max_length=1800)
    preferred_slot: dt.datetime | None = Field(
        None, description="Créneau d'essai (requis pour un essai) ; heure de Paris sans fuseau."
    )
    callback_window: Literal["morning", "midday", "afternoon", "evening"] | None = Field(
        None, description="Pour un rappel : morning, midday, afternoon ou evening."
    )
    # A bool so that ``false`` gets the form's own French refusal; the schema says it must be
    # true (issue 10: every documented constraint expressed in the schema).
    consent: bool = Field(
        description="L'acheteur accepte d'être contacté par la concession (doit valoir true).",
        json_schema_extra={"const": True},
    )
    source: Literal["web", "qr", "campaign", "api"] = "api"
    source_page: str = Field("", max_length=300)
    utm_source: str = Field("", max_length=100)
    utm_medium: str = Field("", max_length=100)
    utm_campaign: str = Field("", max_length=100)


class LeadOut(Schema):
    id: int
    kind: str
    status: str
    dealer_code: str
    vehicle_id: int | None
    name: str
    email: str
    phone: str
    message: str
    preferred_slot: dt.datetime | None
    source: str
    created_at: dt.datetime

    @classmethod
    def of(cls, lead: Lead, *, dealer_code: str | None = None) -> LeadOut:
        """``dealer_code`` spares a query when the caller knows it (a dealer's own list)."""
        return cls(
            id=lead.pk,
            kind=lead.kind,
            status=lead.status,
            dealer_code=dealer_code or lead.dealer.code,
            vehicle_id=lead.vehicle_id,
            name=lead.name,
            email=lead.email,
            phone=lead.phone,
            message=lead.message,
            preferred_slot=lead.preferred_slot,
            source=lead.source,
            created_at=lead.created_at,
        )


class MyLeadsQuery(Schema):
    status: Lead.Status | None = None
    page: int = Field(1, ge=1, le=2**31 - 1)
    page_size: int = Field(25, ge=1, le=100)


class LeadPageOut(Schema):
    items: list[LeadOut]
    total: int
    page: int
    page_size: int
    num_pages: int


class LeadStatusIn(Schema):
    # Said in the schema: no other field (a typo is a 422, not ignored), no control character.
    model_config = ConfigDict(extra="forbid")

    status: Lead.Status
    note: str = Field(
        "",
        max_length=2000,
        pattern=NO_CONTROL_PATTERN,
        description="Note interne, visible de la concession.",
    )

"""Leads API: ``POST /api/leads`` for buyers' apps and partners; ``GET /api/leads/mine`` and
``PATCH /api/leads/{id}`` for the dealer's staff, signed in with the site's session.

A lead is checked by the site's own lead form (same rules, same French messages). The
``Idempotency-Key`` header makes a retried POST safe: the first answers 201, a replay 200 with the
same lead, and the key sent with a different request 409 ``conflict``.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Header, Path, Query, Router
from ninja.security import django_auth

from autovitrine.core.api_errors import ApiError, errors
from autovitrine.core.forms import MAX_ROW_ID
from autovitrine.core.permissions import staff_dealer_id

from .forms import LeadForm
from .models import Lead
from .schemas import LeadIn, LeadOut, LeadPageOut, LeadStatusIn, MyLeadsQuery
from .selectors import dealer_leads
from .services import LeadSource, lead_set_status
from .views import _over_rate_limit

router = Router(tags=["leads"])

# Form field names as the API calls them, for the ``field`` of error details.
_API_FIELD_NAMES = {"vehicle": "vehicle_id", "dealer": "dealer_code", "__all__": ""}


def _checked_form(payload: LeadIn) -> LeadForm:
    form = LeadForm(
        data={
            "kind": payload.kind.value,
            "vehicle": payload.vehicle_id,
            "dealer": payload.dealer_code or "",
            "name": payload.name,
            "email": payload.email,
            "phone": payload.phone,
            "message": payload.message,
            "preferred_slot": payload.preferred_slot,
            "callback_window": payload.callback_window or "",
            "consent": payload.consent,
        }
    )
    if not form.is_valid():
        details = [
            {"field": _API_FIELD_NAMES.get(name, name), "message": str(message)}
            for name, messages in form.errors.items()
            for message in messages
        ]
        raise ApiError(422, "invalid_input", str(details[0]["message"]), details)
    return form


# 1 to 64 printable ASCII characters, once the spaces around are taken off: the header's
# parameter refuses anything else (422 naming ``Idempotency-Key``).
IDEMPOTENCY_KEY = r"^[ \t]*[\x21-\x7e](?:[\x20-\x7e]{0,62}[\x21-\x7e])?[ \t]*$"


def _same_request(lead: Lead, form: LeadForm) -> bool:
    """Whether a lead found by its idempotency key answers the request now sent."""
    data = form.cleaned_data
    assert form.target_dealer is not None
    return (
        lead.dealer_id == form.target_dealer.pk
        and lead.vehicle_id == (form.target_vehicle.pk if form.target_vehicle else None)
        and lead.kind == data["kind"]
        and lead.email == data["email"].strip().lower()
        and lead.phone == data["phone"]
    )


@router.post(
    "",
    response={200: LeadOut, 201: LeadOut, **errors(409, 429)},
    url_name="lead_create",
    openapi_extra={
        "responses": {
            409: {"description": "`conflict` : clé déjà utilisée pour une autre demande"},
            422: {"description": "`invalid_input` : champ manquant ou invalide"},
            429: {"description": "`rate_limited` : trop de demandes depuis cette adresse"},
        }
    },
)
def create(
    request: HttpRequest,
    payload: LeadIn,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        pattern=IDEMPOTENCY_KEY,
        description="1 à 64 caractères ASCII imprimables (espaces autour ignorés).",
    ),
) -> tuple[int, LeadOut]:
    """Send a lead to the dealer of ``vehicle_id``, or to ``dealer_code``; the dealer is e-mailed.
    A test drive needs a future ``preferred_slot`` within 60 days when the dealer is open, a
    call-back a phone number. An address may send 10 leads every 10 minutes, through this API
    and the site's form together (replays count)."""
    key = idempotency_key.strip() if idempotency_key is not None else None
    form = _checked_form(payload)
    # The same quota as the site's lead form: one address, one allowance, whichever way it sends.
    if _over_rate_limit(request):
        raise ApiError(
            429,
            "rate_limited",
            "Trop de demandes envoyées depuis cette adresse : réessayez dans quelques minutes.",
        )
    started = timezone.now()
    lead = form.create_lead(
        customer=request.user,
        origin=LeadSource(
            source=payload.source,
            page=payload.source_page,
            utm_source=payload.utm_source,
            utm_medium=payload.utm_medium,
            utm_campaign=payload.utm_campaign,
        ),
        idempotency_key=key,
    )
    replayed = lead.created_at < started
    if replayed and not _same_request(lead, form):
        raise ApiError(
            409,
            "conflict",
            "Cette clé d'idempotence a déjà servi pour une autre demande.",
            [{"field": "Idempotency-Key", "message": "Clé déjà utilisée."}],
        )
    assert form.target_dealer is not None  # a valid form has found its dealer
    out = LeadOut.of(lead, dealer_code=form.target_dealer.code)
    return (200 if replayed else 201), out


def _staff_dealer(request: HttpRequest) -> int:
    """The signed-in user's dealer; customers and head office are refused."""
    dealer_id = staff_dealer_id(request.auth)  # type: ignore[attr-defined]
    if dealer_id is None:
        raise ApiError(403, "forbidden", "Réservé au personnel des concessions.")
    return dealer_id


@router.get(
    "/mine",
    response={200: LeadPageOut, **errors(401, 403, 404)},
    auth=django_auth,
    url_name="leads_mine",
)
def my_leads(request: HttpRequest, filters: Query[MyLeadsQuery]) -> dict[str, Any]:
    """The leads of the signed-in staff member's dealer, newest first, optionally by status."""
    dealer_id = _staff_dealer(request)
    leads = dealer_leads(
        dealer_id=dealer_id, status=filters.status.value if filters.status else None
    )
    total = leads.count()
    num_pages = max(1, math.ceil(total / filters.page_size))
    if filters.page > num_pages:
        raise ApiError(
            404,
            "page_out_of_range",
            f"Cette page n'existe pas : il y a {num_pages} page(s).",
            [{"field": "page", "message": "Page hors limites.", "num_pages": num_pages}],
        )
    start = (filters.page - 1) * filters.page_size
    page = list(leads.select_related("dealer")[start : start + filters.page_size])
    return {
        "items": [LeadOut.of(lead) for lead in page],
        "total": total,
        "page": filters.page,
        "page_size": filters.page_size,
        "num_pages": num_pages,
    }


@router.patch(
    "/{lead_id}",
    response={200: LeadOut, **errors(401, 403, 404, 409)},
    auth=django_auth,
    url_name="lead_update",
)
def update(
    request: HttpRequest, payload: LeadStatusIn, lead_id: int = Path(..., ge=1, le=MAX_ROW_ID)
) -> LeadOut:
    """Move one of the dealer's leads to another status (see the allowed moves), with an
    optional internal note; the same status with a note only records the note. Another
    dealer's lead answers 404, a move not allowed 409 ``invalid_transition``."""
    dealer_id = _staff_dealer(request)
    try:
        lead = lead_set_status(
            lead_id=lead_id,
            dealer_id=dealer_id,
            to_status=payload.status.value,
            by=request.auth,  # type: ignore[attr-defined]
            note=payload.note.strip(),
        )
    except Lead.DoesNotExist as exc:
        raise ApiError(404, "not_found", "Cette demande n'existe pas.") from exc
    except ValidationError as exc:
        if exc.code == "lead_lost_reason":
            raise ApiError(422, "lead_lost_reason", exc.messages[0]) from exc
        if exc.code != "invalid_transition":
            raise
        raise ApiError(
            409,
            "invalid_transition",
            exc.messages[0],
            [{"field": "status", "message": exc.messages[0]}],
        ) from exc
    return LeadOut.of(lead)

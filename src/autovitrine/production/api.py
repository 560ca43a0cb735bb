"""The ingestion API of the factories' manufacturing systems and the carriers: signed batches.

The signature covers the raw body, so it is checked (as this router's authentication, before any
parsing) on ``request.body`` itself.
"""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Router, Schema, UploadedFile
from ninja.security import APIKeyHeader

from autovitrine.core.api_errors import ApiError, errors

from . import services, signing
from .models import ApiCredential

router = Router(tags=["production"])


class SignedRequest(APIKeyHeader):
    """``X-AV-Key``, ``X-AV-Timestamp`` and ``X-AV-Signature``: HMAC-SHA256 over the method, the
    path, the timestamp and the body (see docs/tracking.md)."""

    param_name = signing.KEY_HEADER
    openapi_description = (
        "Clé d'usine ou de transporteur ; requête signée (X-AV-Timestamp, X-AV-Signature)."
    )

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiCredential:
        try:
            return services.credential_authenticate(
                key_id=key or "",
                timestamp=request.headers.get(signing.TIMESTAMP_HEADER, ""),
                given_signature=request.headers.get(signing.SIGNATURE_HEADER, ""),
                method=request.method or "",
                path=request.path,
                body=request.body,
                now=time.time(),
            )
        except services.SignatureRefused as refused:
            raise ApiError(401, refused.code, refused.message) from refused


class BatchIn(Schema):
    events: list[Any] = Field(..., min_length=1, max_length=services.MAX_BATCH)


class EventResultOut(Schema):
    index: int
    id: str
    status: str
    duplicate: bool | None = None
    code: str | None = None
    message: str | None = None


class BatchOut(Schema):
    accepted: int
    duplicates: int
    rejected: int
    results: list[EventResultOut]


@router.post(
    "/events",
    auth=SignedRequest(),
    response={200: BatchOut, **errors(401)},
    url_name="production_events",
    summary="Envoyer des événements de production ou de transport (lot de 500 au plus)",
)
def post_events(request: HttpRequest, payload: BatchIn) -> dict[str, Any]:
    """Chaque événement est accepté une seule fois (même `id` : même réponse, `duplicate`
    vrai), dans n'importe quel ordre ; un événement refusé est signalé avec son `index` et son
    `code` (`invalid_event`, `unknown_vin`, `unknown_order`, `order_not_confirmed`,
    `invalid_vin`, `vin_conflict`, `unknown_line`, `unknown_station`, `unknown_leg`,
    `forbidden_kind`, `forbidden_leg`), les autres sont acceptés."""
    credential: ApiCredential = request.auth  # type: ignore[attr-defined]
    results = services.events_ingest(credential=credential, events=payload.events)
    return {
        "accepted": sum(1 for r in results if r.status == "accepted" and not r.duplicate),
        "duplicates": sum(1 for r in results if r.duplicate),
        "rejected": sum(1 for r in results if r.status == "rejected"),
        "results": [r.as_dict() for r in results],
    }


PHOTO_FIELD = File(..., description="JPEG, PNG ou WebP, 5 Mo au plus")


class PhotoOut(Schema):
    event_id: str
    width: int
    height: int
    content_type: str


@router.post(
    "/events/{event_id}/photo",
    auth=SignedRequest(),
    response={200: PhotoOut, **errors(401, 404, 422)},
    url_name="production_event_photo",
    summary="Joindre une photo à un événement de poste (multipart, champ « photo »)",
)
def post_event_photo(
    request: HttpRequest, event_id: str, photo: UploadedFile = PHOTO_FIELD
) -> dict[str, Any]:
    """La photo d'un poste (`station_entered` ou `station_left`) déjà envoyé par cette usine :
    JPEG, PNG ou WebP, 5 Mo au plus ; elle est réduite, réencodée sans métadonnées (EXIF, GPS)
    et montrée à l'acheteur sur son suivi. Codes : `unknown_event` (404), `photo_too_large`,
    `photo_not_image`, `photo_format`, `photo_dimensions` (422). Une nouvelle photo remplace la
    précédente. La signature couvre le corps multipart tel qu'envoyé."""
    credential: ApiCredential = request.auth  # type: ignore[attr-defined]
    try:
        saved = services.station_photo_attach(
            credential=credential, event_id=event_id[:64], upload=photo
        )
    except services.PhotoRefused as refused:
        raise ApiError(refused.status, refused.code, refused.message) from refused
    return {
        "event_id": event_id,
        "width": saved.width,
        "height": saved.height,
        "content_type": saved.content_type,
    }

"""Writes on dealer stock: add and edit vehicles, photos, status changes, QR visits."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from autovitrine.core.vin import validate_vin

from .models import StockVehicle, VehiclePhoto, VehicleStatusEvent, VehicleVisit

ALLOWED_PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}


def photo_validate(upload: UploadedFile) -> None:
    """A real JPEG/PNG/WebP image under the size cap, or a French ``ValidationError``."""
    if upload.size is not None and upload.size > settings.MAX_PHOTO_BYTES:
        raise ValidationError(
            _("La photo dépasse %(mb)d Mo.") % {"mb": settings.MAX_PHOTO_BYTES // (1024 * 1024)},
            code="photo_too_large",
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image.verify()
            fmt = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            _("Ce fichier n'est pas une image (JPEG, PNG ou WebP)."), code="photo_not_image"
        ) from exc
    finally:
        upload.seek(0)
    if fmt not in ALLOWED_PHOTO_FORMATS:
        raise ValidationError(
            _("Format d'image non accepté : utilisez JPEG, PNG ou WebP."), code="photo_format"
        )


@dataclass(frozen=True, slots=True)
class VehicleData:
    condition: str
    vin: str
    make: str
    model_label: str
    energy: str
    year: int
    price_ttc: int
    mileage_km: int = 0
    version_label: str = ""
    colour_label: str = ""
    gearbox: str = ""
    power_hp: int | None = None
    co2_g_km: int | None = None
    first_registration: Any = None
    description: str = ""
    car_model_id: int | None = None
    version_id: int | None = None
    colour_id: int | None = None


@transaction.atomic
def vehicle_create(
    *, dealer_id: int, data: VehicleData, by: Any = None, photos: list[UploadedFile] | None = None
) -> StockVehicle:
    vin = validate_vin(data.vin)
    if StockVehicle.objects.filter(vin=vin).exists():
        raise ValidationError(_("Un véhicule avec ce VIN est déjà en stock."), code="vin_duplicate")
    for photo in photos or []:
        photo_validate(photo)
    fields = {**data.__dict__, "vin": vin}
    vehicle = StockVehicle.objects.create(dealer_id=dealer_id, **fields)
    VehicleStatusEvent.objects.create(vehicle=vehicle, to_status=vehicle.status, by=_user(by))
    for position, photo in enumerate(photos or []):
        VehiclePhoto.objects.create(vehicle=vehicle, image=photo, position=position)
    return vehicle


@transaction.atomic
def vehicle_update(
    *, vehicle: StockVehicle, data: VehicleData, photos: list[UploadedFile] | None = None
) -> StockVehicle:
    vin = validate_vin(data.vin)
    if StockVehicle.objects.filter(vin=vin).exclude(pk=vehicle.pk).exists():
        raise ValidationError(_("Un véhicule avec ce VIN est déjà en stock."), code="vin_duplicate")
    for photo in photos or []:
        photo_validate(photo)
    for name, value in {**data.__dict__, "vin": vin}.items():
        setattr(vehicle, name, value)
    vehicle.save()
    start = vehicle.photos.count()
    for offset, photo in enumerate(photos or []):
        VehiclePhoto.objects.create(vehicle=vehicle, image=photo, position=start + offset)
    return vehicle


def vehicle_set_status(
    *,
    vehicle_id: int,
    to_status: str,
    by: Any = None,
    reason: str = "",
    expected_dealer_id: int | None = None,
) -> StockVehicle:
    """Move a vehicle along ``StockVehicle.TRANSITIONS`` with one conditional UPDATE.

    The ``WHERE status IN (allowed sources)`` makes two concurrent reservations of the same car
    impossible: only one UPDATE matches, the other gets a ``ValidationError``.
    """
    sources = [src for src, targets in StockVehicle.TRANSITIONS.items() if to_status in targets]
    with transaction.atomic():
        qs = StockVehicle.objects.filter(pk=vehicle_id, status__in=sources)
        if expected_dealer_id is not None:
            qs = qs.filter(dealer_id=expected_dealer_id)
        current = qs.values_list("status", flat=True).first()
        if current is None or qs.filter(status=current).update(status=to_status) != 1:
            raise ValidationError(
                _("Ce changement de statut n'est pas possible pour ce véhicule."),
                code="invalid_transition",
            )
        VehicleStatusEvent.objects.create(
            vehicle_id=vehicle_id,
            from_status=current,
            to_status=to_status,
            by=_user(by),
            reason=reason[:200],
        )
    return StockVehicle.objects.get(pk=vehicle_id)


def vehicle_public_url(vehicle: StockVehicle, **params: str) -> str:
    path = reverse("inventory:vehicle", kwargs={"vehicle_id": vehicle.pk})
    query = f"?{urlencode(params)}" if params else ""
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{path}{query}"


def vehicle_qr_url(vehicle: StockVehicle, *, medium: str = "sticker") -> str:
    """The URL a QR code carries: the vehicle page with a source marker."""
    return vehicle_public_url(vehicle, src="qr", medium=medium)


def vehicle_qr_svg(vehicle: StockVehicle, *, medium: str = "sticker", scale: int = 6) -> str:
    qr = segno.make(vehicle_qr_url(vehicle, medium=medium), error="m")
    buffer = io.BytesIO()
    qr.save(
        buffer, kind="svg", scale=scale, xmldecl=False, svgns=True, title=_("QR code du véhicule")
    )
    return buffer.getvalue().decode()


def vehicle_record_visit(
    *, vehicle: StockVehicle, source: str = "", medium: str = "", campaign: str = ""
) -> VehicleVisit:
    kind = (
        VehicleVisit.Source.QR
        if source == "qr"
        else VehicleVisit.Source.CAMPAIGN
        if campaign
        else VehicleVisit.Source.WEB
    )
    return VehicleVisit.objects.create(
        vehicle=vehicle,
        dealer_id=vehicle.dealer_id,
        source=kind,
        medium=medium[:60],
        campaign=campaign[:100],
    )


def _user(by: Any) -> Any:
    return by if getattr(by, "is_authenticated", False) else None

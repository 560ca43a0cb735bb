"""Writes on dealer stock: add and edit vehicles, photos, status changes, QR visits."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from autovitrine.core.images import image_reencode
from autovitrine.core.vin import validate_vin

from .models import StockVehicle, VehiclePhoto, VehicleStatusEvent, VehicleVisit
from .selectors import stock_changed

ALLOWED_PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}


def photo_validate(upload: UploadedFile) -> ContentFile:
    """A real JPEG/PNG/WebP image under the size and pixel caps, re-encoded for storage
    (``core.images``), or a French ``ValidationError``."""
    if upload.size is not None and upload.size > settings.MAX_PHOTO_BYTES:
        raise ValidationError(
            _("La photo dépasse %(mb)d Mo.") % {"mb": settings.MAX_PHOTO_BYTES // (1024 * 1024)},
            code="photo_too_large",
        )
    return image_reencode(
        upload, allowed_formats=ALLOWED_PHOTO_FORMATS, name=upload.name or "photo"
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


def _duplicate_vin_error() -> ValidationError:
    return ValidationError(_("Un véhicule avec ce VIN est déjà en stock."), code="vin_duplicate")


def _fields_of(data: VehicleData) -> dict[str, Any]:
    # VehicleData has slots, hence no __dict__; asdict() would deep-copy for nothing.
    return {f.name: getattr(data, f.name) for f in dataclasses.fields(data)}


@transaction.atomic
def vehicle_create(
    *,
    dealer_id: int,
    data: VehicleData,
    by: Any = None,
    photos: list[UploadedFile] | None = None,
    option_ids: Iterable[int] = (),
) -> StockVehicle:
    vin = validate_vin(data.vin)
    if StockVehicle.objects.filter(vin=vin).exists():
        raise _duplicate_vin_error()
    checked_photos = [photo_validate(photo) for photo in photos or []]
    fields = {**_fields_of(data), "vin": vin}
    try:
        with transaction.atomic():
            vehicle = StockVehicle.objects.create(dealer_id=dealer_id, **fields)
    except IntegrityError as exc:
        # Another request added the same VIN between the check above and this insert.
        raise _duplicate_vin_error() from exc
    if options := list(option_ids):
        vehicle.options.add(*options)
    VehicleStatusEvent.objects.create(vehicle=vehicle, to_status=vehicle.status, by=_user(by))
    for position, photo in enumerate(checked_photos):
        VehiclePhoto.objects.create(vehicle=vehicle, image=photo, position=position)
    return vehicle


@transaction.atomic
def vehicle_update(
    *,
    vehicle: StockVehicle,
    data: VehicleData,
    photos: list[UploadedFile] | None = None,
    option_ids: Iterable[int] | None = None,
    photo_order: Sequence[int] | None = None,
) -> StockVehicle:
    """Save new data; ``option_ids`` replaces the options, ``photo_order`` lists the photos kept,
    first one first (the others are removed); new ``photos`` go after them."""
    vin = validate_vin(data.vin)
    if StockVehicle.objects.filter(vin=vin).exclude(pk=vehicle.pk).exists():
        raise _duplicate_vin_error()
    checked_photos = [photo_validate(photo) for photo in photos or []]
    # The row is locked so a flash sale cannot take the car between this check and the save.
    status = (
        StockVehicle.objects.select_for_update()
        .filter(pk=vehicle.pk)
        .values_list("status", flat=True)
        .first()
    )
    if status == StockVehicle.Status.FLASH_SALE:
        raise _in_flash_sale_error()
    fields = {**_fields_of(data), "vin": vin}
    for name, value in fields.items():
        setattr(vehicle, name, value)
    try:
        with transaction.atomic():
            # Only the edited fields: the status (and its flash-sale owner) move through
            # ``vehicle_set_status`` alone, never with a stale copy of the row.
            vehicle.save(update_fields=[*fields, "updated_at"])
    except IntegrityError as exc:
        raise _duplicate_vin_error() from exc
    if option_ids is not None:
        vehicle.options.set(option_ids)
    if photo_order is not None:
        _photos_arrange(vehicle, photo_order)
    # Counted in the database: a prefetched ``vehicle.photos`` would not see the removals above.
    start = VehiclePhoto.objects.filter(vehicle=vehicle).count()
    for offset, photo in enumerate(checked_photos):
        VehiclePhoto.objects.create(vehicle=vehicle, image=photo, position=start + offset)
    return vehicle


def _photos_arrange(vehicle: StockVehicle, photo_order: Sequence[int]) -> None:
    photos = {photo.pk: photo for photo in VehiclePhoto.objects.filter(vehicle=vehicle)}
    kept = [photos[photo_id] for photo_id in dict.fromkeys(photo_order) if photo_id in photos]
    removed = [photo for photo_id, photo in photos.items() if photo_id not in photo_order]
    for photo in removed:
        file_name, storage = photo.image.name, photo.image.storage
        photo.delete()
        if file_name:
            # The file goes only once the removal is committed, so a rollback keeps both.
            transaction.on_commit(partial(storage.delete, file_name))
    for position, photo in enumerate(kept):
        photo.position = position
    VehiclePhoto.objects.bulk_update(kept, ["position"])


def vehicle_set_status(
    *,
    vehicle_id: int,
    to_status: str,
    by: Any = None,
    reason: str = "",
    expected_dealer_id: int | None = None,
    expected_status: str | None = None,
) -> StockVehicle:
    """Move a vehicle along ``StockVehicle.TRANSITIONS`` with one conditional UPDATE.

    The ``WHERE status IN (allowed sources)`` makes two concurrent reservations of the same car
    impossible: only one UPDATE matches, the other gets a ``ValidationError``. With
    ``expected_status`` (the status the user saw), a change made meanwhile by someone else is
    refused too, instead of being silently overridden.
    """
    sources = StockVehicle.TRANSITIONS.sources_of(to_status)
    with transaction.atomic():
        qs = StockVehicle.objects.filter(pk=vehicle_id, status__in=sources)
        if expected_dealer_id is not None:
            qs = qs.filter(dealer_id=expected_dealer_id)
        if expected_status is not None:
            qs = qs.filter(status=expected_status)
        current = qs.values_list("status", flat=True).first()
        if current is None or qs.filter(status=current).update(status=to_status) != 1:
            if _in_flash_sale(vehicle_id):
                raise _in_flash_sale_error()
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
        stock_changed()
    return StockVehicle.objects.get(pk=vehicle_id)


def _in_flash_sale(vehicle_id: int) -> bool:
    return StockVehicle.objects.filter(
        pk=vehicle_id, status=StockVehicle.Status.FLASH_SALE
    ).exists()


def in_flash_sale_message() -> str:
    return _(
        "Ce véhicule est dans une vente flash en cours : il appartient à la vente jusqu'à sa "
        "clôture et ne peut être ni modifié, ni réservé, ni vendu par un autre canal."
    )


def _in_flash_sale_error() -> ValidationError:
    return ValidationError(in_flash_sale_message(), code="in_flash_sale")


def vehicles_flash_sale_take(*, vehicle_ids: Sequence[int], sale_id: int, reason: str = "") -> None:
    """Hand available cars to a flash sale, all or none (one conditional UPDATE).

    The status ``flash_sale`` and ``flash_sale_ref`` go together (check
    ``stock_flash_sale_owner``); every other channel moves cars through
    ``StockVehicle.TRANSITIONS``, where a flash-sale car has no move.
    """
    ids = sorted(set(vehicle_ids))
    with transaction.atomic():
        taken = StockVehicle.objects.filter(
            pk__in=ids, status=StockVehicle.Status.AVAILABLE
        ).update(status=StockVehicle.Status.FLASH_SALE, flash_sale_ref=sale_id)
        if taken != len(ids):
            raise ValidationError(
                _("Un de ces véhicules n'est plus disponible (réservé, vendu ou en vente flash)."),
                code="vehicle_unavailable",
            )
        VehicleStatusEvent.objects.bulk_create(
            VehicleStatusEvent(
                vehicle_id=vehicle_id,
                from_status=StockVehicle.Status.AVAILABLE,
                to_status=StockVehicle.Status.FLASH_SALE,
                reason=reason[:200],
            )
            for vehicle_id in ids
        )
        stock_changed()


def vehicle_flash_sale_release(
    *, vehicle_id: int, sale_id: int, to_status: str, by: Any = None, reason: str = ""
) -> bool:
    """The sale lets its car go: back to stock (``available``) or ``sold``. Only the owning
    sale can; returns whether the car was its own."""
    if to_status not in (StockVehicle.Status.AVAILABLE, StockVehicle.Status.SOLD):
        raise ValueError(to_status)
    with transaction.atomic():
        moved = StockVehicle.objects.filter(
            pk=vehicle_id, status=StockVehicle.Status.FLASH_SALE, flash_sale_ref=sale_id
        ).update(status=to_status, flash_sale_ref=None)
        if moved:
            VehicleStatusEvent.objects.create(
                vehicle_id=vehicle_id,
                from_status=StockVehicle.Status.FLASH_SALE,
                to_status=to_status,
                by=_user(by),
                reason=reason[:200],
            )
            stock_changed()
    return bool(moved)


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

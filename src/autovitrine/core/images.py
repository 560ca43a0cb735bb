"""Uploaded images: bounded before decoding, re-encoded before storage.

Pillow's own guard (``Image.MAX_IMAGE_PIXELS``) is set explicitly from ``MAX_IMAGE_PIXELS``; an
image over it, or with a side over ``MAX_IMAGE_SIDE``, is refused with a French message before
its pixels are decoded (a decompression bomb: a few KB that inflate to gigabytes). An accepted
image is decoded and saved again by Pillow, so what we store and serve is an image Pillow wrote
(no trailing payload, no metadata such as the GPS position).
"""

from __future__ import annotations

import io
import warnings
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "JPEG": {"quality": 88, "optimize": True},
    "PNG": {"optimize": True},
    "WEBP": {},
}


def pillow_limits_apply() -> None:
    Image.MAX_IMAGE_PIXELS = settings.MAX_IMAGE_PIXELS


def image_reencode(  # type: ignore[no-untyped-def]
    upload, *, allowed_formats: set[str], name: str, max_side: int | None = None
) -> ContentFile:
    """The upload, decoded and encoded again in its own format (scaled down to ``max_side``
    pixels on its longer side when given); ``ValidationError`` otherwise."""
    not_an_image = ValidationError(
        _("Ce fichier n'est pas une image (JPEG, PNG ou WebP)."), code="photo_not_image"
    )
    too_big = ValidationError(
        _("Image trop grande : %(side)d pixels de côté et %(mp)d mégapixels au plus.")
        % {"side": settings.MAX_IMAGE_SIDE, "mp": settings.MAX_IMAGE_PIXELS // 1_000_000},
        code="photo_dimensions",
    )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                fmt = image.format
                width, height = image.size
                if max(width, height) > settings.MAX_IMAGE_SIDE:
                    raise too_big
                if fmt not in allowed_formats:
                    raise ValidationError(
                        _("Format d'image non accepté : utilisez JPEG, PNG ou WebP."),
                        code="photo_format",
                    )
                image.load()
                picture = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_big from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise not_an_image from exc
    finally:
        upload.seek(0)
    if max_side is not None and max(picture.size) > max_side:
        picture.thumbnail((max_side, max_side))
    if fmt == "JPEG" and picture.mode not in ("RGB", "L"):
        picture = picture.convert("RGB")
    buffer = io.BytesIO()
    picture.save(buffer, format=fmt, **SAVE_OPTIONS.get(fmt or "", {}))
    return ContentFile(buffer.getvalue(), name=name)

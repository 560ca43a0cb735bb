"""Photos: Pillow's limits set explicitly, bombs and oversized images refused, files re-encoded."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from autovitrine.inventory.services import photo_validate


def png(width: int, height: int, *, trailer: bytes = b"") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, format="PNG", optimize=True)
    return SimpleUploadedFile("p.png", buffer.getvalue() + trailer, content_type="image/png")


def test_pillow_limit_is_the_settings_value(settings):
    assert Image.MAX_IMAGE_PIXELS == settings.MAX_IMAGE_PIXELS == 40_000_000


def test_a_decompression_bomb_is_refused_with_a_clear_message():
    # Given a tiny file that decodes to 100 megapixels
    bomb = png(10_000, 10_000)
    assert bomb.size < 50_000

    # When
    with pytest.raises(ValidationError) as refused:
        photo_validate(bomb)

    # Then
    assert refused.value.messages == [
        "Image trop grande : 8000 pixels de côté et 40 mégapixels au plus."
    ]


def test_an_over_long_side_is_refused():
    with pytest.raises(ValidationError) as refused:
        photo_validate(png(8001, 10))

    assert refused.value.code == "photo_dimensions"


def test_an_accepted_photo_is_re_encoded_without_what_trailed_it():
    # Given a PNG carrying a payload after its end
    upload = png(40, 30, trailer=b"<script>alert(1)</script>")

    # When
    stored = photo_validate(upload)

    # Then
    data = stored.read()
    assert b"<script>" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.size) == ("PNG", (40, 30))

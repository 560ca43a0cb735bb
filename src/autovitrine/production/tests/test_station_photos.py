"""Station photos: the plant attaches one to a station event through the signed API; it is
validated, scaled down, stripped of its metadata, stored privately and shown on the buyer's
timeline through a short-lived signed address, to those who may follow the order only."""

from __future__ import annotations

import io
import re
import time

import pytest
from django.core import signing as django_signing
from django.test.client import BOUNDARY, encode_multipart
from django.urls import reverse
from PIL import Image

from autovitrine.conftest import ROLES
from autovitrine.production import services
from autovitrine.production.models import Plant, StationPhoto
from autovitrine.production.signing import signed_headers

from .conftest import VIN, assign, event, post
from .test_timeline import EXPECTED

GPS_TAG = 0x8825
MAKE_TAG = 0x010F


def photo_bytes(fmt: str = "JPEG", size: tuple[int, int] = (2400, 1800)) -> bytes:
    """A camera-like photo: large, with the camera's make and a GPS position in its EXIF."""
    image = Image.new("RGB", size, (180, 30, 40))
    exif = Image.Exif()
    exif[MAKE_TAG] = "Appareil de l'usine"
    exif[GPS_TAG] = {1: "N", 2: (50.0, 22.0, 0.0)}
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, exif=exif.tobytes()) if fmt in ("JPEG", "WEBP") else image.save(
        buffer, format=fmt
    )
    return buffer.getvalue()


def post_photo(client, key, event_id: str, content: bytes, *, name="poste.jpg", tamper=False):
    credential, secret = key
    path = f"/api/production/events/{event_id}/photo"
    body = encode_multipart(BOUNDARY, {"photo": _file(content, name)})
    headers = signed_headers(
        key_id=credential.key_id, secret=secret, method="POST", path=path, body=body
    )
    if tamper:
        body = body.replace(b"poste", b"posts", 1)
    return client.post(
        path, data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}", headers=headers
    )


def _file(content: bytes, name: str):
    upload = io.BytesIO(content)
    upload.name = name
    return upload


@pytest.fixture
def painted(client, plant_key, order):
    """The order's car entered and left the body shop, then entered the paint shop."""
    post(
        client,
        plant_key,
        [
            assign(order),
            event("in1", "station_entered", 10, vin=VIN, station="tolerie"),
            event("out1", "station_left", 250, vin=VIN, station="tolerie"),
            event("in2", "station_entered", 260, vin=VIN, station="peinture"),
        ],
    )
    return order


def timeline_photos(client, order) -> list[str]:
    page = client.get(reverse("production:timeline", kwargs={"number": order.number}))
    return re.findall(
        r'<figure class="tracking-photo"><img src="([^"]+)" alt="([^"]+)"', page.content.decode()
    )


def test_a_station_photo_is_scaled_stripped_stored_privately_and_shown_to_the_buyer(
    client, plant_key, painted, customer, settings
):
    # When the plant sends a large camera photo of the paint shop
    response = post_photo(client, plant_key, "in2", photo_bytes())

    # Then it is accepted, scaled down to 1600 pixels and stored outside the public media
    assert response.status_code == 200, response.content
    assert response.json() == {
        "event_id": "in2",
        "width": 1600,
        "height": 1200,
        "content_type": "image/jpeg",
    }
    photo = StationPhoto.objects.get()
    assert not photo.file.path.startswith(str(settings.MEDIA_ROOT))
    # and the buyer's timeline shows it on the paint shop's stage
    client.force_login(customer, backend="django.contrib.auth.backends.ModelBackend")
    [(url, alt)] = timeline_photos(client, painted)
    assert alt == "Votre voiture au poste Peinture"
    served = client.get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"].startswith("private")
    # without the camera's make or the GPS position
    with Image.open(io.BytesIO(b"".join(served.streaming_content))) as image:
        assert image.size == (1600, 1200)
        assert MAKE_TAG not in image.getexif() and GPS_TAG not in image.getexif()


def test_a_second_photo_replaces_the_first(
    client, plant_key, painted, django_capture_on_commit_callbacks
):
    post_photo(client, plant_key, "in2", photo_bytes(size=(800, 600)))
    first = StationPhoto.objects.get().file
    assert first.storage.exists(first.name)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_photo(client, plant_key, "in2", photo_bytes("PNG", size=(640, 480)))

    assert response.status_code == 200
    photo = StationPhoto.objects.get()
    assert (photo.content_type, photo.width, photo.file.name != first.name) == (
        "image/png",
        640,
        True,
    )
    # and the first photo's file is gone from the private storage
    assert not first.storage.exists(first.name)


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"MZ\x90\x00 not a picture at all", "poste.jpg", "photo_not_image"),
        (None, "poste.gif", "photo_format"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "poste.jpg", "photo_not_image"),
    ],
)
def test_what_is_not_a_photo_is_refused_with_its_code(
    client, plant_key, painted, content, name, code
):
    if content is None:
        buffer = io.BytesIO()
        Image.new("RGB", (10, 10)).save(buffer, format="GIF")
        content = buffer.getvalue()

    response = post_photo(client, plant_key, "in2", content, name=name)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    assert not StationPhoto.objects.exists()


def test_a_photo_over_the_size_limit_is_refused(client, plant_key, painted, settings):
    settings.MAX_PHOTO_BYTES = 10_000

    response = post_photo(client, plant_key, "in2", photo_bytes())

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "photo_too_large"


def test_a_photo_needs_a_station_event_of_the_same_plant(client, plant_key, rail_key, painted):
    other_plant = Plant.objects.create(code="mulhouse", name="Mulhouse", city="Mulhouse")
    other_key = services.credential_create(label="MES Mulhouse", plant_id=other_plant.pk)
    jpeg = photo_bytes(size=(100, 100))

    answers = {
        "unknown event": post_photo(client, plant_key, "nope", jpeg),
        "not a station event": post_photo(client, plant_key, "e-vin", jpeg),
        "another plant": post_photo(client, other_key, "in2", jpeg),
        "a carrier": post_photo(client, rail_key, "in2", jpeg),
    }

    assert {k: (r.status_code, r.json()["error"]["code"]) for k, r in answers.items()} == {
        k: (404, "unknown_event") for k in answers
    }
    assert not StationPhoto.objects.exists()


def test_the_signature_covers_the_photo(client, plant_key, painted):
    response = post_photo(client, plant_key, "in2", photo_bytes(size=(100, 100)), tamper=True)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_signature"


@pytest.mark.parametrize("role", ROLES)
def test_who_may_see_a_station_photo(client, client_as, plant_key, painted, customer, role):
    # Given a photo, and its address as the buyer's timeline gives it
    post_photo(client, plant_key, "in2", photo_bytes(size=(100, 100)))
    client.force_login(customer, backend="django.contrib.auth.backends.ModelBackend")
    [(url, _alt)] = timeline_photos(client, painted)
    client.logout()

    # When someone else opens that address
    viewer, _ = client_as(role)
    response = viewer.get(url)

    # Then only the buyer, the delivering dealer's staff and head office get it
    assert response.status_code == {**EXPECTED, "anonymous": 404}[role]


def test_an_expired_or_forged_address_finds_nothing(
    client, plant_key, painted, customer, monkeypatch
):
    post_photo(client, plant_key, "in2", photo_bytes(size=(100, 100)))
    photo = StationPhoto.objects.get()
    client.force_login(customer, backend="django.contrib.auth.backends.ModelBackend")
    real_time = time.time
    monkeypatch.setattr(django_signing.time, "time", lambda: real_time() - 11 * 60)
    old_url = reverse(
        "production:station_photo",
        kwargs={
            "token": django_signing.TimestampSigner(salt="production.station-photo").sign(
                str(photo.pk)
            )
        },
    )
    monkeypatch.setattr(django_signing.time, "time", real_time)
    forged = reverse("production:station_photo", kwargs={"token": f"{photo.pk}:abc:def"})

    assert client.get(old_url).status_code == 404
    assert client.get(forged).status_code == 404

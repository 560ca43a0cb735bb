"""On the buyer's phone, a station photo the plant sent through the signed API shows on that
station's stage of the timeline, loaded through its signed address; the page passes axe-core."""

from __future__ import annotations

import httpx
import pytest
from django.test.client import BOUNDARY, encode_multipart

from autovitrine.production.signing import signed_headers
from autovitrine.testing import factories as f

from ..conftest import VIN, assign, event, factory_order
from ..test_station_photos import _file, photo_bytes
from .test_live_timeline import axe_violations, send, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def send_photo(base_url: str, key, event_id: str, content: bytes) -> httpx.Response:
    credential, secret = key
    path = f"/api/production/events/{event_id}/photo"
    body = encode_multipart(BOUNDARY, {"photo": _file(content, "peinture.jpg")})
    headers = signed_headers(
        key_id=credential.key_id, secret=secret, method="POST", path=path, body=body
    )
    headers["Content-Type"] = f"multipart/form-data; boundary={BOUNDARY}"
    return httpx.post(base_url + path, content=body, headers=headers, timeout=10)


def test_the_buyer_sees_the_paint_shop_photo_on_the_timeline(new_phone, granian_server, plant_key):
    # Given a car in the paint shop, photographed there by the plant
    dealer = f.DealerFactory(code="aurore-lyon", name="Aurore Lyon Confluence")
    buyer = f.UserFactory(email="lea@example.fr")
    order = factory_order(buyer, dealer)
    send(
        granian_server.url,
        plant_key,
        [
            assign(order),
            event("in1", "station_entered", 10, vin=VIN, station="tolerie"),
            event("in2", "station_entered", 260, vin=VIN, station="peinture"),
        ],
    )
    answer = send_photo(granian_server.url, plant_key, "in2", photo_bytes(size=(2400, 1800)))
    assert answer.status_code == 200, answer.text

    # When the buyer opens the timeline on their phone
    page = new_phone()
    sign_in(page, buyer.email)
    page.goto(f"/commandes/{order.number}/suivi/")

    # Then the paint shop's stage shows the photo, loaded, as wide as the screen allows
    image = page.get_by_role("img", name="Votre voiture au poste Peinture")
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.images].some(i => i.alt.includes('Peinture') && i.naturalWidth > 0)"
    )
    assert image.evaluate("i => i.naturalWidth") == 1600
    assert 300 <= image.bounding_box()["width"] <= 390
    stage = page.locator(".tracking-stage", has=image)
    assert "Peinture" in stage.inner_text()
    assert axe_violations(page) == []

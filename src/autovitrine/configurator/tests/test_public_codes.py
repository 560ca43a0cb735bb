"""Share codes: 64 bits or more, old 8-character codes still open, lookups rate-limited."""

from __future__ import annotations

import math

import pytest

from autovitrine.configurator.models import SHARE_ALPHABET, SavedConfiguration, new_share_code
from autovitrine.core.ratelimit import CODE_LOOKUPS_PER_WINDOW

pytestmark = pytest.mark.django_db

STATE = "/api/configurator/aurore-terra"


def _save(client) -> str:
    created = client.post(
        f"{STATE}/configurations", {"choices": ["trim:gt"]}, content_type="application/json"
    )
    assert created.status_code == 201
    return created.json()["code"]


def test_a_share_code_carries_at_least_64_bits():
    codes = {new_share_code() for _ in range(200)}

    assert len(codes) == 200
    for code in codes:
        assert len(code) * math.log2(len(SHARE_ALPHABET)) >= 64
        assert set(code) <= set(SHARE_ALPHABET)


def test_a_code_issued_before_with_8_characters_still_opens_its_configuration(client, terra):
    code = _save(client)
    SavedConfiguration.objects.filter(code=code).update(code="abcd2345")

    assert client.get("/api/configurator/configurations/abcd2345").status_code == 200
    assert client.get("/configurer/c/abcd2345/").status_code == 200


def test_looking_up_codes_is_rate_limited_per_client_in_french_and_in_json(client, terra):
    code = _save(client)
    answers = [
        client.get(
            f"/configurer/c/{code}/" if n % 2 else "/api/configurator/configurations/zzzzzzzzzzzzz"
        )
        for n in range(CODE_LOOKUPS_PER_WINDOW)
    ]
    assert [a.status_code for a in answers] == [404, 200] * (CODE_LOOKUPS_PER_WINDOW // 2)

    page = client.get(f"/configurer/c/{code}/")
    api = client.get(f"/api/configurator/configurations/{code}")
    other_client = client.get(f"/configurer/c/{code}/", REMOTE_ADDR="192.0.2.55")

    assert page.status_code == 429
    assert int(page["Retry-After"]) > 0
    assert "réessayez dans" in page.content.decode()
    assert api.status_code == 429 and api.json()["error"]["code"] == "rate_limited"
    assert int(api["Retry-After"]) > 0
    assert other_client.status_code == 200

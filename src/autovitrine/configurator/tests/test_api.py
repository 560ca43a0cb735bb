"""The configurator API: state, explanation, save and read back, with stable error codes."""

from __future__ import annotations

import pytest

from autovitrine.configurator.models import SavedConfiguration
from autovitrine.configurator.services import configurator_for

from .conftest import drop_sable_and_part_r20_from_winter

pytestmark = pytest.mark.django_db

STATE = "/api/configurator/aurore-terra"


def test_the_state_lists_possible_values_the_complete_car_and_exact_counts(client, terra):
    configurator = configurator_for(terra)

    body = client.get(STATE, {"c": ["trim:life"]}).json()

    assert body["possible"]["wheels"] == ["r17", "r18"]
    assert body["configuration"]["trim"] == "life"
    assert body["price"]["ttc"] == configurator.default_completion({"trim": "life"}).price.ttc
    assert body["count"] == str(configurator.count({"trim": "life"}))
    assert int(body["total_count"]) > int(body["count"])


def test_unknown_choices_are_named_each_with_a_stable_code(client, terra):
    response = client.get(STATE, {"c": ["trim:sport", "nitro:1", "trim:gt"]})

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "unknown_choice"
    assert [d["message"] for d in error["details"]] == [
        "Choix inconnu : « trim:sport ».",
        "Choix inconnu : « nitro:1 ».",
    ]


def test_choices_that_do_not_go_together_are_a_422(client, terra):
    response = client.get(STATE, {"c": ["trim:life", "wheels:r20"]})
    assert response.json()["error"]["code"] == "invalid_configuration"


def test_explain_gives_the_conflicting_choices_the_rule_and_the_smallest_change(client, terra):
    body = client.get(
        f"{STATE}/explain", {"c": ["trim:life", "paint:noir-onyx"], "choice": "wheels:r20"}
    ).json()

    assert body["possible"] is False
    assert body["because_of"] == ["trim:life"]
    assert body["rules"] == ["les jantes 20 pouces Diamant sont réservées à la finition GT"]
    assert body["change"]["changes"] == [{"name": "trim", "from": "life", "to": "gt"}]
    assert body["change"]["choices"] == ["trim:gt", "paint:noir-onyx", "wheels:r20"]


def test_save_then_read_back_and_see_what_no_longer_holds(
    client, terra, publish_revision, settings
):
    settings.PUBLIC_BASE_URL = "https://www.aurore.example"
    created = client.post(
        f"{STATE}/configurations",
        {"choices": ["trim:gt", "paint:sable-dore", "wheels:r20", "pack-hiver:1"]},
        content_type="application/json",
    )
    assert created.status_code == 201
    code = created.json()["code"]
    assert created.json()["share_url"] == f"{settings.PUBLIC_BASE_URL}/c/{code}"

    publish_revision(drop_sable_and_part_r20_from_winter)
    body = client.get(f"/api/configurator/configurations/{code}").json()

    assert body["holds"] is False
    assert body["problems"] == [
        "« Sable Doré (métallisé) » n'est plus proposé.",
        "Les jantes 20 pouces Diamant ne se montent pas avec le Pack Hiver.",
    ]
    assert body["price_ttc"] == SavedConfiguration.objects.get(code=code).price_ttc


def test_saving_refuses_bad_bodies_with_json_errors(client, terra):
    url = f"{STATE}/configurations"
    not_json = client.post(url, "choices=trim:gt", content_type="text/plain")
    wrong = client.post(url, {"choices": "trim:gt"}, content_type="application/json")
    clash = client.post(
        url, {"choices": ["trim:life", "wheels:r20"]}, content_type="application/json"
    )

    assert not_json.json()["error"]["code"] == "unsupported_media_type"
    assert wrong.json()["error"]["code"] == "invalid_input"
    assert clash.json()["error"]["code"] == "invalid_configuration"
    assert not SavedConfiguration.objects.exists()


def test_saving_is_rate_limited_per_address(client, terra):
    url = f"{STATE}/configurations"
    statuses = [
        client.post(url, {"choices": ["trim:gt"]}, content_type="application/json").status_code
        for _ in range(31)
    ]
    assert statuses[:30] == [201] * 30 and statuses[30] == 429


def test_unknown_models_and_codes_are_404(client, terra):
    assert client.get("/api/configurator/nope").json()["error"]["code"] == "not_found"
    assert client.get("/api/configurator/configurations/zz").status_code == 404

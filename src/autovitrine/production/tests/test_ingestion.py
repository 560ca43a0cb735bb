"""The signed ingestion API: signatures, replay window, keys, batches, duplicates, disorder."""

from __future__ import annotations

import time

import orjson
import pytest

from autovitrine.production.models import EtaChange, OrderProgress, ProductionEvent
from autovitrine.production.services import credential_revoke

from .conftest import URL, VIN, assign, event, post


def error_code(response) -> str:
    return response.json()["error"]["code"]


def test_a_signed_batch_is_accepted_and_moves_the_car(client, plant_key, order):
    # When
    response = post(
        client,
        plant_key,
        [
            assign(order),
            event("e1", "station_entered", 10, vin=VIN, station="tolerie"),
            event("e2", "station_left", 200, vin=VIN, station="tolerie"),
        ],
    )

    # Then
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 3
    progress = OrderProgress.objects.get(order=order)
    assert (progress.stage_kind, progress.station.code) == ("station_left", "tolerie")
    order.refresh_from_db()
    assert order.status == "in_production"  # through orders.services.order_start_production
    assert progress.eta_from is not None and progress.eta_from <= progress.eta_to


def test_a_wrong_signature_is_refused(client, plant_key, order):
    body = orjson.dumps({"events": [assign(order)]})
    credential, secret = plant_key
    response = post(client, (credential, secret + "x"), None, body=body)
    assert response.status_code == 401
    assert error_code(response) == "bad_signature"
    assert not OrderProgress.objects.exists()


def test_a_body_changed_after_signing_is_refused(client, plant_key, order):
    credential, secret = plant_key
    from autovitrine.production.signing import signed_headers

    signed = signed_headers(
        key_id=credential.key_id, secret=secret, method="POST", path=URL, body=b'{"events":[]}'
    )
    body = orjson.dumps({"events": [assign(order)]})
    response = client.post(URL, data=body, content_type="application/json", headers=signed)
    assert response.status_code == 401
    assert error_code(response) == "bad_signature"


def test_the_signature_covers_the_path(client, plant_key, order):
    body = orjson.dumps({"events": [assign(order)]})
    credential, secret = plant_key
    from autovitrine.production.signing import signed_headers

    signed = signed_headers(
        key_id=credential.key_id, secret=secret, method="POST", path="/api/other", body=body
    )
    response = client.post(URL, data=body, content_type="application/json", headers=signed)
    assert error_code(response) == "bad_signature"


@pytest.mark.parametrize("skew", [-301, 301])
def test_a_stale_timestamp_is_refused(client, plant_key, order, skew):
    response = post(client, plant_key, [assign(order)], now=time.time() + skew)
    assert response.status_code == 401
    assert error_code(response) == "stale_timestamp"


def test_a_timestamp_within_five_minutes_is_accepted(client, plant_key, order):
    response = post(client, plant_key, [assign(order)], now=time.time() - 290)
    assert response.status_code == 200


def test_an_unknown_key_is_refused(client, plant_key, order):
    credential, secret = plant_key
    credential.key_id = "av_nope"
    response = post(client, (credential, secret), [assign(order)])
    assert response.status_code == 401
    assert error_code(response) == "unknown_key"


def test_a_missing_key_is_refused(client, order):
    response = client.post(URL, data=b'{"events": []}', content_type="application/json")
    assert response.status_code == 401
    assert error_code(response) == "unknown_key"


def test_a_revoked_key_is_refused(client, plant_key, order):
    credential_revoke(credential_id=plant_key[0].pk)
    response = post(client, plant_key, [assign(order)])
    assert error_code(response) == "unknown_key"


def test_the_secret_is_not_stored(plant_key):
    credential, secret = plant_key
    credential.refresh_from_db()
    assert secret not in credential.secret_hash
    assert len(credential.secret_hash) == 64


def test_a_replayed_request_changes_nothing_and_answers_as_the_first(client, plant_key, order):
    # Given
    events = [assign(order), event("e1", "station_entered", 10, vin=VIN, station="tolerie")]
    first = post(client, plant_key, events).json()

    # When: the very same request again (a retry, or a replay inside the window)
    second = post(client, plant_key, events).json()

    # Then
    assert ProductionEvent.objects.count() == 2
    assert [r["status"] for r in second["results"]] == [r["status"] for r in first["results"]]
    assert [r["duplicate"] for r in second["results"]] == [True, True]
    assert (second["accepted"], second["duplicates"]) == (0, 2)


def test_the_same_event_twice_in_one_batch_is_kept_once(client, plant_key, order):
    twice = event("e1", "station_entered", 10, vin=VIN, station="tolerie")
    answer = post(client, plant_key, [assign(order), twice, twice]).json()
    assert [r["duplicate"] for r in answer["results"]] == [False, False, True]
    assert ProductionEvent.objects.filter(event_id="e1").count() == 1


def test_a_late_event_never_moves_the_car_back(client, plant_key, order):
    # Given the car is at assembly
    post(
        client,
        plant_key,
        [assign(order), event("e3", "station_entered", 600, vin=VIN, station="montage")],
    )

    # When "paint done", which happened before, arrives late
    answer = post(
        client, plant_key, [event("e2", "station_left", 500, vin=VIN, station="peinture")]
    ).json()

    # Then it is accepted and kept, but the car stays at assembly
    assert answer["accepted"] == 1
    progress = OrderProgress.objects.get(order=order)
    assert (progress.stage_kind, progress.station.code) == ("station_entered", "montage")
    assert ProductionEvent.objects.filter(event_id="e2").exists()


def test_a_late_release_does_not_lift_a_newer_hold(client, plant_key, order):
    post(
        client,
        plant_key,
        [
            assign(order),
            event(
                "h2", "quality_hold", 300, vin=VIN, reason="Retouche peinture", reason_public=True
            ),
        ],
    )
    post(client, plant_key, [event("r1", "quality_release", 200, vin=VIN)])
    assert OrderProgress.objects.get(order=order).on_hold is True


def test_a_partial_batch_reports_each_bad_event_with_its_index(client, plant_key, order):
    answer = post(
        client,
        plant_key,
        [
            assign(order),
            event("x1", "station_entered", 10, vin="VF1AB000000000000", station="tolerie"),
            event("x2", "station_entered", 10, vin=VIN, station="soudure-laser"),
            event("x3", "teleport", 10, vin=VIN),
            {"kind": "station_left"},
            "not an object",
            event("ok", "station_entered", 10, vin=VIN, station="tolerie"),
        ],
    ).json()
    codes = {r["index"]: r.get("code") for r in answer["results"] if r["status"] == "rejected"}
    assert codes == {
        1: "unknown_vin",
        2: "unknown_station",
        3: "invalid_event",
        4: "invalid_event",
        5: "invalid_event",
    }
    assert (answer["accepted"], answer["rejected"]) == (2, 5)
    assert ProductionEvent.objects.filter(event_id__in=["x1", "x2", "x3"]).count() == 0


def test_an_unknown_order_is_reported(client, plant_key, order):
    answer = post(
        client, plant_key, [event("v", "vin_assigned", 0, order="AV-NOPE", vin=VIN)]
    ).json()
    assert answer["results"][0]["code"] == "unknown_order"


def test_an_invalid_vin_is_reported(client, plant_key, order):
    answer = post(client, plant_key, [assign(order, vin="VF1-TOO-SHORT")]).json()
    assert answer["results"][0]["code"] == "invalid_vin"


def test_a_naive_time_is_refused(client, plant_key, order):
    bad = {**assign(order), "occurred_at": "2026-03-02T08:00:00"}
    answer = post(client, plant_key, [bad]).json()
    assert answer["results"][0]["code"] == "invalid_event"


def test_batches_are_limited_to_500(client, plant_key, order):
    events = [event(f"b{i}", "quality_release", i, vin=VIN) for i in range(501)]
    response = post(client, plant_key, events)
    assert response.status_code == 422
    assert error_code(response) == "invalid_input"


def test_a_batch_of_500_is_accepted(client, plant_key, order):
    events = [assign(order)] + [event(f"b{i}", "quality_release", i, vin=VIN) for i in range(499)]
    answer = post(client, plant_key, events).json()
    assert answer["accepted"] == 500


def test_a_carrier_sends_only_transport_events_on_its_own_legs(client, plant_key, rail_key, order):
    post(client, plant_key, [assign(order), event("lp", "left_plant", 900, vin=VIN)])
    answer = post(
        client,
        rail_key,
        [
            event(
                "c1", "transport_checkpoint", 1000, vin=VIN, leg="douai-lyon-rail", place="Dijon"
            ),
            event("c2", "transport_checkpoint", 1000, vin=VIN, leg="lyon-concession"),
            event("c3", "station_entered", 10, vin=VIN, station="tolerie"),
        ],
    ).json()
    assert [r.get("code") for r in answer["results"]] == [None, "forbidden_leg", "forbidden_kind"]


def test_every_kind_of_event(client, plant_key, rail_key, order):
    # Given / When: a whole run, plant then carrier
    plant_events = [
        assign(order),
        event("w", "build_week_planned", 1, vin=VIN, week="2026-W10"),
    ]
    for n, (code, *_rest) in enumerate(
        [("tolerie",), ("peinture",), ("montage",), ("audit",)], start=1
    ):
        plant_events += [
            event(f"in{n}", "station_entered", 100 * n, vin=VIN, station=code),
            event(f"out{n}", "station_left", 100 * n + 50, vin=VIN, station=code),
        ]
    plant_events += [
        event("hold", "quality_hold", 700, vin=VIN, reason="Joint de porte", reason_public=False),
        event("rel", "quality_release", 800, vin=VIN),
        event("exit", "left_plant", 900, vin=VIN),
    ]
    assert post(client, plant_key, plant_events).json()["rejected"] == 0
    eta = "2026-03-09T10:00:00+01:00"
    carrier = post(
        client,
        rail_key,
        [event("cp", "transport_checkpoint", 1000, vin=VIN, leg="douai-lyon-rail", eta=eta)],
    ).json()
    assert carrier["rejected"] == 0

    # Then
    progress = OrderProgress.objects.get(order=order)
    assert progress.build_week == "2026-W10"
    assert progress.on_hold is False
    assert progress.carrier_eta is not None
    assert progress.leg.code == "douai-lyon-rail"
    assert EtaChange.objects.filter(progress=progress).exists()


def test_arrival_and_transport_delay_are_in_the_eta_history(client, plant_key, rail_key, order):
    post(client, plant_key, [assign(order), event("exit", "left_plant", 10, vin=VIN)])
    checkpoint = dict(leg="douai-lyon-rail", vin=VIN)
    post(
        client,
        rail_key,
        [event("c1", "transport_checkpoint", 60, eta="2026-03-04T10:00:00+01:00", **checkpoint)],
    )
    post(
        client,
        rail_key,
        [event("c2", "transport_checkpoint", 120, eta="2026-03-10T10:00:00+01:00", **checkpoint)],
    )
    reasons = list(EtaChange.objects.values_list("reason", flat=True))
    assert reasons[-1] == "transport_delay"


def test_the_answer_is_documented_in_the_openapi_schema(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/production/events" in schema["paths"]


def test_milestone_emails_are_sent_once_even_on_replay(
    client, plant_key, rail_key, order, mailoutbox, django_capture_on_commit_callbacks
):
    # Given the car leaves the plant and arrives
    run = [assign(order), event("exit", "left_plant", 100, vin=VIN)]
    arrival = [event("arr", "arrived_at_dealer", 3000, vin=VIN)]
    with django_capture_on_commit_callbacks(execute=True):
        post(client, plant_key, run)
        post(client, rail_key, arrival)
    subjects = [m.subject for m in mailoutbox]
    assert any("quitté l'usine" in s for s in subjects)
    assert any("arrivée à la concession" in s for s in subjects)
    assert "/suivi/" in mailoutbox[-1].body
    sent = len(mailoutbox)

    # When everything is delivered again (a retry, a replay)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, plant_key, run)
        post(client, rail_key, arrival)

    # Then no second e-mail
    assert len(mailoutbox) == sent

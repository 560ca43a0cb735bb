"""The live stream: backlog after Last-Event-ID, then new events (Redis pub/sub when REDIS_URL is
set, table polling otherwise), heartbeats, nothing lost or repeated across a reconnect."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from autovitrine.conftest import ROLES
from autovitrine.production import live
from autovitrine.production.live import order_stream
from autovitrine.production.models import OrderProgress, ProductionEvent
from autovitrine.testing.concurrency import run_async

from .conftest import VIN, assign, event, post


def _ids(chunks: list[str]) -> list[int]:
    return [int(c.split("\n")[0][4:]) for c in chunks if c.startswith("id: ")]


async def _next(stream, timeout: float = 5.0) -> str:
    return await asyncio.wait_for(anext(stream), timeout)


def test_a_stream_replays_after_its_last_id_then_follows(transactional_db, plant_key, order):
    # Given two events already accepted
    client = Client()
    post(
        client,
        plant_key,
        [assign(order), event("in1", "station_entered", 10, vin=VIN, station="tolerie")],
    )
    first, second = ProductionEvent.objects.order_by("id").values_list("id", flat=True)

    async def scenario() -> list[str]:
        stream = order_stream(order_id=order.pk, last_id=first, heartbeat=30, poll=0.05)
        chunks = [await _next(stream)]  # retry:
        chunks.append(await _next(stream))  # the backlog: the second event only
        # When a new event is posted while the stream waits
        await sync_to_async(post, thread_sensitive=False)(
            Client(), plant_key, [event("out1", "station_left", 200, vin=VIN, station="tolerie")]
        )
        chunks.append(await _next(stream))
        await stream.aclose()
        return chunks

    chunks = run_async(scenario())

    # Then
    assert chunks[0].startswith("retry: ")
    third = ProductionEvent.objects.get(event_id="out1").pk
    assert _ids(chunks) == [second, third]
    data = json.loads(chunks[2].split("data: ", 1)[1])
    assert data["text"] == "Sortie du poste : Tôlerie."
    assert data["stage"] and "percent" in data


def test_a_reconnect_loses_nothing_and_repeats_nothing(transactional_db, plant_key, order):
    client = Client()
    post(client, plant_key, [assign(order)])

    async def scenario() -> list[int]:
        stream = order_stream(order_id=order.pk, last_id=0, heartbeat=30, poll=0.05)
        await _next(stream)
        seen = _ids([await _next(stream)])
        await stream.aclose()  # the connection drops...
        # ...events are accepted meanwhile...
        await sync_to_async(post, thread_sensitive=False)(
            Client(),
            plant_key,
            [event(f"in{n}", "station_entered", 10 * n, vin=VIN, station="tolerie") for n in (1,)]
            + [event("out1", "station_left", 100, vin=VIN, station="tolerie")],
        )
        # ...and the browser comes back with Last-Event-ID.
        stream = order_stream(order_id=order.pk, last_id=seen[-1], heartbeat=30, poll=0.05)
        await _next(stream)
        seen += _ids([await _next(stream), await _next(stream)])
        await stream.aclose()
        return seen

    seen = run_async(scenario())
    assert seen == list(ProductionEvent.objects.order_by("id").values_list("id", flat=True))


@pytest.mark.redis
def test_events_published_out_of_commit_order_all_reach_the_stream_in_order(
    transactional_db, plant_key, order, monkeypatch
):
    """Two workers accept one order's events in two batches, committed in id order, but the
    second worker publishes first (seen at 2,400 events/s: the stream sent the later event and
    dropped the earlier one as already sent)."""
    post(Client(), plant_key, [assign(order)])
    assigned = ProductionEvent.objects.get().pk
    held: list[list] = []

    def accept_both_holding_their_messages() -> None:
        with monkeypatch.context() as patch:
            patch.setattr(live, "publish_many", held.append)
            for batch in (
                [event("in1", "station_entered", 10, vin=VIN, station="tolerie")],
                [event("out1", "station_left", 200, vin=VIN, station="tolerie")],
            ):
                post(Client(), plant_key, batch)

    async def scenario() -> list[str]:
        stream = order_stream(order_id=order.pk, last_id=assigned, heartbeat=30, poll=0.05)
        chunks = [await _next(stream)]  # retry: (the stream is subscribed once it is sent)
        pending = asyncio.ensure_future(_next(stream))  # the backlog is empty: it waits
        await sync_to_async(accept_both_holding_their_messages, thread_sensitive=False)()
        live.publish_many(held[1])  # the later event's worker publishes first...
        live.publish_many(held[0])  # ...then the earlier one's
        chunks.append(await pending)
        chunks.append(await _next(stream))
        # And nothing more: the earlier message, arriving late, is not sent again.
        with contextlib.suppress(TimeoutError):
            chunks.append(await _next(stream, 0.5))
        await stream.aclose()
        return chunks

    chunks = run_async(scenario())
    entered, left = (
        ProductionEvent.objects.exclude(pk=assigned).order_by("id").values_list("id", flat=True)
    )
    # Each message names the order's event before it; the locked row keeps the chain's end.
    assert [(message[0], message[1], message[2]["id"]) for (message,) in held] == [
        (order.pk, assigned, entered),
        (order.pk, entered, left),
    ]
    assert OrderProgress.objects.get(order=order).last_event_id == left
    assert _ids(chunks) == [entered, left]


def test_a_silent_stream_sends_heartbeats(transactional_db, order):
    async def scenario() -> list[str]:
        stream = order_stream(order_id=order.pk, last_id=0, heartbeat=0.2, poll=0.05)
        chunks = [await _next(stream), await _next(stream, 3)]
        await stream.aclose()
        return chunks

    chunks = run_async(scenario())
    assert chunks[1] == ": heartbeat\n\n"


def _asgi_get(path: str, cookie: str) -> list[dict]:
    from autovitrine.production.asgi import with_live_stream_fast_path

    async def django(scope, receive, send):  # pragma: no cover - not reached on this path
        raise AssertionError("the stream never enters Django")

    app = with_live_stream_fast_path(django)
    sent: list[dict] = []

    async def receive():
        await asyncio.sleep(0.3)
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": b"",
        "headers": [(b"cookie", cookie.encode())],
    }
    run_async(app(scope, receive, send))
    return sent


@pytest.mark.parametrize("role", ROLES)
def test_the_asgi_stream_follows_the_same_privacy_rule(transactional_db, client_as, order, role):
    client, _ = client_as(role)
    cookie = client.cookies.get("sessionid")
    sent = _asgi_get(
        f"/commandes/{order.number}/suivi/direct/", cookie.OutputString() if cookie else ""
    )
    expected = {"anonymous": 404, "other_dealer_staff": 404}.get(role, 200)
    assert sent[0]["status"] == expected
    if expected == 200:
        headers = dict(sent[0]["headers"])
        assert headers[b"content-type"].startswith(b"text/event-stream")
        assert headers[b"x-accel-buffering"] == b"no"
        assert sent[1]["body"].startswith(b"retry: ")
        assert sent[-1]["more_body"] is False  # closed when the client went away

"""Web Push at the milestones: the buyer's browser subscription is kept; each milestone sends one
message per subscription, encrypted (aes128gcm, RFC 8291) and signed (VAPID, RFC 8292), checked by
a local push-service stand-in that decrypts it with the browser's keys; a replay sends nothing
more; a subscription the push service says is gone is dropped."""

from __future__ import annotations

import base64
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid

from autovitrine.production.models import PushSubscription

from .conftest import VIN, assign, event, post


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class PushService:
    """A push service on 127.0.0.1: it decrypts what it receives as the browser would, and
    answers 410 Gone for the endpoints told to."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.gone: set[str] = set()
        self.browser_key = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = os.urandom(16)
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.path in service.gone:
                    self.send_response(410)
                    self.end_headers()
                    return
                plain = http_ece.decrypt(
                    body,
                    private_key=service.browser_key,
                    auth_secret=service.auth_secret,
                    version="aes128gcm",
                )
                service.received.append(
                    {
                        "path": self.path,
                        "encoding": self.headers["Content-Encoding"],
                        "authorization": self.headers["Authorization"],
                        "ttl": self.headers["TTL"],
                        "message": json.loads(plain),
                    }
                )
                self.send_response(201)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # shutdown() waits for the loop's next look at its flag (every 0.5 s by default).
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def endpoint(self, name: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/{name}"

    def subscription(self, name: str) -> dict:
        public = self.browser_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint(name),
            "keys": {"p256dh": b64(public), "auth": b64(self.auth_secret)},
        }

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def push_service(settings):
    vapid = Vapid()
    vapid.generate_keys()
    raw = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    settings.WEBPUSH_VAPID_PRIVATE_KEY = b64(raw)
    settings.DEBUG_PUSH_ENDPOINTS = True
    service = PushService()
    yield service
    service.close()


def subscribe(client, subscription):
    return client.post(
        "/suivi/push/abonnement/", data=json.dumps(subscription), content_type="application/json"
    )


def test_a_milestone_is_pushed_encrypted_once_even_on_replay(
    client, customer, plant_key, order, push_service, django_capture_on_commit_callbacks
):
    # Given the buyer's phone subscribed
    client.force_login(customer, backend="django.contrib.auth.backends.ModelBackend")
    assert subscribe(client, push_service.subscription("telephone")).status_code == 201

    # When the car leaves the plant, and the batch is delivered twice
    run = [assign(order), event("exit", "left_plant", 100, vin=VIN)]
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            post(client, plant_key, run)

    # Then the push service got one message, encrypted for that browser and signed with VAPID
    [push] = push_service.received
    assert push["path"] == "/telephone"
    assert push["encoding"] == "aes128gcm"
    assert push["authorization"].startswith("vapid t=")
    assert "quitté l'usine" in push["message"]["title"]
    assert push["message"]["url"].endswith(f"/commandes/{order.number}/suivi/")


def test_a_subscription_the_push_service_says_is_gone_is_dropped(
    client, customer, plant_key, order, push_service, django_capture_on_commit_callbacks
):
    client.force_login(customer, backend="django.contrib.auth.backends.ModelBackend")
    subscribe(client, push_service.subscription("ancien"))
    subscribe(client, push_service.subscription("nouveau"))
    push_service.gone.add("/ancien")

    with django_capture_on_commit_callbacks(execute=True):
        post(client, plant_key, [assign(order), event("exit", "left_plant", 100, vin=VIN)])

    assert [p["path"] for p in push_service.received] == ["/nouveau"]
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [
        push_service.endpoint("nouveau")
    ]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("pas du json", "invalid_json"),
        (json.dumps({"endpoint": "https://push.example/x", "keys": {}}), "push_subscription"),
        (
            json.dumps({"endpoint": "ftp://x", "keys": {"p256dh": "a", "auth": "b"}}),
            "push_endpoint",
        ),
    ],
)
def test_a_bad_subscription_is_a_structured_400(client, customer, body, code):
    client.force_login(customer, backend="django.contrib.auth.backends.ModelBackend")

    response = client.post("/suivi/push/abonnement/", data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_an_anonymous_visitor_cannot_subscribe(client):
    response = client.post("/suivi/push/abonnement/", data="{}", content_type="application/json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_signed_in"


def test_the_timeline_offers_push_alerts_only_when_vapid_keys_are_set(
    client, customer, order, settings
):
    client.force_login(customer, backend="django.contrib.auth.backends.ModelBackend")
    url = f"/commandes/{order.number}/suivi/"

    settings.WEBPUSH_VAPID_PUBLIC_KEY = ""
    assert 'id="push-optin"' not in client.get(url).content.decode()

    settings.WEBPUSH_VAPID_PUBLIC_KEY = "BExampleKey"
    page = client.get(url).content.decode()
    assert 'id="push-optin" hidden data-key="BExampleKey"' in page
    assert 'data-url="/suivi/push/abonnement/"' in page
    assert "production/push-sw.js" in page

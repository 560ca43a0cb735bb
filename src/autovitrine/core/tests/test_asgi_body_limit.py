"""Body limits hold before Django reads the body (issue 10, « Bodies over the limit → 413 »).

Django's ASGI handler reads a whole body to a temporary file before its middleware runs, and a
body without ``Content-Length`` (chunked, HTTP/2) declares no size: the entry point
(``config/asgi.py``) refuses both at the limit, reading at most one chunk past it."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings

from autovitrine.config.asgi import application
from autovitrine.core.hostile_input import with_body_limit
from autovitrine.testing.asgi import http_scope

CHUNK = 64 * 1024
WEBHOOK = "/api/payments/webhooks/stripe"


def serve(
    app, scope: dict, chunks: int, answer_headers: dict | None = None
) -> tuple[int, bytes, int]:
    """Run one request; returns (status, body, chunks of the request body read), and fills
    ``answer_headers`` with the response's headers when given."""
    read = 0
    sent: list[dict] = []

    async def receive():
        nonlocal read
        if read >= chunks:
            await asyncio.sleep(3600)  # the client waits for an answer
        read += 1
        return {"type": "http.request", "body": b"x" * CHUNK, "more_body": read < chunks}

    async def send(message):
        sent.append(message)

    # In a thread of its own: the browser tests leave an event loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result(timeout=30)
    start = next(m for m in sent if m["type"] == "http.response.start")
    if answer_headers is not None:
        answer_headers.update(start["headers"])
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], body, read


def test_a_chunked_api_body_over_256_kb_is_a_413_after_reading_just_past_the_limit():
    scope = http_scope("POST", WEBHOOK, headers=[(b"content-type", b"application/json")])

    status, body, read = serve(application, scope, chunks=160)  # 10 MB, no Content-Length

    assert status == 413
    assert json.loads(body)["error"]["code"] == "payload_too_large"
    assert read == settings.MAX_API_BODY_BYTES // CHUNK + 1  # 5 chunks of 160


def test_a_declared_length_over_the_limit_is_a_413_with_nothing_read():
    scope = http_scope(
        "POST",
        WEBHOOK,
        headers=[(b"content-type", b"application/json"), (b"content-length", b"52428800")],
    )

    status, _body, read = serve(application, scope, chunks=800)

    assert (status, read) == (413, 0)


def test_a_page_form_over_its_limit_gets_a_french_page_with_nothing_read():
    scope = http_scope(
        "POST",
        "/connexion/",
        headers=[
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1).encode()),
        ],
    )

    headers: dict = {}
    status, body, read = serve(application, scope, chunks=200, answer_headers=headers)

    assert (status, read) == (413, 0)
    assert "Envoi trop volumineux" in body.decode()
    # Refused before Django, with the site's protective headers all the same.
    assert headers[b"x-content-type-options"] == b"nosniff"
    assert b"frame-ancestors 'none'" in headers[b"content-security-policy"]
    assert headers[b"referrer-policy"] == b"same-origin"


def test_a_chunked_body_within_the_limit_reaches_the_application_whole_with_its_length():
    seen: dict = {}

    async def app(scope, receive, send):
        message = await receive()
        seen["body"] = message["body"]
        seen["length"] = dict(scope["headers"]).get(b"content-length")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    status, _body, read = serve(with_body_limit(app), http_scope("POST", WEBHOOK), chunks=3)

    assert (status, read) == (200, 3)
    assert seen == {"body": b"x" * 3 * CHUNK, "length": str(3 * CHUNK).encode()}

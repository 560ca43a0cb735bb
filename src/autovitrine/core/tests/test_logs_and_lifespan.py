"""Operations hygiene: ordinary refusals log one line, the ASGI server's lifespan is answered."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

import pytest

from autovitrine.config.asgi import application


@pytest.mark.parametrize(
    ("path", "status"),
    [("/nulle-part/", 404), ("/api/nope", 404), ("/stock/%00", 404)],
)
def test_an_ordinary_refusal_logs_one_line_without_traceback(client, caplog, db, path, status):
    # When
    with caplog.at_level(logging.INFO):
        response = client.get(path)

    # Then
    assert response.status_code == status
    assert [(r.levelname, r.exc_info) for r in caplog.records] == [("WARNING", None)]


def test_a_forbidden_page_logs_one_line_without_traceback(client_as, caplog, db):
    # Given a customer on the dealer's space
    client, _ = client_as("customer")

    # When
    with caplog.at_level(logging.INFO):
        response = client.get("/concessions/espace/tableau-de-bord/")

    # Then
    assert response.status_code == 403
    assert [(r.levelname, r.exc_info) for r in caplog.records] == [("WARNING", None)]


def test_a_forged_host_header_logs_one_line_without_traceback(client, caplog, db):
    # When a client names a host the site does not serve
    with caplog.at_level(logging.INFO):
        response = client.get("/", HTTP_HOST="evil.example")

    # Then a 400 and one line, without traceback
    assert response.status_code == 400
    assert [(r.name, r.exc_info) for r in caplog.records if r.levelno >= logging.WARNING] == [
        ("django.security.DisallowedHost", None)
    ]


def test_the_asgi_application_answers_the_servers_lifespan_messages():
    sent = []
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

    async def receive():
        return next(messages)

    async def send(message):
        sent.append(message["type"])

    # In a thread of its own: the browser tests leave an event loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, application({"type": "lifespan"}, receive, send)).result()

    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]

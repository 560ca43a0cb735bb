"""Hostile input on every address: generated from the URL configuration and the OpenAPI schema.

Each class of input (control characters in the path, the query, a form and a JSON body; bodies
over the limit) is sent to every page and every API operation, as each visitor kind would.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from autovitrine.config.api import api, wire_fields

CONVERTER_SAMPLES = {"int": "1", "slug": "x", "str": "x", "path": "x", "uuid": None}
ARGUMENT = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _routes(patterns: list, prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


@cache
def page_paths() -> list[str]:
    """A concrete path per route of the URL configuration (the API's routes included)."""
    paths = set()
    for route in _routes(get_resolver().url_patterns):
        if route.startswith("^") or "(?P" in route:  # the admin's regex routes: one sample
            route = route.split("(?P")[0].lstrip("^").rstrip("$")
        concrete = ARGUMENT.sub(
            lambda m: CONVERTER_SAMPLES.get(m["converter"] or "str") or "x", route
        )
        paths.add("/" + concrete.lstrip("/"))
    return sorted(paths)


@cache
def api_operations() -> list[tuple[str, str, dict]]:
    """(method, concrete path, operation) for every operation of the OpenAPI schema."""
    schema = api.get_openapi_schema()
    operations = []
    for path, methods in schema["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        for method, operation in methods.items():
            operations.append((method.upper(), concrete, operation))
    return sorted(operations, key=lambda o: (o[1], o[0]))


def _string_fields(operation: dict) -> list[str]:
    schema = api.get_openapi_schema()
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    ref = body.get("schema", {}).get("$ref", "")
    if not ref:
        return []
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return list(component.get("properties", {})) or ["field"]


def test_the_generated_lists_cover_the_site():
    # Guards the generators themselves: a broken walk would make every test below vacuous.
    assert len(page_paths()) > 60
    assert {"/api/leads", "/stock/", "/admin/"} <= set(page_paths())
    assert any(p.startswith("/ventes-flash/x/") for p in page_paths())
    assert len(api_operations()) >= 17


# The gate runs before authentication, so what a visitor is does not change the answer; both
# kinds are still tried, and the signed-in one on every API operation.
VISITORS = ["anonymous", "dealer_staff"]


@pytest.fixture(params=VISITORS)
def visitor(request, db) -> Client:
    client = Client()
    if request.param != "anonymous":
        client.force_login(request.getfixturevalue(request.param))
    return client


CONTROL_CHARACTERS = ["\x00", "\x01", "\x1b", "\x7f"]
PATH_CHARACTERS = [*CONTROL_CHARACTERS, "\n", "\t", "\r"]
PAGES = list(enumerate(page_paths()))
PAGE_IDS = [path for _, path in PAGES]


def rotate(characters: list[str], index: int, count: int = 2) -> list[str]:
    """``count`` characters for the ``index``-th address: every one is used across the site."""
    return [characters[(index + k) % len(characters)] for k in range(count)]


@pytest.mark.parametrize(("index", "path"), PAGES, ids=PAGE_IDS)
def test_a_control_character_in_the_path_is_a_404(client, index, path):
    for character in rotate(PATH_CHARACTERS, index, 3):
        hostile = path.rstrip("/") + "/a" + quote(character) + "b"
        response = client.get(hostile)
        assert response.status_code == 404, (hostile, response.status_code)


@pytest.mark.parametrize(("index", "path"), PAGES, ids=PAGE_IDS)
def test_a_control_character_in_the_query_is_a_400(client, index, path):
    value, name = rotate(CONTROL_CHARACTERS, index)
    for query in ({"q": "a" + value}, {"place" + name: "Lyon"}):
        response = client.get(path, query)
        assert response.status_code == 400, (path, query, response.status_code)


@pytest.mark.parametrize(("index", "path"), PAGES, ids=PAGE_IDS)
def test_a_control_character_in_a_form_is_a_400(visitor, index, path):
    value, name = rotate(CONTROL_CHARACTERS, index)
    for form in ({"name": "Jean" + value, "x": "y"}, {"message" + name: "a"}):
        response = visitor.post(path, form)
        multipart = visitor.post(path, {**form, "file": b""})
        assert response.status_code == 400, (path, form, response.status_code)
        assert multipart.status_code == 400, (path, form, multipart.status_code)


@pytest.mark.parametrize("path", page_paths())
def test_a_body_over_the_limit_is_a_413(client, path):
    limit = (
        settings.MAX_API_BODY_BYTES
        if path.startswith("/api/")
        else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )
    for method in ("post", "put", "patch"):
        response = client.generic(
            method.upper(),
            path,
            b"x",
            content_type="application/x-www-form-urlencoded",
            CONTENT_LENGTH=str(limit + 1),
        )
        assert response.status_code == 413, (method, path, response.status_code)
    upload = client.generic(
        "POST",
        path,
        b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(settings.MAX_UPLOAD_REQUEST_BYTES + 1),
    )
    assert upload.status_code == 413


OPERATIONS = api_operations()
OPERATION_IDS = [f"{method} {path}" for method, path, _ in OPERATIONS]


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=OPERATION_IDS)
def test_a_control_character_in_any_api_parameter_or_field_is_a_400(
    visitor, method, path, operation
):
    names = [
        name
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
        for name, _ in wire_fields(parameter)
    ]
    for name in [*names, "unknown"]:
        response = visitor.generic(method, f"{path}?{name}=a%00b")
        assert response.status_code == 400, (name, response.status_code)
        assert response.json()["error"]["code"] == "invalid_characters"
    for index, field in enumerate(_string_fields(operation)):
        for character in rotate(CONTROL_CHARACTERS, index):
            body = json.dumps({field: "a" + character})
            response = visitor.generic(method, path, body, content_type="application/json")
            assert response.status_code == 400, (field, response.status_code)
            assert response.json()["error"]["details"] == [
                {
                    "field": "body",
                    "message": "Caractères de contrôle refusés (octet nul, échappements…).",
                }
            ]


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=OPERATION_IDS)
def test_an_api_body_over_the_limit_is_a_413_with_the_error_envelope(
    client, method, path, operation
):
    response = client.generic(
        method,
        path,
        b"{}",
        content_type="application/json",
        CONTENT_LENGTH=str(settings.MAX_API_BODY_BYTES + 1),
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert response.json()["error"]["message"] == "Envoi trop volumineux : 0,25 Mo au plus."


def test_a_page_refusal_is_a_french_page(client):
    response = client.get("/stock/", {"place": "Lyon\x00"})

    assert response.status_code == 400
    assert "Caractères de contrôle refusés" in response.content.decode()
    assert response["Content-Type"] == "text/html; charset=utf-8"


def test_ordinary_text_with_line_breaks_and_accents_passes(client, db):
    response = client.get("/stock/", {"place": "Saint-Étienne\t"})

    assert response.status_code == 200


JSON_BODIES = {
    "nested 9 deep": '{"a": ' * 9 + "1" + "}" * 9,
    "nested 2000 deep": "[" * 2000 + "]" * 2000,
    "integer beyond 64 bits": '{"a": 123456789012345678901234567890}',
    "not JSON": "{'a': 1}",
}


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=OPERATION_IDS)
def test_hostile_json_on_any_api_operation_is_a_4xx(client, method, path, operation, db):
    reads_a_body = "requestBody" in operation
    for body in JSON_BODIES.values():
        response = client.generic(method, path, body, content_type="application/json")
        if reads_a_body:
            assert 400 <= response.status_code < 500, (body[:20], response.status_code)
            assert set(response.json()["error"]) == {"code", "message", "details"}
        else:  # a body it does not read changes nothing
            assert response.status_code < 500, (body[:20], response.status_code)


def test_a_json_body_nested_too_deep_is_invalid_json(client, db):
    response = client.post(
        "/api/leads", JSON_BODIES["nested 9 deep"], content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"


@pytest.mark.parametrize("path", ["/api/stock/search", "/stock/"])
def test_more_query_fields_than_allowed_is_a_400_not_an_html_error(client, db, path):
    # When
    query = "&".join(f"c={n}" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = client.get(f"{path}?{query}")

    # Then
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response.json()["error"]["code"] == "too_many_fields"
    else:
        assert "Trop de champs" in response.content.decode()


# Classes of bad values, sent to every query parameter of every API operation (from the schema).
HOSTILE_VALUES = {
    "full-width digits": "１２３",
    "Arabic-Indic digit": "٣",
    "negative": "-1",
    "beyond float": "1e400",
    "not a number": "NaN",
    "infinity": "inf",
    "huge integer": "9" * 30,
    "year 0": "0000-01-01",
    "year 10000": "10000-01-01",
    "overlong": "x" * 5000,
}
NUMERIC = {"integer", "number"}


def _query_parameters() -> list[tuple[str, str, dict]]:
    return [
        (path, name, schema)
        for method, path, operation in api_operations()
        if method == "GET"
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
        for name, schema in wire_fields(parameter)
    ]


def _is_numeric(schema: dict) -> bool:
    kinds = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
    return bool(kinds & NUMERIC)


@pytest.mark.parametrize("kind", list(HOSTILE_VALUES))
def test_bad_values_in_every_query_parameter_are_refused_never_a_500(client, dealer_staff, kind):
    # Signed in as staff, so that the dealers' operations read their parameters too.
    client.force_login(dealer_staff)
    value = HOSTILE_VALUES[kind]
    parameters = _query_parameters()
    assert any(_is_numeric(schema) for _, _, schema in parameters)
    for path, name, schema in parameters:
        response = client.get(path, {name: value})
        assert response.status_code < 500, (path, name, response.status_code)
        assert response["Content-Type"].startswith("application/json"), (path, name)
        numeric_and_invalid = kind != "negative" and kind not in ("year 0", "year 10000")
        if _is_numeric(schema) and numeric_and_invalid and response.status_code != 422:
            pytest.fail(f"{path}?{name}={value[:20]} answered {response.status_code}")


# Requests Django itself cannot read: they end in its 400 handler, not in a view.
UNREADABLE = {
    "multipart without boundary": {"content_type": "multipart/form-data"},
    "multipart with an empty boundary": {"content_type": "multipart/form-data; boundary="},
    "host not served here": {"HTTP_HOST": "evil.example"},
}


@pytest.mark.parametrize("kind", UNREADABLE)
@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=OPERATION_IDS)
def test_an_unreadable_api_request_is_a_400_with_the_error_envelope(
    client, kind, method, path, operation, db
):
    # Given: a request Django refuses before any view (SuspiciousOperation, MultiPartParserError;
    # Django parses a form body on POST only, and the gate reads it before routing)
    options = {"content_type": "application/json", **UNREADABLE[kind]}

    # When
    response = client.generic("POST", path, b"x", **options)

    # Then
    assert response.status_code == 400, response.status_code
    assert response.json()["error"] == {
        "code": "bad_request",
        "message": "Demande illisible : elle est mal formée.",
        "details": [],
    }


@pytest.mark.parametrize("kind", UNREADABLE)
@pytest.mark.parametrize("path", ["/demandes/nouvelle/", "/stock/concession/ajouter/", "/"])
def test_an_unreadable_page_request_is_a_french_page(client, db, kind, path):
    options = {"content_type": "application/x-www-form-urlencoded", **UNREADABLE[kind]}

    response = client.generic("POST", path, b"x", **options)

    assert response.status_code == 400
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "Demande illisible" in response.content.decode()

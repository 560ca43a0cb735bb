"""The API as a whole: its OpenAPI schema and docs page, and errors that are always JSON."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import RequestFactory
from jsonschema import Draft202012Validator

from autovitrine.config.api import api, wire_fields

ERROR_CODES = [
    "invalid_input",
    "invalid_json",
    "unsupported_media_type",
    "unknown_place",
    "unknown_model",
    "unknown_dealer",
    "unknown_operation",
    "not_found",
    "page_out_of_range",
    "not_authenticated",
    "forbidden",
    "csrf_failed",
    "method_not_allowed",
    "rate_limited",
    "invalid_transition",
    "conflict",
    "internal_error",
]


def test_the_openapi_schema_describes_every_public_endpoint_and_error_code(client, db):
    # When
    response = client.get("/api/openapi.json")

    # Then
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "AutoVitrine API"
    for path, method in [
        ("/api/catalog/models", "get"),
        ("/api/catalog/models/{code}", "get"),
        ("/api/dealers", "get"),
        ("/api/dealers/{code}", "get"),
        ("/api/stock/search", "get"),
        ("/api/stock/vehicles/{vehicle_id}", "get"),
        ("/api/leads", "post"),
        ("/api/leads/mine", "get"),
        ("/api/leads/{lead_id}", "patch"),
        ("/api/health", "get"),
    ]:
        assert method in schema["paths"][path], path
    for code in ERROR_CODES:
        assert f"`{code}`" in schema["info"]["description"], code
    search_parameters = {
        name
        for parameter in schema["paths"]["/api/stock/search"]["get"]["parameters"]
        for name, _ in wire_fields(parameter)
    }
    assert search_parameters >= {
        "place",
        "lat",
        "lng",
        "model",
        "energy",
        "condition",
        "max_price_cents",
        "max_mileage",
        "min_year",
        "max_distance_km",
        "dealer",
        "sort",
        "page",
        "page_size",
    }
    assert "/api/{unmatched}" not in schema["paths"]


def _near(path: str) -> dict:
    [near] = [
        p
        for p in api.get_openapi_schema()["paths"][path]["get"]["parameters"]
        if p["name"] == "near"
    ]
    return near


@pytest.mark.parametrize(
    ("query", "stock_search", "dealers"),
    [
        ({}, True, False),  # the dealers near… nowhere
        ({"place": "Lyon"}, True, True),
        ({"place": " \t "}, True, False),  # a blank place is no place
        ({"place": "", "lat": 45.76, "lng": 4.83}, True, True),  # an empty field beside a position
        ({"place": " ", "max_distance_km": 50}, False, None),
        ({"lat": 45.76, "lng": 4.83}, True, True),
        ({"lat": 45.76}, False, False),  # half a position
        ({"lng": 4.83}, False, False),
        ({"max_distance_km": 50}, False, None),  # a distance from nowhere
        ({"place": "Lyon", "max_distance_km": 50}, True, None),
        ({"lat": 91, "lng": 4.83}, False, False),
    ],
)
def test_the_schema_says_where_a_distance_is_measured_from(query, stock_search, dealers):
    """``lat`` and ``lng`` together, a place or a position for the dealers' list (issue 10):
    what the API answers (``test_api_search``, ``test_api_dealers``), the schema says."""
    for path, expected in (("/api/stock/search", stock_search), ("/api/dealers", dealers)):
        if expected is None:
            continue
        near = _near(path)
        assert (near["style"], near["explode"]) == ("form", True)  # ?lat=…&lng=… on the wire
        valid = Draft202012Validator(near["schema"]).is_valid(query)
        assert valid is expected, (path, query)
        if not query:
            assert near["required"] is (path == "/api/dealers")


def test_the_docs_page_loads_the_schema(client, db):
    # When
    response = client.get("/api/docs")

    # Then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "/api/openapi.json" in response.content.decode()


def test_the_health_probe_answers_ok(client):
    # When
    response = client.get("/api/health")

    # Then
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_a_wrong_method_is_a_json_405_naming_the_allowed_ones(client, db):
    # When
    response = client.delete("/api/stock/search")

    # Then
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert response.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("path", ["/api/nothing-here", "/api/stock/search/", "/api/catalog/"])
def test_an_unknown_address_under_the_api_is_a_json_404(client, db, path):
    # When
    response = client.get(path)

    # Then
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_unexpected_failure_is_logged_and_answered_without_a_traceback(caplog):
    # Given
    request = RequestFactory().get("/api/stock/search")

    # When
    with caplog.at_level(logging.ERROR, logger="autovitrine.config.api"):
        response = api.on_exception(request, RuntimeError("secret detail"))

    # Then
    assert response.status_code == 500
    assert json.loads(response.content) == {
        "error": {
            "code": "internal_error",
            "message": "Erreur interne : nous sommes prévenus.",
            "details": [],
        }
    }
    assert "RuntimeError: secret detail" in caplog.text


def test_every_schema_name_is_defined_once():
    # Two schemas of one name share one OpenAPI component: the second silently replaces the first.
    from ninja import Schema

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    names = [
        cls.__name__ for cls in subclasses(Schema) if cls.__module__.startswith("autovitrine.")
    ]
    assert sorted({n for n in names if names.count(n) > 1}) == []


def test_the_configurator_price_has_its_own_schema(client, db):
    components = client.get("/api/openapi.json").json()["components"]["schemas"]

    assert "ConfigurationPriceOut" in components
    assert "ttc" in components["ConfigurationPriceOut"]["properties"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/leads", "lead"),
        ("/api/configurator/aurore-terra/configurations", {"choices": []}),
    ],
)
def test_an_open_write_with_the_session_cookie_needs_the_csrf_token(customer, path, body):
    """Issue 10: « API writes with the session cookie require the CSRF token ». An open operation
    records the signed-in user as the author: without the token a forged cross-site request
    would write in their name. The same request without a session is accepted as before."""
    from django.test import Client

    from autovitrine.leads.models import Lead
    from autovitrine.testing import factories as f

    if body == "lead":
        body = {
            "kind": "question",
            "vehicle_id": f.StockVehicleFactory().pk,
            "name": "Camille Martin",
            "email": "camille@example.fr",
            "phone": "0612345678",
            "message": "Bonjour",
            "consent": True,
        }
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(customer, backend="django.contrib.auth.backends.ModelBackend")

    forged = browser.post(path, body, content_type="application/json")

    assert forged.status_code == 403
    assert forged.json()["error"]["code"] == "csrf_failed"
    assert not Lead.objects.exists()
    browser.get("/")  # the page gives the CSRF cookie a script would read
    token = browser.cookies["csrftoken"].value
    with_token = browser.post(path, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert with_token.status_code != 403


def test_every_write_declares_the_csrf_refusal():
    from autovitrine.config.api import api

    schema = api.get_openapi_schema()
    for methods in schema["paths"].values():
        for method, operation in methods.items():
            if method in ("post", "put", "patch", "delete"):
                assert "403" in {str(status) for status in operation["responses"]}, operation


def test_the_lead_schema_says_consent_must_be_true_and_lists_the_callback_windows():
    from autovitrine.config.api import api

    lead = api.get_openapi_schema()["components"]["schemas"]["LeadIn"]["properties"]
    assert lead["consent"]["const"] is True
    windows = next(item for item in lead["callback_window"]["anyOf"] if "enum" in item)
    assert windows["enum"] == ["morning", "midday", "afternoon", "evening"]

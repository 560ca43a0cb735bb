"""The application and its visitors as Schemathesis calls them (``test_schemathesis*.py``)."""

from __future__ import annotations

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from autovitrine.configurator.engine.demo import DEMO_PATH
from autovitrine.configurator.services import product_data_create, product_data_publish
from autovitrine.testing import factories as f

# Schema-valid requests the API refuses for want of data the schema cannot know: a place, a
# model or a dealer we do not have, a choice, a combination or a workshop operation the rules
# refuse; and, whatever the code, no such resource (404), not signed in or not allowed (401,
# 403), a conflict with the current state (409), too many requests (429). Any other refusal of a valid request,
# ``invalid_input`` above all, is a constraint the schema leaves out.
DATA_REFUSALS = {
    422: {
        "unknown_place",
        "unknown_model",
        "unknown_dealer",
        "unknown_choice",
        "invalid_configuration",
        "unknown_operation",
    }
}
ANY_CODE = {401, 403, 404, 409, 429}
# Fields whose rules the schema can only state in words: a lead's e-mail address and French
# phone number as their validators read them, its slot (in the next 60 days, when the dealer is
# open), its vehicle (still for sale) or dealer (active); "" is the vehicle-or-dealer rule.
DATA_FIELDS = {
    "POST /api/leads": {"email", "phone", "preferred_slot", "vehicle_id", "dealer_code", ""}
}
# Reached only with a factory's signature, which Schemathesis has not: whatever it sends is
# refused, by the input gate or by the signature check.
SIGNED = {"POST /api/production/events", "POST /api/production/events/{event_id}/photo"}


@schemathesis.check
def valid_requests_are_accepted(ctx, response, case) -> bool | None:
    """Schemathesis' ``positive_data_acceptance``, with the refusals above allowed."""
    meta = case.meta
    status = response.status_code
    if meta is None or not meta.generation.mode.is_positive or status < 400 or status in ANY_CODE:
        return None
    if case.operation.label in SIGNED:
        return None
    error = response.json().get("error", {})
    if error.get("code") in DATA_REFUSALS.get(status, ()):
        return None
    fields = {detail.get("field") for detail in error.get("details") or [{}]}
    if status == 422 and fields <= DATA_FIELDS.get(case.operation.label, set()):
        return None
    raise AssertionError(f"Requête conforme au schéma refusée : {status} {response.text[:300]}")


@pytest.fixture
def app(db, dealer):
    """The WSGI application over data every operation can reach: a model with its published
    rule base (the configurator), a vehicle of it, a lead."""
    car_model = f.CarModelFactory(code="aurore-terra", name="Terra")
    draft = product_data_create(car_model=car_model, data=DEMO_PATH.read_bytes())
    product_data_publish(product_data_id=draft.pk)
    vehicle = f.StockVehicleFactory(dealer=dealer, version__car_model=car_model)
    f.LeadFactory(dealer=dealer, vehicle=vehicle)
    # As Django's test client does: the test's transaction keeps its connection open.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield WSGIHandler()
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture(params=["anonymous", "dealer_staff"])
def visitor(request, db) -> tuple[dict[str, str], dict[str, str]]:
    """(cookies, headers) of the visitor: none, or a session with its CSRF token."""
    if request.param == "anonymous":
        return {}, {}
    client = Client()
    client.force_login(request.getfixturevalue(request.param))
    token = _get_new_csrf_string()
    cookies = {
        django_settings.SESSION_COOKIE_NAME: client.cookies[
            django_settings.SESSION_COOKIE_NAME
        ].value,
        django_settings.CSRF_COOKIE_NAME: token,
    }
    return cookies, {"X-CSRFToken": token}

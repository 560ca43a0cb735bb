"""The application and its visitors as Schemathesis calls them (``test_schemathesis*.py``)."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from autovitrine.testing import factories as f


@pytest.fixture
def app(db, dealer):
    """The WSGI application over data every operation can reach (a vehicle, a lead)."""
    vehicle = f.StockVehicleFactory(dealer=dealer)
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

"""Fixtures shared by every app: real database, immediate tasks, in-memory e-mail, a temp media dir.

Roles used by permission tests: anonymous, customer, staff of another dealer, staff of the dealer,
head office.
"""

from __future__ import annotations

import os

import pytest

from autovitrine.accounts.models import User
from autovitrine.testing import factories as f

IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def dealer(db):
    return f.DealerFactory()


@pytest.fixture
def other_dealer(db):
    return f.DealerFactory(
        name="Aurore Marseille",
        city="Marseille",
        postcode="13008",
        latitude=43.2599,
        longitude=5.3803,
    )


@pytest.fixture
def customer(db):
    return f.UserFactory(email="client@example.fr")


@pytest.fixture
def dealer_staff(dealer):
    return f.DealerStaffFactory(dealer=dealer, user__email="vendeur@example.fr").user


@pytest.fixture
def other_dealer_staff(other_dealer):
    return f.DealerStaffFactory(dealer=other_dealer, user__email="autre@example.fr").user


@pytest.fixture
def head_office(db):
    return f.UserFactory(email="siege@example.fr", kind=User.Kind.HEAD_OFFICE, is_staff=True)


ROLES = ["anonymous", "customer", "other_dealer_staff", "dealer_staff", "head_office"]


@pytest.fixture
def client_as(client, request):
    """``client_as("dealer_staff")`` → a test client signed in with that role (None for anonymous)."""

    def sign_in(role: str):
        if role == "anonymous":
            return client, None
        user = request.getfixturevalue(role)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client, user

    return sign_in

"""The account pages for every role: sign-in and sign-up for visitors, the way home for the others,
and sign-out that works for everyone."""

from __future__ import annotations

import pytest
from django.urls import reverse

from autovitrine.conftest import ROLES

LANDING = {
    "customer": "/",
    "other_dealer_staff": reverse("dealers:dashboard"),
    "dealer_staff": reverse("dealers:dashboard"),
    "head_office": reverse("admin:index"),
}


@pytest.mark.parametrize("page", ["accounts:login", "accounts:signup"])
@pytest.mark.parametrize("role", ROLES)
def test_visitors_get_the_form_and_signed_in_users_their_home(db, client_as, role, page):
    # Given
    client, _ = client_as(role)

    # When
    response = client.get(reverse(page))

    # Then
    if role == "anonymous":
        assert response.status_code == 200
        assert '<form id="' in response.content.decode()
    else:
        assert response.status_code == 302
        assert response["Location"] == LANDING[role]


@pytest.mark.parametrize("role", ROLES)
def test_sign_out_ends_any_session_and_goes_home(db, client_as, role):
    # Given
    client, _ = client_as(role)

    # When
    response = client.post(reverse("accounts:logout"))

    # Then
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in client.session

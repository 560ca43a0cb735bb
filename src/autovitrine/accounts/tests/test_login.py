"""Sign-in by e-mail: where each role lands, safe ``next``, French errors, axes lockout, sign-out."""

from __future__ import annotations

import pytest
from django.urls import reverse

from autovitrine.testing.factories import PASSWORD

LOGIN_URL = reverse("accounts:login")


def signed_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def test_login_page_shows_the_form_the_browser_test_relies_on(client, db):
    # When
    response = client.get(LOGIN_URL)

    # Then
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="login-form"' in html
    assert '<label for="id_username">Adresse e-mail</label>' in html
    assert 'name="username"' in html and 'autocomplete="email"' in html
    assert 'name="password"' in html and 'autocomplete="current-password"' in html


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("customer", "/"),
        ("dealer_staff", reverse("dealers:dashboard")),
        ("head_office", reverse("admin:index")),
    ],
)
def test_each_role_lands_on_its_own_home_after_signing_in(client, request, role, landing):
    # Given
    user = request.getfixturevalue(role)

    # When
    response = client.post(LOGIN_URL, {"username": user.email, "password": PASSWORD})

    # Then
    assert response.status_code == 302
    assert response["Location"] == landing
    assert signed_in_user_id(client) == str(user.pk)


def test_the_email_is_matched_whatever_its_case(client, customer):
    # When
    response = client.post(LOGIN_URL, {"username": "  Client@Example.FR ", "password": PASSWORD})

    # Then
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(customer.pk)


def test_a_local_next_is_followed(client, dealer_staff):
    # When
    response = client.post(
        LOGIN_URL,
        {
            "username": dealer_staff.email,
            "password": PASSWORD,
            "next": "/demandes/concession/?status=new",
        },
    )

    # Then
    assert response["Location"] == "/demandes/concession/?status=new"


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/phish", "//evil.example/", "javascript:alert(1)"]
)
def test_an_outside_next_is_ignored(client, customer, next_url):
    # When
    response = client.post(
        f"{LOGIN_URL}?next={next_url}", {"username": customer.email, "password": PASSWORD}
    )

    # Then
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_next_target_is_kept_in_the_form(client, db):
    # When
    response = client.get(f"{LOGIN_URL}?next=/stock/concession/")

    # Then
    assert (
        '<input type="hidden" name="next" value="/stock/concession/">' in response.content.decode()
    )


def test_a_wrong_password_gets_a_french_message_and_no_session(client, customer):
    # When
    response = client.post(LOGIN_URL, {"username": customer.email, "password": "pas-le-bon"})

    # Then
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect." in response.content.decode()
    assert signed_in_user_id(client) is None


def test_an_empty_form_names_the_missing_fields_in_french(client, db):
    # When
    response = client.post(LOGIN_URL, {"username": "", "password": ""})

    # Then
    html = response.content.decode()
    assert html.count("Ce champ est obligatoire.") == 2
    assert 'aria-describedby="id_username_error"' in html


def test_six_wrong_passwords_lock_the_account_out_with_a_french_429_page(client, customer):
    # Given the allowance of five failures (settings.AXES_FAILURE_LIMIT)
    wrong = {"username": customer.email, "password": "devine-encore"}
    attempts = [client.post(LOGIN_URL, wrong) for _ in range(4)]

    # When the fifth and sixth wrong passwords come
    attempts += [client.post(LOGIN_URL, wrong) for _ in range(2)]

    # Then the first four are ordinary refusals, then the account is locked, in French
    assert [r.status_code for r in attempts] == [200, 200, 200, 200, 429, 429]
    html = attempts[-1].content.decode()
    assert "<title>Connexion bloquée · AutoVitrine</title>" in html
    assert "Trop de tentatives de connexion" in html
    assert "Après 5 mots de passe incorrects" in html
    assert "Réessayez dans 15 minutes." in html


def test_a_locked_account_refuses_even_the_right_password(client, customer):
    # Given
    for _ in range(6):
        client.post(LOGIN_URL, {"username": customer.email, "password": "devine-encore"})

    # When
    response = client.post(LOGIN_URL, {"username": customer.email, "password": PASSWORD})

    # Then
    assert response.status_code == 429
    assert "Trop de tentatives de connexion" in response.content.decode()
    assert signed_in_user_id(client) is None


def test_rotating_ipv6_addresses_of_one_64_does_not_escape_the_lockout(client, customer):
    # Given six wrong passwords, each from a new address of the same /64
    wrong = {"username": customer.email, "password": "devine-encore"}
    for n in range(6):
        client.post(LOGIN_URL, wrong, REMOTE_ADDR=f"2001:db8:9:9::{n + 1:x}")

    # When the right password comes from yet another address of it
    response = client.post(
        LOGIN_URL,
        {"username": customer.email, "password": PASSWORD},
        REMOTE_ADDR="2001:db8:9:9::99",
    )

    # Then
    assert response.status_code == 429
    assert signed_in_user_id(client) is None


def test_the_lockout_is_per_account_so_another_account_still_signs_in(
    client, customer, dealer_staff
):
    # Given
    for _ in range(6):
        client.post(LOGIN_URL, {"username": customer.email, "password": "devine-encore"})

    # When
    response = client.post(LOGIN_URL, {"username": dealer_staff.email, "password": PASSWORD})

    # Then
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(dealer_staff.pk)


def test_logout_refuses_get(client_as):
    # Given
    client, user = client_as("customer")

    # When
    response = client.get(reverse("accounts:logout"))

    # Then
    assert response.status_code == 405
    assert signed_in_user_id(client) == str(user.pk)


def test_logout_by_post_ends_the_session(client_as):
    # Given
    client, _ = client_as("customer")

    # When
    response = client.post(reverse("accounts:logout"))

    # Then
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user_id(client) is None


def test_logout_without_the_csrf_token_is_refused(customer):
    # Given
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(customer, backend="django.contrib.auth.backends.ModelBackend")

    # When
    response = client.post(reverse("accounts:logout"))

    # Then
    assert response.status_code == 403
    assert signed_in_user_id(client) == str(customer.pk)

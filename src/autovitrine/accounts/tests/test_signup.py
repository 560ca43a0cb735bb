"""Customer sign-up: a new account signed in at once; duplicates, weak passwords and bots refused."""

from __future__ import annotations

import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from autovitrine.accounts.models import User
from autovitrine.accounts.services import SIGNUP_ATTEMPTS_PER_HOUR, user_sign_up

SIGNUP_URL = reverse("accounts:signup")
STRONG_PASSWORD = "Rouler-en-Twingo-1993"


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def form_data(**overrides: str) -> dict[str, str]:
    return {
        "email": "nouvelle@example.fr",
        "first_name": "Inès",
        "last_name": "Garnier",
        "password": STRONG_PASSWORD,
        "password_confirm": STRONG_PASSWORD,
        **overrides,
    }


def test_signup_creates_a_customer_and_signs_them_in(client, db):
    # When
    response = client.post(SIGNUP_URL, form_data(email="Nouvelle@Example.FR"))

    # Then
    user = User.objects.get()
    assert (user.email, user.kind, user.first_name) == ("nouvelle@example.fr", "customer", "Inès")
    assert user.check_password(STRONG_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signup_follows_a_local_next(client, db):
    # When
    response = client.post(f"{SIGNUP_URL}?next=/stock/", form_data())

    # Then
    assert response["Location"] == "/stock/"


def test_an_address_already_used_in_another_case_is_refused(client, customer):
    # Given customer is client@example.fr
    before = User.objects.count()

    # When
    response = client.post(SIGNUP_URL, form_data(email="CLIENT@example.fr"))

    # Then
    assert response.status_code == 200
    assert "Un compte existe déjà avec cette adresse e-mail : connectez-vous." in (
        page_text(response)
    )
    assert User.objects.count() == before
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("court1", "Ce mot de passe est trop court. Il doit contenir au minimum 8 caractères."),
        ("password123", "Ce mot de passe est trop courant."),
        ("8675309421", "Ce mot de passe est entièrement numérique."),
    ],
)
def test_weak_passwords_are_refused_in_french(client, db, password, message):
    # When
    response = client.post(SIGNUP_URL, form_data(password=password, password_confirm=password))

    # Then
    html = page_text(response)
    assert message in html
    assert 'aria-describedby="id_password_helptext id_password_error"' in html
    assert User.objects.count() == 0


def test_a_password_too_close_to_the_email_is_refused(client, db):
    # When
    password = "nouvelle@example"
    response = client.post(SIGNUP_URL, form_data(password=password, password_confirm=password))

    # Then
    assert "Le mot de passe est trop semblable au champ «\xa0adresse e-mail\xa0»." in (
        page_text(response)
    )
    assert User.objects.count() == 0


def test_mismatched_passwords_are_refused(client, db):
    # When
    response = client.post(SIGNUP_URL, form_data(password_confirm="Rouler-en-Clio-1990"))

    # Then
    assert "Les deux mots de passe ne correspondent pas." in page_text(response)
    assert User.objects.count() == 0


def test_an_invalid_address_is_refused(client, db):
    # When
    response = client.post(SIGNUP_URL, form_data(email="pas-une-adresse"))

    # Then
    assert "Saisissez une adresse de courriel valide." in page_text(response)
    assert User.objects.count() == 0


def test_a_signed_in_user_is_sent_away_from_signup(client_as):
    # Given
    client, _ = client_as("customer")

    # When
    response = client.get(SIGNUP_URL)

    # Then
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_script_posting_the_form_again_and_again_is_stopped(client, db):
    # Given the hourly allowance spent on refused attempts
    for _ in range(SIGNUP_ATTEMPTS_PER_HOUR):
        client.post(SIGNUP_URL, form_data(password_confirm="autre"))

    # When
    response = client.post(SIGNUP_URL, form_data())

    # Then
    assert response.status_code == 429
    assert "Trop de tentatives d'inscription depuis votre connexion : réessayez dans" in (
        page_text(response)
    )
    assert User.objects.count() == 0


def test_user_sign_up_reports_every_field_at_once(db):
    # Given
    User.objects.create_user("pris@example.fr", STRONG_PASSWORD)

    # When
    with pytest.raises(ValidationError) as caught:
        user_sign_up(email="Pris@Example.fr", password="1234")

    # Then
    errors = caught.value.message_dict
    assert errors["email"] == ["Un compte existe déjà avec cette adresse e-mail : connectez-vous."]
    assert "Ce mot de passe est entièrement numérique." in errors["password"]
    assert User.objects.count() == 1

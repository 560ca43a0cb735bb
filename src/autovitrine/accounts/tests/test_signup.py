"""Customer sign-up: confirmed by an e-mailed link, the same answer whether or not the address has
an account; weak passwords and bots refused. ``user_sign_up`` (demo data) creates at once."""

from __future__ import annotations

import html
import re

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


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST like a browser, running the after-commit work (the e-mails)."""

    def send(url: str, data: dict | None = None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {})

    return send


def _link(message, path_start: str) -> str:
    """The path of the first link in an e-mail that starts with ``path_start``."""
    match = re.search(rf"https?://[^/\s]+({re.escape(path_start)}\S+)", message.body)
    assert match, message.body
    return match.group(1)


def test_signup_creates_an_inactive_customer_until_the_emailed_link_is_followed(
    client, post, db, mailoutbox
):
    # When
    response = post(SIGNUP_URL, form_data(email="Nouvelle@Example.FR"))

    # Then the account waits for its address to be confirmed
    user = User.objects.get()
    assert (user.email, user.kind, user.first_name) == ("nouvelle@example.fr", "customer", "Inès")
    assert user.check_password(STRONG_PASSWORD)
    assert not user.is_active
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:signup_sent")
    assert "_auth_user_id" not in client.session
    [message] = mailoutbox
    assert message.to == ["nouvelle@example.fr"]
    assert message.subject == "Confirmez votre compte AutoVitrine"

    # When the link is followed (GET shows a button; a mail scanner activates nothing)
    link = _link(message, "/compte/activer/")
    assert client.get(link).status_code == 200
    assert not User.objects.get().is_active
    activated = client.post(link)

    # Then
    assert activated.status_code == 302
    assert User.objects.get().is_active
    assert client.session["_auth_user_id"] == str(user.pk)
    # And the link is spent
    client.logout()
    assert client.post(link).status_code == 400


def test_signup_answers_the_same_for_an_address_that_has_an_account(
    client, post, customer, mailoutbox
):
    # Given customer is client@example.fr; a fresh address gets this answer
    fresh = post(SIGNUP_URL, form_data(email="inconnue@example.fr"))
    fresh_page = page_text(client.get(fresh["Location"])).replace("inconnue@example.fr", "@")
    mailoutbox.clear()
    before = User.objects.count()
    password = customer.password

    # When the taken address signs up, in another case
    response = post(SIGNUP_URL, form_data(email="CLIENT@example.fr"))

    # Then the same redirect and the same page, nothing created or changed
    assert (response.status_code, response["Location"]) == (fresh.status_code, fresh["Location"])
    page = page_text(client.get(response["Location"])).replace("client@example.fr", "@")
    assert _without_tokens(page) == _without_tokens(fresh_page)
    assert User.objects.count() == before
    customer.refresh_from_db()
    assert customer.password == password
    assert "_auth_user_id" not in client.session
    # And the owner of the address is told, with a way back in
    [message] = mailoutbox
    assert message.to == ["client@example.fr"]
    assert message.subject == "Vous avez déjà un compte AutoVitrine"
    reset = _link(message, "/compte/reinitialiser/")
    assert "Nouveau mot de passe" in page_text(client.get(reset, follow=True))


def _without_tokens(page: str) -> str:
    return re.sub(r'value="[^"]+"|content="[^"]+"|"X-CSRFToken": "[^"]+"', "", page)


def test_signing_up_again_before_confirming_sends_a_new_link(client, post, db, mailoutbox):
    # Given
    post(SIGNUP_URL, form_data())

    # When
    post(SIGNUP_URL, form_data(first_name="Inès-Marie"))

    # Then
    assert User.objects.get().first_name == "Inès-Marie"
    assert [m.subject for m in mailoutbox] == ["Confirmez votre compte AutoVitrine"] * 2
    post(_link(mailoutbox[-1], "/compte/activer/"))
    assert User.objects.get().is_active


def test_an_inactive_account_cannot_sign_in(client, db):
    # Given
    client.post(SIGNUP_URL, form_data())

    # When
    response = client.post(
        reverse("accounts:login"), {"username": "nouvelle@example.fr", "password": STRONG_PASSWORD}
    )

    # Then
    assert response.status_code == 200
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

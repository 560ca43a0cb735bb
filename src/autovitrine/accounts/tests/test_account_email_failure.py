"""Issue 10: an account e-mail the mail relay refuses does not fail its task; head office sees it
in the admin, and the account's owner is told at the next sign-in (once the password proved who
they are: the sign-in page must not tell a stranger that an address has an account)."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from autovitrine.accounts.models import AccountEmailFailure, User
from autovitrine.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST like a browser, running the after-commit work (the e-mails) at once."""

    def send(url: str, data: dict):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data)

    return send


def test_an_activation_email_the_relay_refuses_is_listed_for_head_office(
    client, post, smtp_down, head_office
):
    # Given: the mail relay is down
    # When: someone signs up
    response = post(
        reverse("accounts:signup"),
        {
            "email": "nouvelle@example.fr",
            "first_name": "Inès",
            "last_name": "Garnier",
            "password": "Rouler-en-Twingo-1993",
            "password_confirm": "Rouler-en-Twingo-1993",
        },
    )

    # Then: the page answers as usual (not a 500), and the failure is recorded on the account
    assert response.status_code == 302
    [failure] = AccountEmailFailure.objects.all()
    assert failure.user == User.objects.get(email="nouvelle@example.fr")
    assert failure.address == "nouvelle@example.fr"
    assert failure.subject == "Confirmez votre compte AutoVitrine"
    assert failure.error

    # And head office finds it in the admin
    client.force_login(head_office)
    page = client.get(reverse("admin:accounts_accountemailfailure_changelist"))
    assert page.status_code == 200
    assert "nouvelle@example.fr" in html.unescape(page.content.decode())


def test_a_refused_password_reset_is_told_to_its_owner_at_the_next_sign_in_once(
    client, post, smtp_down, customer
):
    # Given: the relay refuses the reset e-mail
    response = post(reverse("accounts:password_reset"), {"email": customer.email})
    assert response.status_code == 302
    assert AccountEmailFailure.objects.filter(user=customer).count() == 1

    # When: the customer signs in with the password they remembered after all
    login = {"username": customer.email, "password": PASSWORD}
    page = client.post(reverse("accounts:login"), login, follow=True)

    # Then: the landing page says which e-mail did not reach which address
    text = html.unescape(page.content.decode())
    assert "« Réinitialisation de votre mot de passe AutoVitrine » du " in text
    assert "n'a pas pu vous être envoyé à client@example.fr" in text

    # And only once
    client.post(reverse("accounts:logout"))
    again = client.post(reverse("accounts:login"), login, follow=True)
    assert "n'a pas pu vous être envoyé" not in html.unescape(again.content.decode())


def test_a_reset_for_an_unknown_address_records_nothing_and_answers_the_same(
    client, post, smtp_down
):
    response = post(reverse("accounts:password_reset"), {"email": "personne@example.fr"})
    assert response.status_code == 302
    assert not AccountEmailFailure.objects.exists()

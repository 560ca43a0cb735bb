"""« Mon compte »: the buyer's details (checked in French) pre-fill every form that asks for them;
the account menu; the password changed from the account, or reset from an e-mailed link."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.urls import reverse

from autovitrine.accounts.models import User
from autovitrine.accounts.selectors import BuyerContact, buyer_contact
from autovitrine.accounts.services import user_profile_update
from autovitrine.conftest import ROLES
from autovitrine.testing import factories as f

PROFILE_URL = reverse("accounts:profile")
NEW_PASSWORD = "Rouler-en-Megane-2026"


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def profile_data(**overrides: str) -> dict[str, str]:
    return {
        "first_name": "Léa",
        "last_name": "Fontaine",
        "phone": "+33 6 12 34 56 78",
        "street": "3 rue de la République",
        "postcode": "69002",
        "city": "Lyon",
        "billing_street": "",
        "billing_postcode": "",
        "billing_city": "",
        **overrides,
    }


def test_the_buyer_saves_their_details_normalized(client_as):
    # Given
    client, user = client_as("customer")

    # When
    response = client.post(PROFILE_URL, profile_data())

    # Then
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.first_name, user.phone, user.postcode, user.street, user.city) == (
        "Léa",
        "06 12 34 56 78",
        "69002",
        "3 rue de la République",
        "Lyon",
    )
    assert "Vos coordonnées sont enregistrées." in page_text(client.get(PROFILE_URL))


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"phone": "01 23"}, "phone", "Saisissez un numéro de téléphone français"),
        ({"postcode": "6900"}, "postcode", "Code postal invalide : 5 chiffres (ex. 69007)."),
        ({"first_name": "  "}, "first_name", "Ce champ est obligatoire."),
        ({"billing_street": "1 rue Neuve"}, "billing_street", "Adresse de facturation incomplète"),
    ],
)
def test_wrong_details_are_refused_in_french_and_nothing_saved(
    client_as, overrides, field, message
):
    # Given
    client, user = client_as("customer")

    # When
    response = client.post(PROFILE_URL, profile_data(**overrides))

    # Then
    assert response.status_code == 400
    assert message in page_text(response)
    user.refresh_from_db()
    assert (user.first_name, user.phone, user.postcode) == ("Camille", "", "")


def test_user_profile_update_reports_every_field_at_once(customer):
    with pytest.raises(ValidationError) as caught:
        user_profile_update(user=customer, first_name="", last_name="X", phone="12", postcode="1")
    assert set(caught.value.message_dict) == {"first_name", "phone", "postcode"}


def test_buyer_contact_is_the_accounts_details_or_blanks_for_a_visitor(customer):
    # Given
    user_profile_update(user=customer, **profile_data())

    # When / Then
    assert buyer_contact(customer) == BuyerContact(
        first_name="Léa",
        last_name="Fontaine",
        email="client@example.fr",
        phone="06 12 34 56 78",
        postcode="69002",
        street="3 rue de la République",
        city="Lyon",
    )
    assert buyer_contact(customer).as_initial("name", "postcode") == {
        "name": "Léa Fontaine",
        "postcode": "69002",
    }
    assert buyer_contact(AnonymousUser()) == BuyerContact()


def test_the_checkout_is_prefilled_from_the_account(client_as):
    # Given
    client, user = client_as("customer")
    user_profile_update(user=user, **profile_data())
    car = f.StockVehicleFactory()

    # When
    response = client.get(reverse("orders:checkout_stock", kwargs={"vehicle_id": car.pk}))

    # Then
    page = page_text(response)
    for name, value in {
        "first_name": "Léa",
        "last_name": "Fontaine",
        "email": "client@example.fr",
        "phone": "06 12 34 56 78",
        "street": "3 rue de la République",
        "postcode": "69002",
        "city": "Lyon",
    }.items():
        assert re.search(rf'name="{name}"[^>]*value="{re.escape(value)}"', page), name


def test_the_lead_form_is_prefilled_for_a_signed_in_buyer_only(client, customer):
    # Given
    user_profile_update(user=customer, **profile_data())
    car = f.StockVehicleFactory()
    url = reverse("inventory:vehicle", kwargs={"vehicle_id": car.pk})

    # When
    visitor = page_text(client.get(url))
    client.force_login(customer)
    buyer = page_text(client.get(url))

    # Then
    assert 'value="Léa Fontaine"' not in visitor
    assert re.search(r'name="name"[^>]*value="Léa Fontaine"', buyer)
    assert re.search(r'name="email"[^>]*value="client@example.fr"', buyer)
    assert re.search(r'name="phone"[^>]*value="06 12 34 56 78"', buyer)


@pytest.mark.parametrize("role", ROLES)
def test_the_account_menu_offers_what_each_role_has(db, client_as, role):
    # When
    client, user = client_as(role)
    page = page_text(client.get("/"))

    # Then
    buyer_links = ["Mes commandes", "Mes configurations", "Mes reprises", "Ventes flash"]
    buyer_links += ["Mes demandes"]
    if role == "anonymous":
        assert "Se connecter" in page and "account-menu" not in page
    elif role == "customer":
        menu = page[page.index('class="account-menu"') :]
        for label in [*buyer_links, "Mon compte", "Se déconnecter"]:
            assert label in menu
    else:
        menu = page[page.index('class="account-menu"') :]
        assert "Mon compte" in menu and "Se déconnecter" in menu
        assert "Mes commandes" not in menu


@pytest.mark.parametrize("role", ROLES)
def test_my_account_needs_a_signed_in_user(db, client_as, role):
    client, user = client_as(role)
    response = client.get(PROFILE_URL)
    if user is None:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == 200
        assert user.email in page_text(response)


def test_the_password_is_changed_from_the_account(client_as):
    # Given
    client, user = client_as("customer")

    # When
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": f.PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    # Then still signed in, with the new password
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get(PROFILE_URL).status_code == 200


def test_a_forgotten_password_is_reset_from_the_emailed_link(client, customer, mailoutbox):
    # When
    response = client.post(reverse("accounts:password_reset"), {"email": "Client@Example.fr"})

    # Then
    assert response["Location"] == reverse("accounts:password_reset_done")
    [message] = mailoutbox
    assert message.subject == "Réinitialisation de votre mot de passe AutoVitrine"
    link = re.search(r"(http://testserver|http://[^/\s]+)(/compte/reinitialiser/\S+)", message.body)
    assert link, message.body
    form_page = client.get(link.group(2), follow=True)
    assert "Nouveau mot de passe" in page_text(form_page)
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done["Location"] == reverse("accounts:password_reset_complete")
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    # The link is spent
    again = client.get(link.group(2), follow=True)
    assert "Ce lien n'est pas valable" in page_text(again)


def test_a_reset_for_an_unknown_address_answers_the_same_and_sends_nothing(client, db, mailoutbox):
    response = client.post(reverse("accounts:password_reset"), {"email": "personne@example.fr"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mailoutbox == []
    assert User.objects.count() == 0

"""On a phone, from the home page with links and buttons only: a forgotten password reset from the
e-mail file; a stock car bought online after a refused payment and a retry, then found in « Mes
commandes » through the account menu; a test-drive request answered by the dealer and read in
« Mes demandes ». axe-core checks the pages of the way."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from autovitrine.accounts.services import user_profile_update
from autovitrine.dealers.tests.browser.test_dealer_and_head_office_journeys import axe_violations
from autovitrine.leads.models import Lead
from autovitrine.leads.services import lead_propose_slot, lead_reply
from autovitrine.orders.models import Order
from autovitrine.testing import factories as f
from autovitrine.testing.browser import emails_to, open_account_menu, open_the_car_from_home

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Rouler-en-Megane-2026"


def sign_in_from_home(page, email: str, password: str = f.PASSWORD) -> None:
    page.goto("/")
    page.get_by_role("link", name="Se connecter").click()
    fill_sign_in(page, email, password)


def fill_sign_in(page, email: str, password: str = f.PASSWORD) -> None:
    form = page.locator("#login-form")
    form.locator("[name=username]").fill(email)
    form.locator("[name=password]").fill(password)
    form.locator("[type=submit]").click()
    page.wait_for_load_state()


@pytest.fixture
def buyer():
    user = f.UserFactory(email="lea@example.fr", first_name="Léa", last_name="Fontaine")
    user_profile_update(
        user=user,
        first_name="Léa",
        last_name="Fontaine",
        phone="06 12 34 56 78",
        street="3 rue de la République",
        postcode="69002",
        city="Lyon",
    )
    return user


@pytest.fixture
def car():
    lyon = f.DealerFactory(code="aurore-lyon", name="Aurore Lyon Confluence")
    return f.StockVehicleFactory(dealer=lyon, price_ttc=2_490_000, power_hp=130)


def test_a_forgotten_password_is_reset_from_the_email(new_phone, granian_server, buyer):
    phone = new_phone()
    phone.goto("/")
    phone.get_by_role("link", name="Se connecter").click()
    phone.get_by_role("link", name="Mot de passe oublié ?").click()
    assert axe_violations(phone) == []
    phone.locator("#password-reset-form [name=email]").fill("Lea@Example.fr")
    phone.get_by_role("button", name="Recevoir le lien").click()
    phone.locator("#password-reset-sent").wait_for()
    assert axe_violations(phone) == []

    # The link of the e-mail the server wrote (it points where the site is served).
    [message] = emails_to(granian_server.mail, "lea@example.fr")
    assert message["Subject"] == "Réinitialisation de votre mot de passe AutoVitrine"
    link = re.search(r"(http://\S+/compte/reinitialiser/\S+)", message.get_content()).group(1)
    assert link.startswith(phone.url.split("/compte/")[0])
    phone.goto(link)
    phone.locator("#set-password-form").wait_for()
    assert axe_violations(phone) == []
    phone.locator("[name=new_password1]").fill(NEW_PASSWORD)
    phone.locator("[name=new_password2]").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Enregistrer le mot de passe").click()
    phone.locator("#password-reset-complete").wait_for()

    # Signing in with the new password opens the account menu.
    phone.locator("#contenu").get_by_role("link", name="Se connecter").click()
    fill_sign_in(phone, "lea@example.fr", NEW_PASSWORD)
    open_account_menu(phone, "Mon compte")
    assert phone.locator("#profile-form [name=phone]").input_value() == "06 12 34 56 78"
    assert axe_violations(phone) == []


def test_buy_online_a_refused_payment_a_retry_and_my_orders(new_phone, buyer, car):
    phone = new_phone()
    sign_in_from_home(phone, buyer.email)
    open_the_car_from_home(phone, car)
    assert axe_violations(phone) == []
    phone.get_by_role("link", name="Acheter en ligne").click()

    # The checkout knows the buyer: only the terms are left to accept.
    form = phone.locator("#checkout-form")
    form.locator("[name=street]").wait_for()
    assert form.locator("[name=phone]").input_value() == "06 12 34 56 78"
    assert form.locator("[name=street]").input_value() == "3 rue de la République"
    assert form.locator("[name=postcode]").input_value() == "69002"
    form.locator("[name=accept]").check()
    form.locator("[type=submit]").click()
    phone.wait_for_url("**/commandes/AV-*/")
    number = phone.url.rstrip("/").rsplit("/", 1)[-1]

    # The bank refuses: one message, the car still reserved, a button to try again.
    phone.locator("#pay-deposit").click()
    phone.wait_for_url("**/paiement/simulateur/**")
    phone.locator("#sim-fail").click()
    phone.locator("#payment-refused").wait_for()
    assert phone.locator("[role=alert], .message-error").count() == 1
    assert axe_violations(phone) == []
    car.refresh_from_db()
    assert car.status == "reserved"
    phone.get_by_role("button", name=re.compile("Réessayer le paiement")).click()
    phone.wait_for_url("**/paiement/simulateur/**")
    phone.locator("#sim-pay").click()
    phone.locator("#withdraw").wait_for()

    # « Mes commandes » from the account menu lists the paid order.
    open_account_menu(phone, "Mes commandes")
    assert number in phone.locator("#contenu").inner_text()
    assert axe_violations(phone) == []
    assert Order.objects.get(number=number).status == Order.Status.DEPOSIT_PAID


def test_a_test_drive_request_and_the_dealers_answer_in_my_leads(new_phone, buyer, car):
    phone = new_phone()
    sign_in_from_home(phone, buyer.email)
    open_the_car_from_home(phone, car)

    # The lead form knows the buyer; a test drive with a slot.
    form = phone.locator(".lead-form")
    assert form.locator("[name=name]").input_value() == "Léa Fontaine"
    assert form.locator("[name=email]").input_value() == "lea@example.fr"
    form.locator("[name=kind][value=test_drive]").check()
    slot = timezone.localtime() + dt.timedelta(days=3)
    slot = slot.replace(hour=15, minute=0)
    form.locator("[name=preferred_slot]").fill(slot.strftime("%Y-%m-%dT%H:%M"))
    form.locator("[name=message]").fill("Avec un siège enfant.")
    form.locator("[name=consent]").check()
    form.locator("[type=submit]").click()
    phone.locator("#lead-recap").wait_for()
    assert "15:00" in phone.locator("#recap-slot").inner_text()
    assert axe_violations(phone) == []

    # The dealer answers and proposes another slot.
    lead = Lead.objects.get()
    staff = f.DealerStaffFactory(dealer=car.dealer).user
    lead_reply(lead_id=lead.pk, dealer_id=car.dealer_id, by=staff, text="Avec plaisir, à bientôt.")
    lead_propose_slot(
        lead_id=lead.pk, dealer_id=car.dealer_id, by=staff, slot=slot + dt.timedelta(hours=1)
    )

    # « Mes demandes » shows the request and the answers.
    open_account_menu(phone, "Mes demandes")
    page = phone.locator("#contenu").inner_text()
    assert "Avec plaisir, à bientôt." in page
    assert "Autre créneau proposé" in page and "16:00" in page
    assert axe_violations(phone) == []
    phone.get_by_role("link", name="Voir le créneau proposé et le confirmer").click()
    phone.get_by_role("button", name="Je confirme ce créneau").click()
    phone.locator("#slot-accepted").wait_for()

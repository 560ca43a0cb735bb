"""Two buyers on phones, one car: one holds and pays, the other sees "sold out" without reloading."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from autovitrine.flashsales.models import Purchase, SaleUnit
from autovitrine.testing import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, email: str) -> None:
    page.goto("/compte/connexion/")
    form = page.locator("#login-form")
    form.get_by_label("Adresse e-mail").fill(email)
    form.locator("[name=password]").fill(f.PASSWORD)
    form.locator("[type=submit]").click()
    page.wait_for_load_state()


def test_one_buyer_pays_the_other_is_told_sold_out_live(new_phone, sale_kit):
    kit = sale_kit(units=1, pow_difficulty_bits=6)
    kit.open()
    f.UserFactory(email="alice@example.fr")
    f.UserFactory(email="bruno@example.fr")
    teaser = f"/ventes-flash/{kit.sale.slug}/"
    alice, bruno = new_phone(), new_phone()

    # Alice joins first: the car is free, so she is admitted and holds it
    _sign_in(alice, "alice@example.fr")
    alice.goto(teaser)
    alice.get_by_role("button", name="Rejoindre la file").click()
    alice.get_by_role("button", name="Réserver ma voiture").click()
    alice.wait_for_url("**/ventes-flash/reservation/**")
    expect(alice.get_by_role("heading", name="Votre voiture est réservée")).to_be_visible()
    assert kit.vehicles[0].vin in alice.locator("#hold").inner_text()

    # Bruno joins next: he is first in line, and told every car is held for now
    _sign_in(bruno, "bruno@example.fr")
    bruno.goto(teaser)
    bruno.get_by_role("button", name="Rejoindre la file").click()
    bruno.get_by_text("Votre place dans la file : 1").wait_for()
    expect(bruno.get_by_text("Toutes les voitures sont réservées")).to_be_visible()

    # Alice pays the deposit
    alice.get_by_role("button", name="Payer l'acompte").click()
    alice.get_by_role("button", name="Payer", exact=True).click()
    alice.get_by_role("heading", name="Commande confirmée").wait_for()

    # Bruno's page, never reloaded, now says the sale is sold out
    bruno.get_by_text("Vendu ! Toutes les voitures ont trouvé preneur.").wait_for(timeout=15_000)
    expect(bruno.get_by_role("button", name="Rejoindre la file")).to_be_hidden()
    assert SaleUnit.objects.get().sold_to.email == "alice@example.fr"
    assert Purchase.objects.get().status == Purchase.Status.PAID

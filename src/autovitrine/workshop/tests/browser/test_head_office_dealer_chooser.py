"""On a phone: head office opens the parts counter and the parts search without naming a
dealer, picks one from the list by its link, and reaches its stock and a part's "Réserver"
page; axe-core finds nothing."""

from __future__ import annotations

import pytest

from autovitrine.parts.services import stock_set
from autovitrine.testing import factories as f
from autovitrine.testing.workshop import basic_parts

from .test_service_journey import axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_head_office_picks_a_dealer_for_the_counter_and_the_search(new_phone, head_office):
    dealer = f.DealerFactory(code="aurore-lyon", name="Aurore Lyon Confluence")
    f.DealerFactory(code="aurore-nantes", name="Aurore Nantes")
    version = f.VersionFactory()
    for part in basic_parts(version.car_model_id):
        stock_set(dealer_id=dealer.pk, part_id=part.pk, quantity=4)

    page = new_phone()
    sign_in(page, head_office.email)
    # The counter without a dealer: a list to pick from, not an error
    page.goto("/pieces/concession/reservations/")
    assert page.locator("#dealer-chooser").is_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Aurore Lyon Confluence").click()
    page.wait_for_load_state()
    assert "Aurore Lyon Confluence" in page.locator("h1").inner_text()
    labels = page.get_by_role("link", name="Imprimer les étiquettes (A4)").get_attribute("href")
    assert page.request.get(labels).body().startswith(b"%PDF")

    # The search for a car: choose the dealer, then its stock and a part's page show
    page.goto(f"/pieces/?modele={version.car_model_id}&annee=2021")
    assert page.locator("#choose-dealer-hint").is_visible()
    page.get_by_label("Concession (stock et réservation)").select_option("aurore-lyon")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_load_state()
    assert "4 en stock" in page.locator("#part-results").inner_text()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("link", name="PL-3001 — Jeu de plaquettes avant").click()
    page.wait_for_load_state()
    assert "Aurore Lyon Confluence" in page.content()

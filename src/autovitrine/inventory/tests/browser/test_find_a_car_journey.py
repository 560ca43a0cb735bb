"""A buyer on a phone finds a car from the home page: a misspelt town, the suggestion picked,
a filter behind « Filtres », a sort, a car opened — links, buttons and form controls only; axe-core
finds no violation on the pages of the way."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from autovitrine.conftest import PHONE
from autovitrine.testing import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.PROJECT_DIR) / "node_modules/axe-core/axe.min.js"


@pytest.fixture
def phone(chromium, live_server):
    # The audit script is injected as page content: allowed past the site's own script policy.
    context = chromium.new_context(
        **PHONE, locale="fr-FR", base_url=live_server.url, bypass_csp=True
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def axe_violations(page) -> list[str]:
    page.evaluate(AXE.read_text())  # devtools evaluation: not an inline script under the CSP
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in violations]


@pytest.fixture
def stock():
    petrol = f.VersionFactory(car_model__name="Terra", car_model__code="terra", energy="petrol")
    electric = f.VersionFactory(car_model=petrol.car_model, energy="electric")
    villeurbanne = f.DealerFactory(
        name="Aurore Villeurbanne",
        city="Villeurbanne",
        postcode="69100",
        latitude=45.7719,
        longitude=4.8902,
    )
    marseille = f.DealerFactory(
        name="Aurore Marseille", city="Marseille", postcode="13008", latitude=43.26, longitude=5.38
    )
    cheap_far = f.StockVehicleFactory(dealer=marseille, version=petrol, price_ttc=1_890_000)
    near_dear = f.StockVehicleFactory(dealer=villeurbanne, version=petrol, price_ttc=2_790_000)
    near_cheap = f.StockVehicleFactory(dealer=villeurbanne, version=petrol, price_ttc=2_290_000)
    f.StockVehicleFactory(dealer=villeurbanne, version=electric, price_ttc=2_090_000)
    return cheap_far, near_dear, near_cheap


def test_a_misspelt_town_a_filter_and_a_sort_lead_to_the_car(phone, stock):
    cheap_far, near_dear, near_cheap = stock

    # From the home page, a misspelt town: the right commune is suggested and picked.
    phone.goto("/")
    assert axe_violations(phone) == []
    place = phone.locator("#near-me-search [name=place]")
    place.press_sequentially("Villeurbane", delay=30)
    suggestion = phone.get_by_role("button", name="Villeurbanne (69100)")
    suggestion.wait_for()
    assert axe_violations(phone) == []
    suggestion.click()
    phone.wait_for_url("**/stock/?**")
    assert "4 véhicules disponibles autour de Villeurbanne (69100)" in phone.inner_text(
        "#result-count"
    )

    # The filters wait behind « Filtres »; one set, its count shows on the button.
    phone.get_by_text("Filtres", exact=False).first.click()
    phone.get_by_label("Énergie").select_option("petrol")
    phone.locator("#filter-count .badge", has_text="1").wait_for()
    phone.locator("#result-count", has_text="3 véhicules").wait_for()

    # Sorted by price, the Marseille car comes first; by distance, the nearest ones.
    phone.get_by_label("Trier par").select_option("price")
    first_card = phone.locator("article.vehicle-card").first
    first_card.locator(".dealer", has_text="Aurore Marseille").wait_for()
    phone.get_by_label("Trier par").select_option("distance")
    first_card.locator(".dealer", has_text="Aurore Villeurbanne").wait_for()
    assert first_card.locator(".price").inner_text().startswith("22")
    assert axe_violations(phone) == []

    # The car opens.
    first_card.locator("a").click()
    phone.wait_for_url(f"**/stock/vehicule/{near_cheap.pk}/**")


def test_autour_de_moi_refused_by_the_phone_says_so(phone, stock):
    phone.goto("/stock/")
    phone.get_by_role("button", name="Autour de moi").click()

    status = phone.locator("[data-locate-status]")
    status.filter(has_text="refusé").wait_for()
    assert status.inner_text() == (
        "Votre téléphone a refusé de donner votre position : indiquez une ville ou un code postal."
    )
    assert phone.evaluate("document.activeElement.name") == "place"
    assert axe_violations(phone) == []


def test_the_dealer_locator_suggests_places_too(phone, stock):
    phone.goto("/")
    phone.get_by_role("link", name="Trouver une concession").click()
    phone.locator("#dealer-search [name=place]").press_sequentially("9740", delay=30)
    phone.get_by_role("button", name="Saint-Denis (97400)").click()
    phone.wait_for_url("**/concessions/?**")
    assert "Saint-Denis (97400)" in phone.inner_text("main")
    assert axe_violations(phone) == []

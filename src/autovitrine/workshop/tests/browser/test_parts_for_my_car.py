"""On a phone: from a car in the garage, the owner opens the parts and accessories that fit it
at the dealer that sold it (an incompatible part is not listed), then a part's page with
"Réserver"; axe-core finds nothing."""

from __future__ import annotations

import pytest

from autovitrine.parts.models import Compatibility, Part
from autovitrine.parts.services import stock_set
from autovitrine.testing import factories as f
from autovitrine.testing.workshop import basic_parts
from autovitrine.workshop.services import garage_add_car

from .test_service_journey import axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_owner_finds_the_parts_that_fit_the_car(new_phone):
    # Given a car sold by a dealer, parts that fit it and one that does not
    dealer = f.DealerFactory(code="aurore-lyon", name="Aurore Lyon Confluence")
    version = f.VersionFactory()
    for part in basic_parts(version.car_model_id):
        stock_set(dealer_id=dealer.pk, part_id=part.pk, quantity=4)
    other = Part.objects.create(
        reference="PL-9999", name="Plaquettes d'un autre modèle", kind="plaquettes-av", price_ht=1
    )
    Compatibility.objects.create(
        part=other, car_model=f.VersionFactory().car_model, year_from=2015, year_to=2030
    )
    owner = f.UserFactory(email="lea@example.fr")
    car = garage_add_car(owner_id=owner.pk, plate="fg-456-hj", version_id=version.pk, year=2021)
    car.selling_dealer = dealer
    car.save()

    # When the owner follows the car's parts link on a phone
    page = new_phone()
    sign_in(page, owner.email)
    page.goto(f"/atelier/vehicule/{car.pk}/")
    page.locator("#parts-for-car").click()
    page.wait_for_load_state()

    # Then only the parts that fit are listed, with the dealer's stock
    results = page.locator("#part-results").inner_text()
    assert "PL-3001" in results and "AC-TAPIS" in results and "4 en stock" in results
    assert "PL-9999" not in results
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("link", name="PL-3001 — Jeu de plaquettes avant").click()
    page.wait_for_load_state()
    assert page.locator("#reserve").is_visible()
    assert axe_violations(page) == []

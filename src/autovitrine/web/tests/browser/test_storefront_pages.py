"""On a phone: « Autour de moi » finds the nearest dealer and searches stock from the home page;
every storefront page fits the phone's width."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from autovitrine.testing import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IN_MARSEILLE = {"latitude": 43.30, "longitude": 5.40}


@pytest.fixture
def network():
    f.VersionFactory(car_model__code="terra", car_model__name="Terra")
    f.DealerFactory(code="aurore-lyon", name="Aurore Lyon Confluence")
    f.DealerFactory(
        code="aurore-marseille",
        name="Aurore Marseille Prado",
        city="Marseille",
        postcode="13008",
        latitude=43.2599,
        longitude=5.3803,
    )


def phone_in_marseille(new_phone):
    page = new_phone()
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation(IN_MARSEILLE)
    return page


def test_around_me_lists_the_nearest_dealer_first_and_opens_its_page(new_phone, network):
    # Given
    page = phone_in_marseille(new_phone)
    page.goto("/concessions/")

    # When
    page.get_by_role("button", name="Autour de moi").click()
    page.wait_for_url("**/concessions/?lat=*")

    # Then
    assert page.locator("#dealers-title").inner_text() == (
        "Les 2 concessions les plus proches de votre position"
    )
    first = page.locator(".dealer-card").first
    assert "Aurore Marseille Prado" in first.inner_text()
    assert "à 4,7 km" in first.inner_text()
    first.get_by_role("link", name="Aurore Marseille Prado", exact=True).click()
    page.wait_for_url("**/concessions/aurore-marseille/")
    assert page.locator("h1").inner_text() == "Aurore Marseille Prado"


def test_around_me_on_the_home_page_searches_the_stock_near_the_phone(new_phone, network):
    # Given
    page = phone_in_marseille(new_phone)
    page.goto("/")

    # When
    page.get_by_role("button", name="Autour de moi").click()
    page.wait_for_url("**/stock/?*")

    # Then the stock search receives the position and no empty place
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"lat": ["43.30000"], "lng": ["5.40000"]}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/catalogue/",
        "/catalogue/terra/",
        "/concessions/?place=Lyon",
        "/concessions/?place=Zzzqxw",
        "/concessions/aurore-lyon/",
    ],
)
def test_each_page_fits_a_phone_without_sideways_scrolling(new_phone, network, path):
    # Given
    page = new_phone()

    # When
    response = page.goto(path)

    # Then
    assert response.status == 200
    assert page.evaluate("document.documentElement.scrollWidth") == 390

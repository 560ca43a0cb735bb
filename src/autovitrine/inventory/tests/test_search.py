"""The public stock search: near a place, every filter, sorts, pages, bad input, htmx, queries."""

from __future__ import annotations

from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from autovitrine.catalog.models import Energy
from autovitrine.inventory.models import StockVehicle, VehiclePhoto
from autovitrine.testing import factories as f
from autovitrine.web.tests.page_text import visible_text

SEARCH_URL = reverse("inventory:search")


def page_text(response) -> str:
    """The page as a reader sees its text (entities such as ``&#x27;`` decoded)."""
    return unescape(response.content.decode())


def listed_ids(response) -> list[int]:
    return [card.vehicle.pk for card in response.context["cards"]]


@pytest.fixture
def lyon_and_marseille_cars(dealer, other_dealer):
    """A pricey car in Lyon and a cheaper one in Marseille, same model."""
    version = f.VersionFactory(car_model__code="terra", car_model__name="Terra")
    lyon_car = f.StockVehicleFactory(dealer=dealer, version=version, price_ttc=2_990_000)
    marseille_car = f.StockVehicleFactory(dealer=other_dealer, version=version, price_ttc=2_190_000)
    return lyon_car, marseille_car


def test_near_lyon_by_distance_the_lyon_dealers_car_comes_first(client, lyon_and_marseille_cars):
    # Given
    lyon_car, marseille_car = lyon_and_marseille_cars

    # When
    response = client.get(SEARCH_URL, {"place": "Lyon", "sort": "distance"})

    # Then
    assert response.status_code == 200
    assert listed_ids(response) == [lyon_car.pk, marseille_car.pk]
    html = response.content.decode()
    assert "2 véhicules disponibles autour de Lyon (69001)" in html
    assert f"{lyon_car.dealer.name} · à 2 km" in html
    assert "Aurore Marseille · à 282 km" in html


def test_a_postcode_is_a_place_too_and_distance_is_the_default_sort(
    client, lyon_and_marseille_cars
):
    # Given
    lyon_car, marseille_car = lyon_and_marseille_cars

    # When
    response = client.get(SEARCH_URL, {"place": "13008"})

    # Then
    assert listed_ids(response) == [marseille_car.pk, lyon_car.pk]
    assert response.context["results"].sort == "distance"


def test_the_browsers_position_is_an_origin(client, lyon_and_marseille_cars):
    # Given: a phone standing in Marseille
    lyon_car, marseille_car = lyon_and_marseille_cars

    # When
    response = client.get(SEARCH_URL, {"lat": "43.30", "lng": "5.37"})

    # Then
    assert listed_ids(response) == [marseille_car.pk, lyon_car.pk]
    assert "autour de votre position" in response.content.decode()


def test_a_card_shows_photo_model_version_price_mileage_year_energy_and_link(client, dealer):
    # Given
    car = f.StockVehicleFactory(
        dealer=dealer,
        model_label="Terra",
        version_label="Techno 1.2 TCe 130",
        price_ttc=2_499_000,
        mileage_km=12_500,
        year=2024,
        energy=Energy.HYBRID,
        condition=StockVehicle.Condition.USED,
    )
    photo = VehiclePhoto.objects.create(vehicle=car, image=f.png_upload(), position=0)

    # When
    html = client.get(SEARCH_URL).content.decode()

    # Then
    card = html[html.index('<article class="vehicle-card card">') : html.index("</article>")]
    assert f'href="/stock/vehicule/{car.pk}/"' in card
    assert f'src="{photo.image.url}" alt="Aurore Terra Techno 1.2 TCe 130"' in card
    assert "<h2>Aurore Terra</h2>" in card
    assert "Techno 1.2 TCe 130" in card
    assert "24\u202f990\u00a0€ <small>TTC</small>" in card
    assert "2024 · 12\u00a0500 km · Hybride" in card
    assert "Occasion" in card
    assert dealer.name in card


def test_a_card_names_its_drawing_with_the_title_escaped_once(client, dealer):
    # Given a car without photo whose title holds an apostrophe and a sign to escape
    car = f.StockVehicleFactory(dealer=dealer, model_label="Terra d'Or <R&D>")

    # When
    html = client.get(SEARCH_URL).content.decode()

    # Then the drawing's name reads as the title (escaped once, as every attribute)
    assert f"{car.make} Terra d&#x27;Or &lt;R&amp;D&gt;, dessin (photo à venir)" in html
    assert "&amp;#x27;" not in html and "&amp;lt;" not in html


def test_a_card_without_photo_shows_the_drawing_of_its_model_in_its_colour(client, dealer):
    # Given
    car = f.StockVehicleFactory(dealer=dealer)

    # When
    html = client.get(SEARCH_URL).content.decode()

    # Then: the car's drawing, named by the element, no caption inside
    assert 'class="car-picture"' in html
    assert f'aria-label="{car.title}, dessin (photo à venir)"' in html
    if car.colour is not None:
        assert f'fill="{car.colour.hex_value}" class="car-body"' in html
    assert "<text" not in html


def test_sold_and_reserved_cars_are_not_listed(client, dealer):
    # Given
    available = f.StockVehicleFactory(dealer=dealer)
    f.StockVehicleFactory(dealer=dealer, status=StockVehicle.Status.SOLD)
    f.StockVehicleFactory(dealer=dealer, status=StockVehicle.Status.RESERVED)

    # When
    response = client.get(SEARCH_URL)

    # Then
    assert listed_ids(response) == [available.pk]


def _model_case(dealer, other_dealer):
    wanted = f.StockVehicleFactory(dealer=dealer, version__car_model__code="terra")
    f.StockVehicleFactory(dealer=dealer, version__car_model__code="urbana")
    return {"model": "terra"}, wanted


def _energy_case(dealer, other_dealer):
    wanted = f.StockVehicleFactory(dealer=dealer, energy=Energy.ELECTRIC)
    f.StockVehicleFactory(dealer=dealer, energy=Energy.DIESEL)
    return {"energy": "electric"}, wanted


def _condition_case(dealer, other_dealer):
    wanted = f.StockVehicleFactory(dealer=dealer, condition=StockVehicle.Condition.USED)
    f.StockVehicleFactory(dealer=dealer, condition=StockVehicle.Condition.NEW)
    return {"condition": "used"}, wanted


def _max_price_case(dealer, other_dealer):
    wanted = f.StockVehicleFactory(dealer=dealer, price_ttc=2_500_000)
    f.StockVehicleFactory(dealer=dealer, price_ttc=2_500_001)
    return {"max_price": "25 000"}, wanted


def _max_price_with_cents_case(dealer, other_dealer):
    wanted = f.StockVehicleFactory(dealer=dealer, price_ttc=1_999_950)
    f.StockVehicleFactory(dealer=dealer, price_ttc=1_999_951)
    return {"max_price": "19\u202f999,50 €"}, wanted


def _max_mileage_case(dealer, other_dealer):
    wanted = f.StockVehicleFactory(dealer=dealer, mileage_km=50_000)
    f.StockVehicleFactory(dealer=dealer, mileage_km=50_001)
    return {"max_mileage": "50000"}, wanted


def _min_year_case(dealer, other_dealer):
    wanted = f.StockVehicleFactory(dealer=dealer, year=2021)
    f.StockVehicleFactory(dealer=dealer, year=2020)
    return {"min_year": "2021"}, wanted


def _max_distance_case(dealer, other_dealer):
    wanted = f.StockVehicleFactory(dealer=dealer)
    f.StockVehicleFactory(dealer=other_dealer)
    return {"place": "Lyon", "max_distance": "100"}, wanted


def _dealer_case(dealer, other_dealer):
    wanted = f.StockVehicleFactory(dealer=other_dealer)
    f.StockVehicleFactory(dealer=dealer)
    return {"dealer": other_dealer.code}, wanted


@pytest.mark.parametrize(
    "case",
    [
        _model_case,
        _energy_case,
        _condition_case,
        _max_price_case,
        _max_price_with_cents_case,
        _max_mileage_case,
        _min_year_case,
        _max_distance_case,
        _dealer_case,
    ],
)
def test_each_filter_keeps_only_the_matching_car(client, dealer, other_dealer, case):
    # Given
    params, wanted = case(dealer, other_dealer)

    # When
    response = client.get(SEARCH_URL, params)

    # Then
    assert response.status_code == 200
    assert listed_ids(response) == [wanted.pk]
    assert "1 véhicule disponible" in response.content.decode()


def test_a_dealers_stock_says_so_and_links_to_the_whole_stock(client, dealer, other_dealer):
    # Given
    f.StockVehicleFactory(dealer=dealer)

    # When
    html = page_text(client.get(SEARCH_URL, {"dealer": dealer.code, "sort": "price"}))

    # Then
    assert f"Stock de {dealer.name} uniquement." in html
    assert '<a href="?sort=price">Voir tout le stock</a>' in html


def test_sort_by_price_is_cheapest_first_even_near_a_place(client, dealer, other_dealer):
    # Given
    middle = f.StockVehicleFactory(dealer=dealer, price_ttc=2_000_000)
    cheapest = f.StockVehicleFactory(dealer=other_dealer, price_ttc=1_500_000)
    dearest = f.StockVehicleFactory(dealer=dealer, price_ttc=3_000_000)

    # When
    without_place = client.get(SEARCH_URL, {"sort": "price"})
    near_lyon = client.get(SEARCH_URL, {"sort": "price", "place": "Lyon"})

    # Then
    assert listed_ids(without_place) == [cheapest.pk, middle.pk, dearest.pk]
    assert listed_ids(near_lyon) == [cheapest.pk, middle.pk, dearest.pk]


def test_sort_by_newest_is_most_recent_year_first(client, dealer):
    # Given
    older = f.StockVehicleFactory(dealer=dealer, year=2019)
    newest = f.StockVehicleFactory(dealer=dealer, year=2026)
    middle = f.StockVehicleFactory(dealer=dealer, year=2023)

    # When
    response = client.get(SEARCH_URL, {"sort": "newest"})

    # Then
    assert listed_ids(response) == [newest.pk, middle.pk, older.pk]


def test_sort_by_distance_without_a_place_says_so_and_shows_newest(client, dealer):
    # Given
    older = f.StockVehicleFactory(dealer=dealer, year=2019)
    newest = f.StockVehicleFactory(dealer=dealer, year=2026)

    # When
    response = client.get(SEARCH_URL, {"sort": "distance"})

    # Then
    assert listed_ids(response) == [newest.pk, older.pk]
    assert "Indiquez une ville ou un code postal pour trier par distance." in (page_text(response))


def test_pages_split_the_results_and_link_to_each_other(client, dealer):
    # Given: 25 cars, prices 10 000 € to 34 000 €
    cars = [f.StockVehicleFactory(dealer=dealer, price_ttc=(10 + i) * 100_000) for i in range(25)]

    # When
    first = client.get(SEARCH_URL, {"sort": "price", "per_page": "10"})
    last = client.get(SEARCH_URL, {"sort": "price", "per_page": "10", "page": "3"})

    # Then
    assert listed_ids(first) == [car.pk for car in cars[:10]]
    assert listed_ids(last) == [car.pk for car in cars[20:]]
    first_html, last_html = first.content.decode(), last.content.decode()
    assert "25 véhicules disponibles" in first_html
    assert "Page 1 sur 3" in first_html
    assert 'href="?sort=price&amp;per_page=10&amp;page=2"' in first_html
    assert 'rel="prev"' not in first_html
    assert "Page 3 sur 3" in last_html
    assert 'href="?sort=price&amp;per_page=10&amp;page=2"' in last_html
    assert 'rel="next"' not in last_html


def test_no_match_says_how_to_widen_the_search(client, dealer):
    # Given
    f.StockVehicleFactory(dealer=dealer, price_ttc=3_000_000)

    # When
    response = client.get(SEARCH_URL, {"max_price": "10000"})

    # Then
    html = page_text(response)
    assert "Aucun véhicule disponible" in html
    assert "Aucun véhicule ne correspond à ces critères." in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"place": "Zzzqxw"},
            "Nous ne trouvons pas « Zzzqxw » : indiquez une ville ou un code postal français.",
        ),
        ({"max_price": "vingt mille"}, "Indiquez un prix en euros, par ex. 25 000."),
        ({"max_price": "25k"}, "Indiquez un prix en euros, par ex. 25 000."),
        ({"max_price": "-5000"}, "Le prix ne peut pas être négatif."),
        ({"max_price": "99999999999"}, "Le prix doit être au plus de 10\u202f000\u202f000\u00a0€."),
        ({"max_mileage": "-1"}, "Le kilométrage ne peut pas être négatif."),
        ({"max_mileage": "beaucoup"}, "Indiquez un kilométrage en chiffres, par ex. 50000."),
        ({"min_year": "1800"}, "Indiquez une année entre 1950 et"),
        ({"min_year": "99999999999999999999"}, "Indiquez une année entre 1950 et"),
        ({"min_year": "deux mille"}, "Indiquez une année sur 4 chiffres, par ex. 2020."),
        (
            {"lat": "abc", "lng": "4.8"},
            "Votre position n'a pas pu être lue : indiquez une ville ou un code postal.",
        ),
        (
            {"lat": "200", "lng": "4.8"},
            "Votre position n'a pas pu être lue : indiquez une ville ou un code postal.",
        ),
        (
            {"lat": "nan", "lng": "4.8"},
            "Votre position n'a pas pu être lue : indiquez une ville ou un code postal.",
        ),
        (
            {"lat": "45.7"},
            "Votre position n'a pas pu être lue : indiquez une ville ou un code postal.",
        ),
        (
            {"max_distance": "50"},
            "Indiquez une ville ou un code postal pour limiter la distance.",
        ),
        ({"max_distance": "37"}, "Choisissez une distance dans la liste."),
        ({"model": "inconnu"}, "Ce modèle n'existe pas dans notre gamme."),
        ({"energy": "vapeur"}, "Cette énergie n'existe pas."),
        ({"condition": "epave"}, "Choisissez neuf ou occasion."),
        ({"sort": "hasard"}, "Choisissez un tri dans la liste."),
        ({"per_page": "100000"}, "Choisissez un nombre de résultats dans la liste."),
        ({"dealer": "<script>"}, "Cette concession n'existe pas."),
    ],
)
def test_bad_input_gets_a_french_message_and_no_results(client, dealer, params, message):
    # Given
    f.StockVehicleFactory(dealer=dealer)

    # When
    response = client.get(SEARCH_URL, params)

    # Then
    assert response.status_code == 200
    html = page_text(response)
    assert "Votre recherche n'a pas pu être lancée" in html
    assert message in html
    assert response.context["cards"] == []
    assert 'class="vehicle-card' not in html


def test_a_field_error_is_tied_to_its_input(client, db):
    # When
    html = client.get(SEARCH_URL, {"max_price": "abc"}).content.decode()

    # Then
    assert 'aria-invalid="true" aria-describedby="id_max_price_error"' in html
    assert '<ul class="errorlist" id="id_max_price_error">' in html


@pytest.mark.parametrize("page", ["1000000000", "9" * 5000])
def test_a_page_past_the_end_shows_the_last_page_with_a_message(client, dealer, page):
    # Given: two pages of 10
    cars = [f.StockVehicleFactory(dealer=dealer, price_ttc=(10 + i) * 100_000) for i in range(12)]

    # When
    response = client.get(SEARCH_URL, {"sort": "price", "per_page": "10", "page": page})

    # Then
    assert response.status_code == 200
    html = page_text(response)
    if len(page) > 10:  # too long to be a number at all: back to the first page
        assert listed_ids(response) == [car.pk for car in cars[:10]]
        assert "Ce numéro de page n'est pas valable : voici la première page." in html
    else:
        assert listed_ids(response) == [cars[10].pk, cars[11].pk]
        assert "Cette page n'existe pas : voici la dernière page (2)." in html


@pytest.mark.parametrize("page", ["0", "-3", "deux", "1.5"])
def test_a_page_that_is_not_a_positive_number_shows_the_first_page(client, dealer, page):
    # Given
    car = f.StockVehicleFactory(dealer=dealer)

    # When
    response = client.get(SEARCH_URL, {"page": page})

    # Then
    assert response.status_code == 200
    assert listed_ids(response) == [car.pk]
    assert "Ce numéro de page n'est pas valable : voici la première page." in (page_text(response))


def test_the_page_works_without_javascript(client, dealer):
    # Given
    f.StockVehicleFactory(dealer=dealer)

    # When
    html = client.get(SEARCH_URL).content.decode()

    # Then: a plain GET form with a place field and a submit button, results in the page
    assert '<form id="stock-search" class="filters" method="get" action="/stock/"' in html
    assert 'name="place"' in html
    assert '<button type="submit" class="primary">Rechercher</button>' in html
    assert '<article class="vehicle-card card">' in html


def test_an_htmx_request_gets_only_the_results_fragment(client, dealer):
    # Given
    car = f.StockVehicleFactory(dealer=dealer)

    # When
    response = client.get(SEARCH_URL, {"place": "Lyon"}, headers={"HX-Request": "true"})

    # Then
    html = response.content.decode()
    assert listed_ids(response) == [car.pk]
    assert "<html" not in html
    assert 'id="stock-search"' not in html
    assert '<article class="vehicle-card card">' in html
    assert "HX-Request" in response["Vary"]


def test_an_htmx_search_with_an_error_links_the_message_to_its_field(client, db):
    # When
    response = client.get(SEARCH_URL, {"max_price": "abc"}, headers={"HX-Request": "true"})

    # Then
    assert (
        '<li><a href="#id_max_price">Prix maximum (€) : Indiquez un prix en euros, par ex. 25 000.'
        "</a></li>"
    ) in page_text(response)


def test_the_form_refreshes_results_with_htmx_and_pushes_the_url(client, db):
    # When
    html = client.get(SEARCH_URL).content.decode()

    # Then
    assert 'hx-get="/stock/" hx-target="#stock-results" hx-push-url="true"' in html
    assert 'hx-trigger="change, submit" hx-sync="this:replace"' in html


@pytest.mark.parametrize(
    ("place", "expected_queries"),
    # one statement: the page's ids (stock table alone), then those cars (first photo included);
    # the model list, the count and the dealers' positions come from the cache once the first
    # search read them
    [(None, 1), ("Lyon", 1)],
)
def test_the_number_of_queries_does_not_grow_with_the_page_size(
    client, dealer, other_dealer, place, expected_queries
):
    # Given: 40 cars over two dealers, each with a photo
    for i in range(40):
        car = f.StockVehicleFactory(dealer=dealer if i % 2 else other_dealer)
        VehiclePhoto.objects.create(vehicle=car, image=f.png_upload(), position=0)
    params = {"place": place} if place else {}
    client.get(SEARCH_URL, {**params, "per_page": "10"})  # warm the session and places caches

    # When
    with CaptureQueriesContext(connection) as small:
        small_page = client.get(SEARCH_URL, {**params, "per_page": "10"})
    with CaptureQueriesContext(connection) as large:
        large_page = client.get(SEARCH_URL, {**params, "per_page": "40"})

    # Then
    assert len(listed_ids(small_page)) == 10
    assert len(listed_ids(large_page)) == 40
    assert len(small) == len(large) == expected_queries


def test_the_filters_button_counts_the_filters_set_and_htmx_refreshes_it(client, dealer):
    # Given
    f.StockVehicleFactory(dealer=dealer, price_ttc=2_000_000)
    params = {"place": "Lyon", "energy": "petrol", "max_price": "30 000", "sort": "price"}

    # When
    page = client.get(SEARCH_URL, params)
    fragment = client.get(SEARCH_URL, params, headers={"HX-Request": "true"})
    none_set = client.get(SEARCH_URL, {"place": "Lyon"})

    # Then: place and sort are no filters; the count travels out of band with the results
    assert "Filtres 2 (2 filtres actifs)" in visible_text(page)
    html = fragment.content.decode()
    assert '<span id="filter-count" class="filter-count" hx-swap-oob="true">' in html
    assert "(2 filtres actifs)" in visible_text(fragment)
    assert "filtre actif" not in visible_text(none_set)
    assert '<details class="filters-panel">' in none_set.content.decode()

"""The home page: a search near me into the stock, the model range, the way to the dealers."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from autovitrine.catalog.models import ModelImage
from autovitrine.testing import factories as f

from .page_text import between, visible_text

HOME_URL = reverse("web:home")


def test_the_hero_searches_the_stock_near_a_place_or_my_position(client, db):
    # When
    response = client.get(HOME_URL)

    # Then
    assert response.status_code == 200
    html = response.content.decode()
    form = between(html, 'id="near-me-search"', "</form>")
    assert 'method="get" action="/stock/"' in form
    assert re.search(r'<label for="id_place">Ville ou code postal</label>', form)
    # The place field of every search near a place: suggestions while typing.
    assert re.search(r'<input type="text" name="place" [^>]*hx-get="/lieux/suggestions/"', form)
    assert '<input type="hidden" name="lat" disabled>' in form
    assert '<input type="hidden" name="lng" disabled>' in form
    assert ">Autour de moi</button>" in form
    assert '<script src="/static/web/place-search.js" defer></script>' in html
    assert 'href="/concessions/">Trouver une concession</a>' in html


def test_the_range_shows_published_models_from_their_lowest_price(client, db):
    # Given
    terra = f.CarModelFactory(code="terra", name="Terra", tagline="Le SUV compact qui va partout")
    f.VersionFactory(car_model=terra, base_price_ht=2_075_000)
    f.VersionFactory(car_model=terra, base_price_ht=2_500_000)
    f.CarModelFactory(code="nova", name="Nova")  # no version announced yet
    f.CarModelFactory(code="concept", name="Concept", is_published=False)

    # When
    response = client.get(HOME_URL)

    # Then
    html = response.content.decode()
    range_text = visible_text(between(html, 'id="range-title"', "</section>"))
    assert range_text == (
        "Notre gamme "
        "Nova Aurore · Compacte Versions et prix bientôt annoncés "
        "Terra Aurore · Compacte Le SUV compact qui va partout "
        "à partir de 24\u202f900\u00a0€ TTC soit 20\u202f750\u00a0€ HT "
        "Comparer toutes les versions, leurs prix et leurs étiquettes environnementales"
    )
    assert 'href="/catalogue/terra/"' in html
    assert 'href="/catalogue/nova/"' in html
    assert "Concept" not in html


def test_the_home_page_runs_the_same_queries_for_2_or_20_models(client, db):
    # Given
    def add_models(count: int) -> None:
        for _ in range(count):
            car_model = f.CarModelFactory.create()
            f.VersionFactory(car_model=car_model)
            ModelImage.objects.create(car_model=car_model, image="catalog/gallery/x.jpg", alt="")

    add_models(2)
    with CaptureQueriesContext(connection) as small:
        client.get(HOME_URL)
    add_models(18)

    # When
    with CaptureQueriesContext(connection) as large:
        response = client.get(HOME_URL)

    # Then
    assert response.content.decode().count('class="card model-card"') == 20
    assert len(large) == len(small)

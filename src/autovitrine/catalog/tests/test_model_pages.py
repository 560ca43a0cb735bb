"""The public range and model pages: versions with prices HT/TTC, labels, 404s, constant queries."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from autovitrine.catalog.models import ModelImage
from autovitrine.testing import factories as f
from autovitrine.web.tests.page_text import between, visible_text

from .conftest import MALUS_SOURCE

LIST_URL = reverse("catalog:model_list")


def detail_url(code: str) -> str:
    return reverse("catalog:model_detail", kwargs={"code": code})


def test_the_range_shows_each_version_with_prices_and_label_figures(client, malus_scale, terra):
    # Given an unpublished version and an unpublished model besides the Terra
    car_model, petrol, _ = terra
    f.VersionFactory(
        car_model=car_model, trim="Prototype", base_price_ht=1_000_000, is_published=False
    )
    f.VersionFactory(car_model__name="Concept", car_model__is_published=False)

    # When
    response = client.get(LIST_URL)

    # Then
    assert response.status_code == 200
    text = visible_text(response)
    assert "Concept" not in text
    assert "Prototype" not in text
    card = visible_text(between(response.content.decode(), 'id="modele-terra"', "</article>"))
    assert card == (
        "Terra Aurore · Compacte Le SUV compact qui va partout "
        "à partir de 24\u202f900\u00a0€ TTC soit 20\u202f750\u00a0€ HT "
        "Essence Électrique Versions de Terra "
        "Life 1.2 TCe 130 Essence · 130\u00a0ch 24\u202f900\u00a0€ TTC · 20\u202f750\u00a0€ HT "
        "Classe énergie C 128 g/km de CO2 · malus 540\u00a0€ "
        "Iconic E-Tech 220 ch Électrique · 220\u00a0ch 36\u202f000\u00a0€ TTC · 30\u202f000\u00a0€ HT "
        "Classe énergie A 0 g/km de CO2 · malus 0\u00a0€ "
        "Détail des versions de Terra et étiquettes environnementales"
    )
    assert f'href="{detail_url("terra")}"' in response.content.decode()


def test_a_model_page_shows_every_version_with_its_full_label(client, malus_scale, terra):
    # Given
    _, petrol, electric = terra
    year = malus_scale.year

    # When
    response = client.get(detail_url("terra"))

    # Then
    assert response.status_code == 200
    html = response.content.decode()
    petrol_card = visible_text(between(html, f'id="version-{petrol.code}"', "</article>"))
    assert petrol_card == (
        "Life 1.2 TCe 130 24\u202f900\u00a0€ TTC soit 20\u202f750\u00a0€ HT "
        "Énergie Essence Puissance 130\u00a0ch Boîte de vitesses Manuelle "
        "Étiquette environnementale Classe énergie CO2 : C "
        "A jusqu'à 100 g/km B 101 à 120 g/km C 121 à 140 g/km ◀ ce véhicule D 141 à 160 g/km "
        "E 161 à 200 g/km F 201 à 250 g/km G plus de 250 g/km "
        "Émissions de CO2 (WLTP) 128\u00a0g/km Consommation mixte (WLTP) 5,6 l/100 km "
        "Vignette Crit'Air 1 Crit'Air 1 "
        f"Malus CO2 {year} 540\u00a0€ Barème {year}, source : {MALUS_SOURCE} "
        "Matériaux recyclés 18\u00a0%"
    )
    electric_card = visible_text(between(html, f'id="version-{electric.code}"', "</article>"))
    assert "36\u202f000\u00a0€ TTC soit 30\u202f000\u00a0€ HT" in electric_card
    assert "Énergie Électrique Puissance 220\u00a0ch Boîte de vitesses Automatique" in electric_card
    assert "Autonomie électrique (WLTP) 410\u00a0km" in electric_card
    assert f"Malus CO2 {year} 0\u00a0€ (non applicable aux véhicules électriques)" in electric_card
    assert 'href="/stock/?model=terra"' in html


def test_colours_options_and_packs_are_priced_ttc(client, terra):
    # Given
    car_model, _, _ = terra
    f.ColourFactory(car_model=car_model, name="Blanc Glacier", price_ht=0)
    f.ColourFactory(car_model=car_model, name="Rouge Flamme", finish="metallic", price_ht=62_500)
    roof = f.OptionFactory(car_model=car_model, name="Toit ouvrant", price_ht=75_000)
    pack = car_model.packs.create(code="hiver", name="Pack Hiver", price_ht=50_000)
    pack.options.add(roof)

    # When
    text = visible_text(client.get(detail_url("terra")))

    # Then
    assert "Teintes Blanc Glacier Opaque de série Rouge Flamme Métallisée 750\u00a0€ TTC" in text
    assert "Options Confort Toit ouvrant 900\u00a0€ TTC" in text
    assert "Packs Pack Hiver (Toit ouvrant) 600\u00a0€ TTC" in text


@pytest.mark.parametrize("code", ["inconnu", "concept"])
def test_an_unknown_or_unpublished_model_is_not_found(client, db, code):
    # Given
    f.CarModelFactory(code="concept", is_published=False)

    # When
    response = client.get(detail_url(code))

    # Then
    assert response.status_code == 404


def _range_of(count: int) -> None:
    for _ in range(count):
        car_model = f.CarModelFactory.create()
        f.VersionFactory(car_model=car_model)
        f.VersionFactory(car_model=car_model, base_price_ht=2_500_000)
        ModelImage.objects.create(car_model=car_model, image="catalog/gallery/x.jpg", alt="Vue")


def test_the_range_runs_the_same_queries_for_2_or_20_models(client, malus_scale):
    # Given
    _range_of(2)
    with CaptureQueriesContext(connection) as small:
        client.get(LIST_URL)
    _range_of(18)

    # When
    with CaptureQueriesContext(connection) as large:
        response = client.get(LIST_URL)

    # Then
    assert len(response.context["cards"]) == 20
    assert len(re.findall(r'class="version-line"', response.content.decode())) == 40
    assert len(large) == len(small)

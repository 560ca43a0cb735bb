"""``catalog/_label.html``: the environmental label other pages include with ``label=…``."""

from __future__ import annotations

import re

from django.template.loader import render_to_string

from autovitrine.catalog.selectors import label_for
from autovitrine.testing import factories as f
from autovitrine.web.tests.page_text import visible_text

from .conftest import MALUS_SOURCE


def render_label(label) -> str:
    return render_to_string("catalog/_label.html", {"label": label})


def test_the_ladder_spells_out_every_class_and_points_at_the_cars_own(db):
    # Given a 128 g/km version
    label = label_for(version=f.VersionFactory(co2_g_km=128))

    # When
    html = render_label(label)

    # Then every class reads with its span of emissions, and only C is the car's
    rungs = [visible_text(li) for li in re.findall(r"<li\b.*?</li>", html, flags=re.S)]
    assert rungs == [
        "A jusqu'à 100 g/km",
        "B 101 à 120 g/km",
        "C 121 à 140 g/km ◀ ce véhicule",
        "D 141 à 160 g/km",
        "E 161 à 200 g/km",
        "F 201 à 250 g/km",
        "G plus de 250 g/km",
    ]
    assert re.findall(r'<li class="([^"]+)" aria-current="true"', html) == ["ec-C current"]
    assert "Classe énergie CO2 : C" in visible_text(html)


def test_a_petrol_version_shows_its_figures_and_this_years_malus(malus_scale):
    # Given
    version = f.VersionFactory(co2_g_km=128, consumption_x10=56, crit_air=1, recycled_share_pct=18)

    # When
    text = visible_text(render_label(label_for(version=version, scale=malus_scale)))

    # Then
    year = malus_scale.year
    assert "Émissions de CO2 (WLTP) 128\u00a0g/km" in text
    assert "Consommation mixte (WLTP) 5,6 l/100 km" in text
    assert "Autonomie électrique" not in text
    assert "Vignette Crit'Air 1 Crit'Air 1" in text
    assert f"Malus CO2 {year} 540\u00a0€ Barème {year}, source : {MALUS_SOURCE}" in text
    assert "Matériaux recyclés 18\u00a0%" in text


def test_above_the_last_bracket_the_malus_is_the_cap(malus_scale):
    # Given a 160 g/km version, above the scale's last bracket (150 g/km)
    version = f.VersionFactory(co2_g_km=160)

    # When
    text = visible_text(render_label(label_for(version=version, scale=malus_scale)))

    # Then
    assert f"Malus CO2 {malus_scale.year} 70\u202f000\u00a0€" in text
    assert "Classe énergie CO2 : D" in text


def test_an_electric_version_pays_no_malus_and_shows_its_range(malus_scale):
    # Given
    version = f.VersionFactory(
        co2_g_km=0,
        consumption_x10=152,
        consumption_unit="kwh",
        electric_range_km=410,
        crit_air=0,
        recycled_share_pct=27,
    )

    # When
    text = visible_text(render_label(label_for(version=version, scale=malus_scale)))

    # Then
    assert "Classe énergie CO2 : A" in text
    assert "Émissions de CO2 (WLTP) 0\u00a0g/km" in text
    assert "Consommation mixte (WLTP) 15,2 kWh/100 km" in text
    assert "Autonomie électrique (WLTP) 410\u00a0km" in text
    assert "Crit'Air verte, « zéro émission moteur »" in text
    assert (
        f"Malus CO2 {malus_scale.year} 0\u00a0€ (non applicable aux véhicules électriques)" in text
    )
    assert "Matériaux recyclés 27\u00a0%" in text


def test_without_a_scale_no_malus_is_shown(db):
    # Given a used car's label: no scale, since the malus was paid at first registration
    label = label_for(version=f.VersionFactory(co2_g_km=131), scale=None)

    # When
    text = visible_text(render_label(label))

    # Then
    assert "Malus" not in text
    assert "Émissions de CO2 (WLTP) 131\u00a0g/km" in text


def test_a_car_known_only_by_its_co2_shows_what_is_known(db):
    # Given a used car outside the catalog: its CO2 figure and nothing else
    label = label_for(version=None, co2_g_km=131)

    # When
    text = visible_text(render_label(label))

    # Then
    assert "Classe énergie CO2 : C" in text
    assert "Émissions de CO2 (WLTP) 131\u00a0g/km" in text
    for absent in ("Consommation", "Crit'Air", "Matériaux recyclés", "Malus"):
        assert absent not in text


def test_a_car_without_any_figure_says_emissions_are_unknown(db):
    # When
    text = visible_text(render_label(label_for(version=None)))

    # Then
    assert text == "Émissions de CO2 (WLTP) non communiquées"

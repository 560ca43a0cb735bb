"""The configured car's picture follows the configuration on every step, the summary and the
saved (shared) page (issue #14)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from autovitrine.catalog.picture import BLACK_ROOF, GLASS_ROOF
from autovitrine.configurator.selectors import choices_query, configuration_state
from autovitrine.configurator.services import configuration_save
from autovitrine.testing.text import must_find

pytestmark = pytest.mark.django_db


def page(client, choices=(), **extra) -> str:
    url = reverse("configurator:configure", kwargs={"model_code": "aurore-terra"})
    response = client.get(f"{url}?{choices_query(list(choices), **extra)}")
    assert response.status_code == 200
    return response.content.decode()


def picture(html: str) -> str:
    return must_find(
        r'<div class="cfg-picture" id="[a-z-]+">(<svg.*?</svg>)</div>', html, re.S
    ).group(1)


def fills(svg: str) -> tuple[str, str]:
    body = must_find(r'fill="(#[0-9a-fA-F]{6})" class="car-body"', svg).group(1)
    roof = must_find(r'fill="(#[0-9a-fA-F]{6})" class="car-roof"', svg).group(1)
    return body, roof


def test_every_step_shows_the_car_with_its_paint_wheels_and_roof(client, terra):
    choices = [("trim", "gt"), ("paint", "rouge-aurore"), ("wheels", "r20"), ("roof", "black")]
    steps = len(configuration_state(terra, []).steps)
    for step in range(steps):
        svg = picture(page(client, choices, etape=step))
        assert fills(svg) == ("#b3242b", BLACK_ROOF)
        assert 'data-wheels="20"' in svg and 'data-body="' in svg
        assert 'aria-label="Votre ' in svg and "<text" not in svg


def test_changing_the_paint_the_wheels_or_the_roof_changes_the_picture(client, terra):
    blue = picture(page(client, [("paint", "bleu-horizon")]))
    green = picture(page(client, [("paint", "vert-foret"), ("roof", "pano")]))
    assert fills(blue)[0] == "#1f4e9c" and fills(green) == ("#2e6b4f", GLASS_ROOF)
    r17 = picture(page(client, [("trim", "life"), ("wheels", "r17")]))
    r19 = picture(page(client, [("trim", "gt"), ("wheels", "r19")]))
    assert 'data-wheels="17"' in r17 and 'data-wheels="19"' in r19
    assert re.search(r'data-spokes="(\d+)"', r17).group(1) != re.search(
        r'data-spokes="(\d+)"', r19
    ).group(1)


def test_the_saved_and_shared_page_shows_the_same_picture(client, terra):
    choices = [("trim", "gt"), ("paint", "rouge-aurore"), ("wheels", "r19"), ("roof", "black")]
    saved = configuration_save(product_data=terra, choices=choices)
    configured = picture(page(client, choices))

    html = client.get(reverse("configurator:saved", kwargs={"code": saved.code})).content.decode()

    shared = picture(html)
    assert fills(shared) == fills(configured) == ("#b3242b", BLACK_ROOF)
    assert 'data-wheels="19"' in shared

"""The car's picture: drawn from data per body type, recoloured, wheels and roof visible, no
caption inside, on the pages that show a car (issue #14, « a picture that follows the
configuration »)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from autovitrine.catalog.picture import (
    BLACK_ROOF,
    GLASS_ROOF,
    SILHOUETTES,
    CarLook,
    car_svg,
    inches_from,
    look_for_configuration,
    paint_from_words,
    roof_from_words,
)
from autovitrine.testing import factories as f
from autovitrine.testing.text import must_find


def body_fill(svg: str) -> str:
    return must_find(r'fill="(#[0-9a-f]{6})" class="car-body"', svg).group(1)


def roof_fill(svg: str) -> str:
    return must_find(r'fill="(#[0-9a-fA-F]{6})" class="car-roof"', svg).group(1)


def rim(svg: str) -> tuple[float, int]:
    match = must_find(
        r'r="([0-9.]+)" fill="#[0-9a-f]{6}" class="car-rim" data-inches="\d+" '
        r'data-spokes="(\d+)"',
        svg,
    )
    return float(match.group(1)), int(match.group(2))


@pytest.mark.parametrize("body", sorted(SILHOUETTES))
def test_each_body_is_a_different_drawing_painted_with_the_paint(body):
    svg = car_svg(CarLook(body=body, paint="#b3242b"))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert body_fill(svg) == "#b3242b"
    others = {car_svg(CarLook(body=other, paint="#b3242b")) for other in SILHOUETTES}
    assert len(others) == len(SILHOUETTES)


def test_the_drawing_has_no_caption_no_style_and_no_id_and_is_named_by_its_element():
    svg = car_svg(CarLook(body="suv", paint="#1f4e9c", wheel_inches=19, roof="glass"), "Vela bleu")
    assert "<text" not in svg and "style=" not in svg and " id=" not in svg
    assert 'role="img" aria-label="Vela bleu"' in svg
    assert 'aria-hidden="true"' in car_svg(CarLook(body="suv"))  # without a name: decorative


def test_larger_wheels_are_larger_with_a_larger_rim_and_another_design():
    sizes = [rim(car_svg(CarLook(body="suv", wheel_inches=inches))) for inches in (17, 18, 19, 20)]
    radii = [radius for radius, _spokes in sizes]
    assert radii == sorted(radii) and len(set(radii)) == 4
    assert len({spokes for _radius, spokes in sizes}) >= 3  # 5, 6, 10 spokes


def test_the_roof_is_body_coloured_black_two_tone_or_glass():
    assert roof_fill(car_svg(CarLook(body="suv", paint="#eef1f3"))) == "#eef1f3"
    assert roof_fill(car_svg(CarLook(body="suv", paint="#eef1f3", roof=BLACK_ROOF))) == BLACK_ROOF
    assert roof_fill(car_svg(CarLook(body="suv", paint="#eef1f3", roof="glass"))) == GLASS_ROOF


def test_a_hostile_colour_never_reaches_the_drawing():
    svg = car_svg(CarLook(body="suv", paint='"><script>', roof='"/><script>'))
    assert "<script" not in svg
    assert body_fill(svg) == roof_fill(svg)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (("Rouge Aurore (nacré)",), "#b3242b"),
        (("Blanc Nacré",), "#f4f1ea"),
        (("Gris Titane mat",), "#6b6f73"),
        (("Noir Onyx (métallisé)",), "#1d2026"),
        (("bleu-horizon",), "#1f4e9c"),
    ],
)
def test_a_paint_name_says_its_colour(words, expected):
    assert paint_from_words(*words) == expected


def test_wheel_sizes_and_roofs_are_read_from_codes_and_labels():
    assert inches_from("r19") == 19
    assert inches_from("jantes-18", "") == 18
    assert inches_from("x", "Jantes alliage 20 pouces Diamant") == 20
    assert inches_from("pack-2025") is None
    assert roof_from_words("pano", "Toit panoramique ouvrant") == "glass"
    assert roof_from_words("noir", "Toit noir bi-ton") == BLACK_ROOF
    assert roof_from_words("carrosserie", "Toit couleur carrosserie") == "body"


def test_a_configuration_gives_its_look_catalogue_colours_first():
    look = look_for_configuration(
        "suv",
        {"trim": "gt", "paint": "gris-orage", "wheels": "r19", "roof": "black", "pack": True},
        {"paint": "Gris Orage", "wheels": "Jantes 19 pouces", "roof": "Toit noir bi-ton"},
        {"gris-orage": "#5b6169"},
    )
    assert look == CarLook(body="suv", paint="#5b6169", wheel_inches=19, roof=BLACK_ROOF)
    option_roof = look_for_configuration("suv", {"paint": "sable", "toit-panoramique": True})
    assert option_roof.roof == "glass" and option_roof.paint == paint_from_words("sable")


@pytest.mark.django_db
def test_the_range_and_the_model_page_show_the_model_drawn_in_its_first_paint(client):
    version = f.VersionFactory(car_model__body="estate")
    car_model = version.car_model
    f.ColourFactory(car_model=car_model, code="vert", hex_value="#2e7d6f")

    listing = client.get(reverse("catalog:model_list")).content.decode()
    detail = client.get(
        reverse("catalog:model_detail", kwargs={"code": car_model.code})
    ).content.decode()

    for html in (listing, detail):
        assert 'data-body="estate"' in html
        assert 'fill="#2e7d6f" class="car-body"' in html
    assert f'aria-label="{car_model.brand.name} {car_model.name}, Break, vue de profil"' in detail
    assert "style=" not in detail  # the colour swatches are drawn too, without inline style

"""The North-American VIN check digit (position 9, 49 CFR § 565.15)."""

from __future__ import annotations

import pytest

from autovitrine.core.vin import vin_check_digit, vin_check_warning


@pytest.mark.parametrize(
    ("vin", "digit"),
    [
        ("1M8GDM9AXKP042788", "X"),  # the worked example of the US regulation
        ("11111111111111111", "1"),
        ("1HGCM82633A004352", "3"),  # the example of the Wikipedia article on VINs
    ],
)
def test_the_check_digit_of_published_vins(vin, digit):
    assert vin_check_digit(vin) == digit
    assert vin_check_warning(vin) == ""


def test_a_wrong_north_american_check_digit_is_a_typing_error():
    assert vin_check_warning("1M8GDM9A1KP042788").startswith(
        "Le caractère de contrôle du VIN (9e position) ne correspond pas"
    )


def test_a_european_vin_without_check_digit_only_gets_a_caution():
    warning = vin_check_warning("VF1RJA00068123456")

    assert vin_check_digit("VF1RJA00068123456") != "0"
    assert "c'est courant pour un véhicule européen" in warning

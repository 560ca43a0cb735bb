"""The carte grise estimate: fiscal horsepower, the buyer's regional rate, fixed fees."""

from __future__ import annotations

import pytest

from autovitrine.orders.registration import (
    department_of,
    fiscal_horsepower,
    registration_estimate,
)


@pytest.mark.parametrize(
    ("co2", "hp", "cv"),
    [
        (128, 130, 7),  # 2,84 + (95,6 kW / 40)^1,6 = 2,84 + 4,03 = 6,87 → 7
        (0, 136, 4),  # electric 100 kW: 2,5^1,6 = 4,33 → 4
        (95, 100, 5),  # 2,11 + 2,78 = 4,89 → 5
    ],
)
def test_fiscal_horsepower_follows_the_2020_formula(co2, hp, cv):
    assert fiscal_horsepower(co2_g_km=co2, power_hp=hp) == cv


@pytest.mark.parametrize(
    ("postcode", "department"),
    [("69002", "69"), ("20000", "2A"), ("20200", "2B"), ("97400", "974"), ("6900", None)],
)
def test_departments_from_postcodes(postcode, department):
    assert department_of(postcode) == department


def test_a_lyon_buyer_pays_the_auvergne_rhone_alpes_rate():
    # When
    estimate = registration_estimate(postcode="69002", co2_g_km=128, power_hp=130, electric=False)

    # Then 7 CV × 43 € + 11 € + 2,76 €
    assert (estimate.fiscal_hp, estimate.region) == (7, "Auvergne-Rhône-Alpes")
    assert estimate.total_cents == 31_476


def test_an_electric_car_in_a_region_that_exempts_it_pays_only_the_fixed_fees():
    # When
    estimate = registration_estimate(postcode="59000", co2_g_km=0, power_hp=136, electric=True)

    # Then
    assert (estimate.region, estimate.regional_tax_cents, estimate.total_cents) == (
        "Hauts-de-France",
        0,
        1_376,
    )


def test_a_half_exemption_in_brittany():
    estimate = registration_estimate(postcode="35000", co2_g_km=0, power_hp=136, electric=True)
    assert estimate.total_cents == 4 * 6_000 // 2 + 1_376


def test_no_estimate_where_we_have_no_rate():
    assert (
        registration_estimate(postcode="98000", co2_g_km=120, power_hp=100, electric=False) is None
    )

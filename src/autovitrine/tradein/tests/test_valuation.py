"""The trade-in estimate: a transparent rule whose lines add up to the figure the buyer sees."""

from __future__ import annotations

import pytest

from autovitrine.tradein.defaults import DEFAULT_RULE
from autovitrine.tradein.services import TradeInInput, tradein_estimate
from autovitrine.tradein.valuation import CarFacts, RuleData, estimate

from .factories import default_rule

RULE = RuleData(**{name: DEFAULT_RULE[name] for name in RuleData.__slots__})


def test_a_six_year_old_suv_is_estimated_step_by_step():
    # Given a 2020 petrol SUV with 80 000 km in good condition, in 2026
    car = CarFacts(segment="suv", energy="petrol", year=2020, mileage_km=80_000, condition="good")

    # When
    result = estimate(RULE, car, current_year=2026)

    # Then 26 000 € × 0.85^6 = 9 805.89 → 9 806 €; × (1 − 8 × 1.5 %) = 8 629.28 → 8 629 €
    assert [(line.label, line.cents) for line in result.lines] == [
        ("Valeur de référence (SUV, véhicule neuf)", 2_600_000),
        ("Énergie : Essence (×1)", 0),
        ("Âge : 6 ans (−15\u00a0% par an)", -1_619_400),
        ("Kilométrage : 80\u202f000 km (−1,5\u00a0% par tranche de 10\u202f000 km)", -117_700),
        ("État : Bon (×1)", 0),
    ]
    assert result.total_cents == 862_900


def test_an_old_worn_car_is_worth_the_floor():
    # Given
    car = CarFacts(segment="city", energy="diesel", year=2000, mileage_km=300_000, condition="poor")

    # When
    result = estimate(RULE, car, current_year=2026)

    # Then
    assert result.lines[-1].label == "Valeur plancher"
    assert result.total_cents == 50_000
    assert sum(line.cents for line in result.lines) == 50_000


def test_mileage_deduction_stops_at_its_cap():
    # Given two cars alike but for 400 000 and 900 000 km (cap: 60 %)
    far = CarFacts(segment="van", energy="diesel", year=2022, mileage_km=400_000, condition="good")
    farther = CarFacts(
        segment="van", energy="diesel", year=2022, mileage_km=900_000, condition="good"
    )

    # When / Then
    assert (
        estimate(RULE, far, current_year=2026).total_cents
        == estimate(RULE, farther, current_year=2026).total_cents
    )


def test_head_office_tuning_the_rule_changes_the_next_estimate(db):
    # Given
    car = TradeInInput(
        make="Renault",
        model_label="Clio",
        segment="city",
        energy="petrol",
        year=2026,
        mileage_km=0,
        condition="good",
        plate="AB-123-CD",
    )
    before = tradein_estimate(data=car, current_year=2026).total_cents
    rule = default_rule()
    rule.base_values = {**rule.base_values, "city": 1_500_000}
    rule.save()

    # When
    after = tradein_estimate(data=car, current_year=2026).total_cents

    # Then
    assert (before, after) == (1_400_000, 1_500_000)


def test_a_rule_missing_a_segment_is_refused_by_validation(db):
    # Given
    rule = default_rule()
    rule.base_values = {"city": 1_000_000}

    # When / Then
    with pytest.raises(Exception, match="Indiquez exactement les clés"):
        rule.full_clean()

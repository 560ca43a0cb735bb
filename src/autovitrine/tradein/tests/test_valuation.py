"""The trade-in estimate (docs/tradein.md): a transparent method whose lines add up to the
figure the buyer sees, a range around it, and reference cases a buyer can check."""

from __future__ import annotations

from typing import Any

import pytest

from autovitrine.testing import factories as f
from autovitrine.tradein.defaults import DEFAULT_RULE
from autovitrine.tradein.models import ReferencePrice
from autovitrine.tradein.selectors import reference_for
from autovitrine.tradein.services import TradeInInput, tradein_estimate
from autovitrine.tradein.valuation import CarFacts, Market, Reference, RuleData, estimate

from .factories import default_rule

RULE_FIELDS: dict[str, Any] = {name: DEFAULT_RULE[name] for name in RuleData.__slots__}
RULE = RuleData(**RULE_FIELDS)


def test_a_six_year_old_suv_is_estimated_step_by_step():
    # Given a 2020 petrol SUV with 80 000 km in good condition, in 2026, the segment's price
    car = CarFacts(segment="suv", energy="petrol", year=2020, mileage_km=80_000, condition="good")

    # When
    result = estimate(RULE, car, current_year=2026)

    # Then 35 000 € × 51 % (6 years) = 17 850 €; 2 000 km above 6 × 13 000: − 0.3 % → 17 796.45
    # → 17 796 €; ± 13 % (only the segment is known) → 15 500 – 20 100 €
    assert [(line.label, line.cents) for line in result.lines] == [
        ("Prix de référence de la catégorie « SUV », véhicule neuf", 3_500_000),
        ("Énergie : Essence (×1)", 0),
        ("Âge : 6 ans (garde 51\u00a0% du prix neuf)", -1_715_000),
        ("Kilométrage : 80\u202f000 km pour 78\u202f000 km attendus (−0,3\u00a0%)", -5_400),
        ("État : Bon (×1)", 0),
    ]
    assert result.total_cents == 1_779_600
    assert (result.low_cents, result.high_cents) == (1_550_000, 2_010_000)
    assert result.factors[0] == "l'âge (6 ans)"


def test_a_low_mileage_adds_value_a_high_one_removes_it():
    def value(km: int) -> int:
        car = CarFacts("hatch", "petrol", 2022, km, "good", "Renault", "Mégane")
        return estimate(RULE, car, current_year=2026).total_cents

    average = value(4 * 13_000)
    assert value(20_000) > average > value(120_000)


def test_an_old_worn_car_is_worth_the_floor():
    # Given
    car = CarFacts(segment="city", energy="diesel", year=1985, mileage_km=400_000, condition="poor")

    # When
    result = estimate(RULE, car, current_year=2026)

    # Then
    assert result.lines[-1].label == "Valeur plancher"
    assert result.total_cents == 50_000 == result.low_cents
    assert sum(line.cents for line in result.lines) == 50_000


def test_mileage_deduction_stops_at_its_cap():
    # Given two cars alike but for 500 000 and 900 000 km (cap: 60 %)
    far = CarFacts(segment="van", energy="diesel", year=2022, mileage_km=500_000, condition="good")
    farther = CarFacts(
        segment="van", energy="diesel", year=2022, mileage_km=900_000, condition="good"
    )

    # When / Then
    assert (
        estimate(RULE, far, current_year=2026).total_cents
        == estimate(RULE, farther, current_year=2026).total_cents
    )


def test_market_prices_of_similar_cars_pull_the_estimate_and_narrow_the_range():
    car = CarFacts("city", "petrol", 2021, 52_000, "good", "Renault", "Clio")
    reference = Reference(1_890_000, "model", "Renault Clio")
    alone = estimate(RULE, car, current_year=2025, reference=reference)
    # Five Clio of 2020–2022 on sale around 16 250 € TTC: 13 000 € at trade (÷ 1.25).
    market = Market((1_550_000, 1_600_000, 1_625_000, 1_650_000, 1_700_000))
    with_market = estimate(RULE, car, current_year=2025, reference=reference, market=market)

    assert alone.total_cents < with_market.total_cents < 1_300_000
    # Half-way at most (5 cars × 10 %): 11 529 € and 13 000 € → 12 264.50 → 12 265 €
    assert with_market.total_cents == 1_226_500
    assert "5 voitures comparables" in with_market.lines[-1].label
    assert (with_market.high_cents - with_market.low_cents) < (alone.high_cents - alone.low_cents)
    # Fewer than three cars are not a market.
    thin = estimate(RULE, car, current_year=2025, reference=reference, market=Market((900_000,)))
    assert thin.total_cents == alone.total_cents


# The reference cases. Each: the car, the new price of its version (the reference head office
# records), the expected value and where that figure comes from. The method must land within
# ± 20 % of it, and the published figure must fall in the range the buyer is shown, widened by
# that tolerance.
#
# Sources:
#  [C] Caradisiac, « Citadines polyvalentes françaises : laquelle décote le plus ? » (June 2021,
#      https://www.caradisiac.com/citadines-polyvalentes-francaises-laquelle-decote-le-plus-190636.htm):
#      average loss from thousands of listings against the new price; Citroën C3 III: − 28 to
#      − 39 % at 3 years, − 53 to − 60 % at 7 years. Expected = new price × (1 − mid loss).
#  [G] Order of magnitude of the 2025 cote shown by La Centrale and L'argus for this version in
#      good condition and average mileage, as noted by the author from those public pages (not
#      re-read at test time: re-check against the live guides when updating the method).
#  New prices: the makers' French list prices of the year of registration (mid-range version).
REFERENCE_CASES = [
    # (make, model, segment, energy, year, km, condition, new price €, expected €, source)
    ("Citroën", "C3", "city", "petrol", 2018, 39_000, "good", 16_000, 10_640, "[C] 3 ans, −33,5 %"),
    ("Citroën", "C3", "city", "petrol", 2014, 91_000, "good", 16_000, 6_960, "[C] 7 ans, −56,5 %"),
    (
        "Renault",
        "Clio",
        "city",
        "petrol",
        2021,
        45_000,
        "good",
        18_900,
        11_750,
        "[G] Clio V TCe 90",
    ),
    (
        "Peugeot",
        "208",
        "city",
        "petrol",
        2020,
        60_000,
        "good",
        21_500,
        11_500,
        "[G] 208 II 1.2 100",
    ),
    ("Peugeot", "3008", "suv", "diesel", 2019, 90_000, "good", 35_000, 16_500, "[G] BlueHDi 130"),
    (
        "Dacia",
        "Sandero",
        "city",
        "petrol",
        2022,
        30_000,
        "good",
        16_500,
        12_500,
        "[G] Stepway TCe 90",
    ),
    ("Renault", "Zoé", "city", "electric", 2020, 50_000, "good", 32_000, 11_250, "[G] R110 52 kWh"),
    ("Toyota", "Yaris", "city", "hybrid", 2021, 40_000, "good", 23_000, 15_750, "[G] Hybride 116h"),
    (
        "Volkswagen",
        "Golf",
        "hatch",
        "petrol",
        2020,
        70_000,
        "good",
        29_000,
        16_750,
        "[G] VIII 1.5 TSI",
    ),
    ("Tesla", "Model 3", "sedan", "electric", 2021, 60_000, "good", 43_800, 23_000, "[G] SR+"),
    ("Citroën", "C3", "city", "petrol", 2017, 110_000, "good", 15_500, 6_500, "[G] PureTech 82"),
    (
        "Renault",
        "Mégane Estate",
        "estate",
        "diesel",
        2019,
        120_000,
        "fair",
        27_000,
        9_500,
        "[G] dCi 115",
    ),
]


@pytest.mark.parametrize(
    ("make", "model", "segment", "energy", "year", "km", "condition", "new", "expected", "source"),
    REFERENCE_CASES,
    ids=[f"{case[0]}-{case[1]}-{case[4]}" for case in REFERENCE_CASES],
)
def test_reference_cases_land_within_20_percent_of_the_published_figure(
    make, model, segment, energy, year, km, condition, new, expected, source
):
    car = CarFacts(segment, energy, year, km, condition, make, model)
    reference = Reference(new * 100, "model", f"{make} {model}")

    result = estimate(
        RULE,
        car,
        current_year=2025 if source.startswith("[G]") else year + (3 if "3 ans" in source else 7),
        reference=reference,
    )

    assert abs(result.total_cents - expected * 100) <= expected * 100 * 0.20, source
    assert result.low_cents * 0.8 <= expected * 100 <= result.high_cents * 1.2
    assert result.low_cents < result.total_cents < result.high_cents


def test_the_most_precise_reference_head_office_recorded_wins(db):
    ReferencePrice.objects.update_or_create(
        segment="city",
        make="",
        model_label="",
        version_label="",
        defaults={"new_price_cents": 1_900_000},
    )
    ReferencePrice.objects.create(segment="city", make="Renault", new_price_cents=2_000_000)
    ReferencePrice.objects.create(
        segment="city", make="Renault", model_label="Clio", new_price_cents=1_890_000
    )
    ReferencePrice.objects.create(
        segment="city",
        make="Renault",
        model_label="Clio",
        version_label="E-Tech",
        new_price_cents=2_400_000,
    )

    def new_price(make: str, model: str, version: str = "") -> tuple[int, str]:
        found = reference_for(segment="city", make=make, model_label=model, version=version)
        assert found is not None
        return found.new_price_cents, found.level

    assert new_price("renault", "CLIO", "1.6 e-tech hybrid 145") == (2_400_000, "version")
    assert new_price("Renault", "Clio", "TCe 90") == (1_890_000, "model")
    assert new_price("Renault", "Twingo") == (2_000_000, "make")
    assert new_price("Fiat", "Panda") == (1_900_000, "segment")


def test_used_cars_in_stock_are_the_market_of_a_saved_estimate(db):
    default_rule()
    for price in (1_500_000, 1_600_000, 1_700_000):
        f.StockVehicleFactory(
            condition="used", make="Renault", model_label="Clio", year=2021, price_ttc=price
        )
    f.StockVehicleFactory(condition="used", make="Renault", model_label="Clio", year=2015)
    car = TradeInInput(
        make="Renault",
        model_label="Clio",
        segment="city",
        energy="petrol",
        year=2021,
        mileage_km=52_000,
        condition="good",
        plate="AB-123-CD",
    )

    result = tradein_estimate(data=car, current_year=2025)

    assert "3 voitures comparables" in result.lines[-1].label
    assert sum(line.cents for line in result.lines) == result.total_cents


def test_head_office_editing_a_reference_price_changes_the_next_estimate(db):
    # Given
    default_rule()
    car = TradeInInput(
        make="Renault",
        model_label="Clio",
        segment="city",
        energy="petrol",
        year=2025,
        mileage_km=0,
        condition="good",
        plate="AB-123-CD",
    )
    before = tradein_estimate(data=car, current_year=2025).total_cents
    ReferencePrice.objects.filter(segment="city", make="").update(new_price_cents=2_000_000)

    # When
    after = tradein_estimate(data=car, current_year=2025).total_cents

    # Then (no age, 0 km for 13 000 expected: + 1.95 %)
    assert (before, after) == (1_937_100, 2_039_000)


def test_a_rule_missing_a_segment_is_refused_by_validation(db):
    # Given
    rule = default_rule()
    rule.base_values = {"city": 1_000_000}

    # When / Then
    with pytest.raises(Exception, match="Indiquez exactement les clés"):
        rule.full_clean()

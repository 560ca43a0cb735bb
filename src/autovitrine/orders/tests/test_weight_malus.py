"""Weight malus (CIBS L421-71 and following) and which scale an order states (L421-33 3°)."""

from __future__ import annotations

import datetime as dt

import pytest

from autovitrine.catalog.selectors import malus_amount, malus_scale_on
from autovitrine.pricing.law.malus import malus_at, malus_outlook
from autovitrine.pricing.law.registration_day import l421_33_registration_day, scale_change
from autovitrine.pricing.law.weight_malus import (
    l421_75_amount_cents,
    taxable_mass_kg,
    weight_malus,
    weight_scale_on,
)


def test_l421_75_the_2024_worked_example_1950_kg_is_4520_euros():
    """« Ce barème associe un tarif marginal à chaque fraction de la masse en ordre de marche.
    Le montant est égal à la somme des produits de chaque fraction par le tarif marginal
    associé. » Example: 1 950 kg in January 2024 → 200 kg × 10 € + 100 kg × 15 € + 51 kg × 20 €
    = 4 520 € (service-public.fr F35950)."""
    assert l421_75_amount_cents(1_950, weight_scale_on(dt.date(2024, 1, 15))) == 452_000


def test_l421_75_the_2026_worked_example_1950_kg_is_6775_euros():
    """2026: « 2 000 euros sur la tranche de 1 500 et 1 699 kilogrammes, 1 500 euros sur la
    tranche de 1 700 et 1 799 kilogrammes, 2 000 euros sur la tranche de 1 800 et 1 899
    kilogrammes et 1 275 euros sur la tranche de 1 900 et 1 950 kilogrammes » (6 775 €)."""
    assert l421_75_amount_cents(1_950, weight_scale_on(dt.date(2026, 6, 1))) == 677_500


@pytest.mark.parametrize(
    ("day", "mass", "euros"),
    [
        (dt.date(2026, 1, 1), 1_499, 0),  # « Jusqu'à 1 499 : 0 »
        (dt.date(2026, 1, 1), 1_500, 10),  # the first kilogram of the fraction is taxed
        (dt.date(2025, 12, 31), 1_599, 0),  # 2024-2025 scale: from 1 600 kg
        (dt.date(2025, 12, 31), 1_600, 10),
        (dt.date(2023, 6, 1), 1_800, 0),  # 2022-2023: « au-delà de 1 800 kg »
        (dt.date(2023, 6, 1), 1_801, 10),
        (dt.date(2026, 3, 1), 2_100, 200 * 10 + 100 * 15 + 100 * 20 + 100 * 25 + 101 * 30),
    ],
)
def test_l421_75_thresholds_of_each_scale(day, mass, euros):
    assert l421_75_amount_cents(mass, weight_scale_on(day)) == euros * 100


def test_l421_78_an_electric_car_is_exempt():
    """L421-78: a car whose energy is only electricity or hydrogen is exempt."""
    result = weight_malus(
        mass_kg=2_300,
        energy="electric",
        electric_range_km=450,
        registration_day=dt.date(2026, 9, 1),
    )
    assert result.exempt and result.amount_cents == 0


def test_l421_79_until_2024_a_plug_in_hybrid_over_50_km_is_exempt():
    """L421-79 until 31 December 2024: « Est exonéré tout véhicule hybride électrique
    rechargeable de l'extérieur dont l'autonomie équivalente en mode tout électrique en ville
    [...] est supérieure à 50 kilomètres. »"""
    day = dt.date(2024, 12, 31)
    assert (
        taxable_mass_kg(mass_kg=1_900, energy="phev", electric_range_km=51, registration_day=day)
        is None
    )


def test_l421_79_from_2025_a_plug_in_hybrid_over_50_km_gets_200_kg_within_15_percent():
    """From 1 January 2025 (loi n° 2023-1322, art. 97): « la masse en ordre de marche fait
    l'objet d'un abattement de 200 kilogrammes, dans la limite de 15 % de cette même masse »;
    « ils sont soumis à la taxe uniquement à partir de 1 800 kg » (caradisiac.com, 2025)."""
    day = dt.date(2025, 1, 1)
    assert (
        taxable_mass_kg(mass_kg=1_980, energy="phev", electric_range_km=60, registration_day=day)
        == 1_780
    )
    # 15 % of 1 200 kg is 180 kg: the abatement stops there.
    assert (
        taxable_mass_kg(mass_kg=1_200, energy="phev", electric_range_km=60, registration_day=day)
        == 1_020
    )
    # 2025 scale from 1 600 kg (first kilogram taxed): 1 799 kg pays nothing, 1 800 kg pays 10 €.
    assert (
        weight_malus(
            mass_kg=1_799, energy="phev", electric_range_km=60, registration_day=dt.date(2025, 6, 1)
        ).amount_cents
        == 0
    )
    assert (
        weight_malus(
            mass_kg=1_800, energy="phev", electric_range_km=60, registration_day=dt.date(2025, 6, 1)
        ).amount_cents
        == 1_000
    )


def test_l421_79_1_other_electrified_cars_get_100_kg_from_2024_only():
    """L421-79-1 (from 1 January 2024): « Pour le véhicule dont la source d'énergie comprend
    l'électricité, autre que celui relevant des articles L. 421-78 ou L. 421-79, la masse en
    ordre de marche fait l'objet d'un abattement de 100 kilogrammes »; none before."""
    for day in (dt.date(2024, 1, 1), dt.date(2026, 6, 1)):
        assert (
            taxable_mass_kg(
                mass_kg=1_900, energy="phev", electric_range_km=50, registration_day=day
            )
            == 1_800
        )
        assert (
            taxable_mass_kg(
                mass_kg=1_600, energy="hybrid", electric_range_km=None, registration_day=day
            )
            == 1_500
        )
    assert (
        taxable_mass_kg(
            mass_kg=1_900,
            energy="hybrid",
            electric_range_km=None,
            registration_day=dt.date(2023, 12, 31),
        )
        == 1_900
    )
    assert (
        taxable_mass_kg(
            mass_kg=1_600,
            energy="petrol",
            electric_range_km=None,
            registration_day=dt.date(2026, 6, 1),
        )
        == 1_600
    )


def test_the_co2_and_weight_malus_together_do_not_exceed_the_co2_cap():
    """« Le montant cumulé du malus masse et du malus CO2 est plafonné au montant maximum du
    malus CO2 » (service-public.fr F35950)."""
    result = weight_malus(
        mass_kg=2_400,
        energy="petrol",
        electric_range_km=None,
        registration_day=dt.date(2026, 5, 1),
        co2_malus_cents=7_900_000,
        co2_cap_cents=8_000_000,
    )
    assert result.uncapped_cents > 100_000
    assert result.amount_cents == 100_000


def test_no_weight_scale_is_invented_for_a_year_not_published():
    assert weight_scale_on(dt.date(2027, 1, 1)) is None
    assert (
        weight_malus(
            mass_kg=1_700,
            energy="petrol",
            electric_range_km=None,
            registration_day=dt.date(2027, 1, 4),
        )
        is None
    )


def test_l421_33_the_registration_day_counts_not_the_order_day():
    """L421-33 3°: the taxes are due on « la délivrance d'un certificat d'immatriculation
    résultant de la première immatriculation en tant que véhicule de tourisme en France »."""
    today = dt.date(2026, 12, 5)
    assert l421_33_registration_day(
        planned_delivery=dt.date(2027, 2, 26), registered_on=None, today=today
    ) == dt.date(2027, 2, 26)
    assert l421_33_registration_day(
        planned_delivery=dt.date(2027, 2, 26), registered_on=dt.date(2026, 12, 20), today=today
    ) == dt.date(2026, 12, 20)
    assert scale_change(today=today, registration_day=dt.date(2027, 2, 26)).crosses
    assert not scale_change(today=today, registration_day=dt.date(2026, 12, 31)).crosses
    # 2025: the new scale took effect on 1 March, not 1 January.
    assert not scale_change(
        today=dt.date(2025, 1, 10), registration_day=dt.date(2025, 2, 28)
    ).crosses
    assert scale_change(today=dt.date(2025, 2, 10), registration_day=dt.date(2025, 3, 1)).crosses


@pytest.mark.django_db
def test_a_factory_order_crossing_1_january_states_both_scales_and_which_applies():
    # Given a petrol car of 1 650 kg and 140 g/km, ordered on 5 December 2026, registered in 2027
    figures = {"co2_g_km": 140, "mass_kg": 1_650, "energy": "petrol", "electric_range_km": None}

    # When
    outlook = malus_outlook(
        today=dt.date(2026, 12, 5), registration_day=dt.date(2027, 2, 26), **figures
    )

    # Then today's figures are stated, and the 2027 scale, unpublished, is said to apply
    co2_2026 = malus_amount(140, malus_scale_on(dt.date(2026, 12, 5)))
    assert outlook.applied.co2_cents == co2_2026 > 0
    assert outlook.applied.weight_cents == 151 * 10 * 100  # 1 500 → 1 650 kg at 10 €
    assert outlook.other is not None and not outlook.other.known
    assert "26 février 2027" in outlook.notice
    assert "2027" in outlook.notice and "L421-33" in outlook.notice


@pytest.mark.django_db
def test_a_change_within_known_scales_applies_the_registration_days_scale():
    # Ordered in February 2025 (2024 scale until 28 February), registered in March 2025
    outlook = malus_outlook(
        today=dt.date(2025, 2, 10),
        registration_day=dt.date(2025, 3, 14),
        co2_g_km=140,
        mass_kg=None,
        energy="petrol",
        electric_range_km=None,
    )
    assert outlook.applied.co2_year == 2025 and outlook.other.co2_year == 2024
    assert outlook.applied.co2_cents > outlook.other.co2_cents
    assert "14 mars 2025" in outlook.notice


@pytest.mark.django_db
def test_malus_at_adds_both_taxes():
    at = malus_at(
        day=dt.date(2026, 6, 1),
        co2_g_km=100,
        mass_kg=1_950,
        energy="diesel",
        electric_range_km=None,
    )
    assert (at.co2_cents, at.weight_cents, at.total_cents) == (0, 677_500, 677_500)


@pytest.mark.django_db
def test_a_factory_order_quote_has_a_weight_malus_line_and_states_the_scale_change():
    """An order states the scale in force at its planned registration date (L421-33 3°): a
    factory order placed on 5 December 2026 is delivered, so registered, in 2027."""
    from autovitrine.pricing.quotes import BuiltCar, built_car_quote

    car = BuiltCar(
        make="Aurore",
        model="Lourde",
        version="GT",
        lines=(("vehicle", "Aurore Lourde GT", 3_000_000),),
        co2_g_km=140,
        energy="petrol",
        power_hp=130,
        weight_kg=1_650,
    )

    quote = built_car_quote(car=car, postcode="69002", today=dt.date(2026, 12, 5))

    codes = [line.code for line in quote.lines]
    assert codes == ["vehicle", "malus", "weight_malus", "registration"]
    weight = next(line for line in quote.lines if line.code == "weight_malus")
    assert weight.ttc == 151_000 and "Malus au poids 2026 (1650 kg)" in weight.label
    co2 = next(line for line in quote.lines if line.code == "malus")
    assert quote.malus_cents == co2.ttc + weight.ttc
    assert quote.delivery_by.year == 2027
    assert "L421-33" in quote.vehicle["malus_notice"] and "2027" in quote.vehicle["malus_notice"]


@pytest.mark.django_db
def test_an_order_registered_within_the_same_scale_has_no_notice():
    from autovitrine.pricing.quotes import BuiltCar, built_car_quote

    car = BuiltCar(
        make="Aurore",
        model="Lourde",
        version="GT",
        lines=(("vehicle", "Aurore Lourde GT", 3_000_000),),
        co2_g_km=140,
        energy="electric",
        power_hp=130,
        weight_kg=2_100,
        extra={"planned_delivery": dt.date(2026, 6, 5)},
    )
    quote = built_car_quote(car=car, postcode="69002", today=dt.date(2026, 3, 4))
    weight = next(line for line in quote.lines if line.code == "weight_malus")
    assert weight.ttc == 0 and "exonéré" in weight.label  # L421-78
    assert quote.vehicle["malus_notice"] == ""


def test_l421_79_1_the_100_kg_stay_for_every_hybrid_until_31_december_2026():
    """The limitation of the L421-79-1 abatement to hybrids whose electric motor is powerful
    enough was put off to 1 January 2027 (« cette nouvelle mesure ne pourra donc être mise en
    œuvre [...] qu'à compter du 1er janvier 2027 », government amendment to the PLF 2025,
    francetvinfo.fr 26/11/2024): a mild hybrid of 1 650 kg registered on 31 December 2026 is
    taxed on 1 550 kg, and nothing is computed for 2027 (no scale, no motor power in our data)."""
    last_day = weight_malus(
        mass_kg=1_650,
        energy="hybrid",
        electric_range_km=None,
        registration_day=dt.date(2026, 12, 31),
    )
    assert (last_day.taxable_mass_kg, last_day.amount_cents) == (1_550, 51 * 10 * 100)
    assert (
        weight_malus(
            mass_kg=1_650,
            energy="hybrid",
            electric_range_km=None,
            registration_day=dt.date(2027, 1, 1),
        )
        is None
    )


def test_l421_78_an_electric_car_stays_exempt_after_1_july_2026():
    """The loi de finances pour 2025 planned to tax electric cars from 1 July 2026; the loi de
    finances pour 2026 dropped it (« Cette taxe au poids a donc été gommée de la loi de finances
    2026 », automobile-propre.com, 30/01/2026)."""
    result = weight_malus(
        mass_kg=2_300,
        energy="electric",
        electric_range_km=None,
        registration_day=dt.date(2026, 7, 2),
    )
    assert result.exempt and result.amount_cents == 0

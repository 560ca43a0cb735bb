"""The carte grise estimate: fiscal horsepower, the buyer's regional rate, fixed fees."""

from __future__ import annotations

import datetime as dt

import pytest

from autovitrine.pricing.registration import (
    department_of,
    fiscal_horsepower,
    regional_rate_on,
    registration_estimate,
    registration_postcode,
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
    # When: in March 2026, Hauts-de-France still exempted electric cars
    estimate = registration_estimate(
        postcode="59000", co2_g_km=0, power_hp=136, electric=True, day=dt.date(2026, 3, 15)
    )

    # Then
    assert (estimate.region, estimate.regional_tax_cents, estimate.total_cents) == (
        "Hauts-de-France",
        0,
        1_376,
    )


@pytest.mark.parametrize(("postcode", "cents_per_cv"), [("35000", 6_000), ("20000", 5_300)])
def test_since_may_2025_brittany_and_corsica_charge_electric_cars_in_full(postcode, cents_per_cv):
    """Loi n° 2025-127, art. 119: from 1 May 2025 the regional tax of an electric car is what
    the region votes; every region but Hauts-de-France charges it in full (Auto Plus, April
    2025). An electric car of 4 CV in Rennes or Ajaccio pays the whole regional tax."""
    estimate = registration_estimate(
        postcode=postcode, co2_g_km=0, power_hp=136, electric=True, day=dt.date(2026, 6, 1)
    )
    assert estimate.regional_tax_cents == 4 * cents_per_cv
    assert estimate.total_cents == 4 * cents_per_cv + 1_376


def test_hauts_de_france_kept_its_electric_exemption_until_april_2026():
    """The one region that kept the exemption after 1 May 2025 (bfmtv.com, cnews.fr), until
    1 April 2026 (caradisiac.com, 28/02/2026)."""
    estimate = registration_estimate(
        postcode="59000", co2_g_km=0, power_hp=136, electric=True, day=dt.date(2026, 3, 31)
    )
    assert estimate.regional_tax_cents == 0


def test_no_estimate_where_we_have_no_rate():
    assert (
        registration_estimate(postcode="98000", co2_g_km=120, power_hp=100, electric=False) is None
    )


def test_l421_30_hauts_de_france_charges_electric_cars_from_april_2026_at_43_euros():
    """CIBS L421-30: « 2° Pour tous les véhicules à moteur, à une taxe régionale ». Hauts-de-France
    43 €/CV and no exemption for electric cars from 1 April 2026 (caradisiac.com, 28/02/2026)."""
    estimate = registration_estimate(
        postcode="59000", co2_g_km=0, power_hp=136, electric=True, day=dt.date(2026, 4, 1)
    )
    assert estimate.regional_tax_cents == 4 * 4_300
    assert estimate.total_cents == 4 * 4_300 + 1_100 + 276


def test_ile_de_france_adds_14_euros_per_cv_from_1_march_2026():
    """Loi de finances pour 2026: Île-de-France 54,95 € + 14 € per CV from 1 March 2026
    (« celui-ci va passer de 54,95 € à 68,95 € », caradisiac.com, 28/02/2026)."""
    before = registration_estimate(
        postcode="75015", co2_g_km=128, power_hp=130, electric=False, day=dt.date(2026, 2, 28)
    )
    after = registration_estimate(
        postcode="75015", co2_g_km=128, power_hp=130, electric=False, day=dt.date(2026, 3, 1)
    )
    assert (before.regional_tax_cents, after.regional_tax_cents) == (7 * 5_495, 7 * 6_895)


def test_nouvelle_aquitaine_58_euros_from_1_march_2026():
    estimate = registration_estimate(
        postcode="33000", co2_g_km=128, power_hp=130, electric=False, day=dt.date(2026, 12, 5)
    )
    assert estimate.regional_tax_cents == 7 * 5_800


def test_the_fixed_taxes_y4_and_y5_are_11_euros_and_2_euros_76():
    """« la taxe fixe de 11 € ; la redevance pour l'acheminement du certificat
    d'immatriculation (2,76 €) » (quechoisir.org)."""
    estimate = registration_estimate(
        postcode="69002", co2_g_km=128, power_hp=130, electric=False, day=dt.date(2026, 12, 5)
    )
    assert estimate.total_cents - estimate.regional_tax_cents == 1_376


def test_the_buyers_postcode_wins_over_the_dealers_and_stands_in_for_it_when_missing():
    assert registration_postcode(buyer_postcode="59000", dealer_postcode="69002") == "59000"
    assert registration_postcode(buyer_postcode="", dealer_postcode="69002") == "69002"


# --- CIBS L421-45: half the regional tariff from the tenth year ----------------------------


def test_l421_45_a_car_first_registered_ten_years_ago_to_the_day_pays_half_the_regional_tax():
    """L421-45: « réduit de moitié lorsque la première immatriculation du véhicule est antérieure
    de dix années ou plus »: ten years exactly is enough (it was « more than ten » before)."""
    estimate = registration_estimate(
        postcode="69002", co2_g_km=128, power_hp=130, electric=False, age_years=10
    )
    assert estimate.regional_tax_cents == 7 * 4_300 // 2
    assert estimate.total_cents == 7 * 4_300 // 2 + 1_376


def test_l421_45_nine_years_pays_the_full_regional_tax():
    estimate = registration_estimate(
        postcode="69002", co2_g_km=128, power_hp=130, electric=False, age_years=9
    )
    assert estimate.regional_tax_cents == 7 * 4_300


def test_l421_45_no_half_on_top_of_a_particular_tariff():
    """« … et que ce véhicule ne bénéficie pas d'un tarif particulier »: an old electric car in
    Brittany keeps the region's 50 % reduction, not 75 %."""
    estimate = registration_estimate(
        postcode="35000",
        co2_g_km=0,
        power_hp=136,
        electric=True,
        age_years=12,
        day=dt.date(2026, 6, 1),
    )
    assert estimate.regional_tax_cents == 4 * 6_000 // 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model_year", "first_registration", "regional_cents"),
    [
        # Model year 2016 but first registered on 6 December 2016: 9 years on 5 December 2026.
        (2016, dt.date(2016, 12, 6), 6 * 4_300),
        # Model year 2017 but first registered on 5 December 2016: 10 years that very day.
        (2017, dt.date(2016, 12, 5), 6 * 4_300 // 2),
    ],
)
def test_a_used_cars_age_runs_from_its_first_registration_and_its_cv_from_its_certificate(
    model_year, first_registration, regional_cents
):
    """The age is the first registration's (L421-45), not the model year's; the fiscal power is
    the certificate's field P.6 when the car has one, not the formula (7 CV here)."""
    from autovitrine.inventory.models import StockVehicle
    from autovitrine.pricing.quotes import stock_quote
    from autovitrine.testing import factories as f

    vehicle = f.StockVehicleFactory(
        condition=StockVehicle.Condition.USED,
        year=model_year,
        first_registration=first_registration,
        fiscal_hp=6,
        co2_g_km=128,
        power_hp=130,
        mileage_km=90_000,
    )

    quote = stock_quote(vehicle=vehicle, postcode="69002", today=dt.date(2026, 12, 5))

    [line] = [line for line in quote.lines if line.code == "registration"]
    assert "6 CV" in line.label
    assert line.ttc == regional_cents + 1_376


# Every region's €/CV, checked one by one for issue 13 (L421-30 2°: « une taxe régionale »; the
# rate is each regional council's vote). On 2 January 2026 the eighteen rates listed by
# simulateurmalus.fr (1 January 2026), caradisiac.com (17 February 2026, « Prix par région ») and
# auto-pour-vous.fr (2026), all three alike; Martinique from its own vote (53 € since 1 July
# 2025: cartegriseminute.fr 02/07/2025, carte-grise.org 22/07/2025). On 5 December 2026 the same
# after the 2026 votes: La Réunion 60 € (1 February), Île-de-France 54,95 + 14 € (1 March),
# Nouvelle-Aquitaine 58 € (1 March), Hauts-de-France 43 € (1 April) (caradisiac.com 28/02/2026,
# mac4ever.com 27/02/2026).
@pytest.mark.parametrize(
    ("region", "name", "on_2_january_2026", "on_5_december_2026"),
    [
        ("84", "Auvergne-Rhône-Alpes", 4_300, 4_300),
        ("27", "Bourgogne-Franche-Comté", 6_000, 6_000),
        ("53", "Bretagne", 6_000, 6_000),
        ("24", "Centre-Val de Loire", 6_000, 6_000),
        ("94", "Corse", 5_300, 5_300),
        ("44", "Grand Est", 6_000, 6_000),
        ("32", "Hauts-de-France", 4_200, 4_300),
        ("11", "Île-de-France", 5_495, 6_895),
        ("28", "Normandie", 6_000, 6_000),
        ("75", "Nouvelle-Aquitaine", 5_300, 5_800),
        ("76", "Occitanie", 5_950, 5_950),
        ("52", "Pays de la Loire", 5_100, 5_100),
        ("93", "Provence-Alpes-Côte d'Azur", 6_000, 6_000),
        ("01", "Guadeloupe", 4_100, 4_100),
        ("02", "Martinique", 5_300, 5_300),
        ("03", "Guyane", 4_250, 4_250),
        ("04", "La Réunion", 5_700, 6_000),
        ("06", "Mayotte", 3_000, 3_000),
    ],
)
def test_l421_30_each_regions_rate_per_cv_in_2026(
    region, name, on_2_january_2026, on_5_december_2026
):
    january = regional_rate_on(region, dt.date(2026, 1, 2))
    december = regional_rate_on(region, dt.date(2026, 12, 5))
    assert (january.name, january.cents_per_cv) == (name, on_2_january_2026)
    assert (december.name, december.cents_per_cv) == (name, on_5_december_2026)


def test_corsica_is_53_euros_per_cv_in_2026_not_the_43_euros_of_2025():
    """The Assemblée de Corse's budget 2026 (17 October 2025) raised the rate « de 43 à 53 € par
    cheval fiscal » from 1 January 2026 (cartegriseminute.fr, 05/12/2025; carte-grise.org,
    18/12/2025): a 7 CV car registered in Ajaccio pays 7 × 53 €."""
    estimate = registration_estimate(
        postcode="20000", co2_g_km=128, power_hp=130, electric=False, day=dt.date(2026, 1, 1)
    )
    assert (estimate.region, estimate.regional_tax_cents) == ("Corse", 7 * 5_300)


def test_martinique_is_53_euros_per_cv_since_july_2025():
    """« Le tarif du cheval fiscal en Martinique est fixé à 53 € depuis le 1er juillet 2025,
    contre 30 € auparavant » (carte-grise.org, 22/07/2025): a 7 CV car in Fort-de-France."""
    estimate = registration_estimate(
        postcode="97200", co2_g_km=128, power_hp=130, electric=False, day=dt.date(2026, 12, 5)
    )
    assert (estimate.region, estimate.regional_tax_cents) == ("Martinique", 7 * 5_300)

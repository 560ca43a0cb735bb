"""Consumer credit rules of the simulator and the representative example: the usury ceiling
(L314-6), borrower insurance (L314-1, R314-11, L312-7, D312-24), the brand's defaults."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from autovitrine.orders.financing import (
    FinancingError,
    credit_defaults,
    l314_6_usury_check,
    lease_plan,
    loan_plan,
    representative_example,
)
from autovitrine.orders.law.usury import l314_6_ceiling


def test_l314_6_a_loan_over_the_quarters_ceiling_is_refused_in_french():
    """L314-6: « Constitue un prêt usuraire tout prêt conventionnel consenti à un taux effectif
    global qui excède, au moment où il est consenti, de plus du tiers, le taux effectif moyen
    pratiqué au cours du trimestre précédent [...] ». Q1 2026, loans over 6 000 €: 8,67 %."""
    plan = loan_plan(
        price_cents=2_000_000, down_payment_cents=0, months=48, annual_rate=Decimal("9.50")
    )

    with pytest.raises(FinancingError) as exc:
        l314_6_usury_check(plan, day=dt.date(2026, 2, 10))

    assert "taux de l'usure de 8,67 %" in str(exc.value)
    assert "L314-6" in str(exc.value)


def test_l314_6_the_ceiling_depends_on_the_amount_of_credit():
    day = dt.date(2026, 1, 15)
    assert l314_6_ceiling(credit_cents=300_000, day=day).rate == Decimal("23.56")
    assert l314_6_ceiling(credit_cents=300_001, day=day).rate == Decimal("15.87")
    assert l314_6_ceiling(credit_cents=600_000, day=day).rate == Decimal("15.87")
    assert l314_6_ceiling(credit_cents=600_001, day=day).rate == Decimal("8.67")
    # The previous quarter applied until 31 December 2025.
    assert l314_6_ceiling(credit_cents=900_000, day=dt.date(2025, 12, 31)).rate == Decimal("8.73")


def test_l314_6_a_small_loan_at_a_high_rate_under_its_ceiling_passes():
    plan = loan_plan(
        price_cents=250_000, down_payment_cents=0, months=12, annual_rate=Decimal("19.90")
    )
    ceiling = l314_6_usury_check(plan, day=dt.date(2026, 1, 15))
    assert ceiling.rate == Decimal("23.56") and plan.apr < ceiling.rate


def test_l314_6_a_day_after_the_last_quarter_known_says_the_data_is_stale():
    ceiling = l314_6_ceiling(credit_cents=1_000_000, day=dt.date(2026, 12, 5))
    assert ceiling.stale and ceiling.quarter.label == "T1 2026"
    assert not l314_6_ceiling(credit_cents=1_000_000, day=dt.date(2026, 3, 31)).stale


def test_l314_6_the_fees_and_required_insurance_count_in_the_rate_compared():
    # 8,20 % nominal (TAEG 8,51 %) passes alone; with required insurance it crosses 8,67 %.
    terms = {"price_cents": 2_000_000, "down_payment_cents": 0, "months": 48}
    alone = loan_plan(**terms, annual_rate=Decimal("8.20"))
    insured = loan_plan(
        **terms,
        annual_rate=Decimal("8.20"),
        insurance_monthly_cents=1_000,
        insurance_required=True,
    )
    l314_6_usury_check(alone, day=dt.date(2026, 2, 1))
    with pytest.raises(FinancingError):
        l314_6_usury_check(insured, day=dt.date(2026, 2, 1))


def test_a_lease_is_not_a_loan_for_the_usury_check():
    plan = lease_plan(
        price_cents=3_000_000,
        first_rent_cents=300_000,
        months=36,
        annual_rate=Decimal("12"),
        option_price_cents=1_000_000,
    )
    assert l314_6_usury_check(plan, day=dt.date(2026, 2, 1)) is None


def test_r314_11_the_taea_is_the_taeg_with_the_insurance_less_the_taeg_without():
    """R314-11: « Le taux annuel effectif de l'assurance [...] est égal à la différence entre :
    1° Le taux annuel effectif global [...] en prenant comme hypothèse que l'assurance proposée
    [...] est intégralement exigée par le prêteur [...] et ; 2° Le taux annuel effectif global
    [...] en prenant comme hypothèse qu'aucune assurance n'est exigée par le prêteur »."""
    terms = {
        "price_cents": 2_000_000,
        "down_payment_cents": 400_000,
        "months": 48,
        "annual_rate": Decimal("4.90"),
    }
    without = loan_plan(**terms)
    optional = loan_plan(**terms, insurance_monthly_cents=400)
    required = loan_plan(**terms, insurance_monthly_cents=400, insurance_required=True)

    assert optional.apr == without.apr  # optional insurance stays out of the TAEG
    assert required.apr > without.apr  # L314-1: required insurance is in it
    assert optional.taea == required.taea == required.apr - without.apr > 0
    assert optional.insurance_total_cents == 400 * 48
    assert required.total_paid_cents == without.total_paid_cents + 400 * 48
    assert optional.total_paid_cents == without.total_paid_cents


def test_d312_24_the_example_gives_the_optional_insurance_per_month_in_total_and_as_taea(
    settings,
):
    """D312-24: the example says the instalments are « hors assurance facultative » and gives
    its cost « en euros par mois, en montant total dû en euros [...] et en taux annuel effectif
    de l'assurance »."""
    from django.template.loader import render_to_string

    settings.CREDIT_DEFAULTS = {
        "months": 48,
        "down_payment_pct": 20,
        "rate": "4.90",
        "insurance_pct_per_year": "0.30",
        "insurance_required": False,
    }
    plan = representative_example(price_cents=3_000_000)
    html = render_to_string("orders/_credit_example.html", {"plan": plan})

    assert plan.insurance_monthly_cents == 600  # 24 000 € × 0,30 % / 12
    assert "hors assurance facultative" in html
    assert "6,00 € par mois" in html.replace("\u202f", " ").replace("\xa0", " ")
    assert "288,00 € au total" in html.replace("\u202f", " ").replace("\xa0", " ")
    assert f"TAEA {plan.taea:.2f}".replace(".", ",") in html


def test_the_brands_defaults_come_from_settings(settings):
    settings.CREDIT_DEFAULTS = {"months": 60, "down_payment_pct": 10, "rate": "3.90"}
    terms = credit_defaults()
    plan = representative_example(price_cents=2_000_000)
    assert (terms.months, terms.down_payment_pct, terms.rate) == (60, 10, Decimal("3.90"))
    assert (plan.months, plan.down_payment_cents, plan.nominal_rate) == (
        60,
        200_000,
        Decimal("3.90"),
    )

"""Consumer credit rules of the simulator and the representative example: the usury ceiling
(L314-6), borrower insurance (L314-1, R314-11, L312-7, D312-24), the brand's defaults."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from autovitrine.pricing.financing import (
    FinancingError,
    credit_defaults,
    l314_6_usury_check,
    lease_plan,
    loan_plan,
    representative_example,
)
from autovitrine.pricing.law.usury import USURY_QUARTERS, UsuryCeilingUnpublished, l314_6_ceiling


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


@pytest.mark.parametrize(
    ("day", "up_to_3000", "up_to_6000", "over_6000"),
    [
        # Avis du 26 mars 2026 (JORF 27 mars 2026): « applicables à compter du 1er avril 2026 »
        (dt.date(2026, 4, 1), "23.52", "15.73", "8.61"),
        # Avis du 26 juin 2026 (JORF 28 juin 2026): « à compter du 1er juillet 2026 »
        (dt.date(2026, 7, 1), "23.53", "15.67", "8.56"),
        # Avis du 25 septembre 2026 (JORF 26 septembre 2026): « à compter du 1er octobre 2026 »
        (dt.date(2026, 10, 1), "23.60", "15.76", "8.56"),
        (dt.date(2026, 12, 31), "23.60", "15.76", "8.56"),
    ],
)
def test_l314_6_the_2026_quarters_published_in_the_journal_officiel(
    day, up_to_3000, up_to_6000, over_6000
):
    """Each avis: « Prêts d'un montant inférieur ou égal à 3 000 euros », « supérieur à 3 000
    euros et inférieur ou égal à 6 000 euros », « supérieur à 6 000 euros »: the « seuil de
    l'usure applicable » column, from the first day of its quarter."""
    assert l314_6_ceiling(credit_cents=200_000, day=day).rate == Decimal(up_to_3000)
    assert l314_6_ceiling(credit_cents=500_000, day=day).rate == Decimal(up_to_6000)
    ceiling = l314_6_ceiling(credit_cents=2_000_000, day=day)
    assert ceiling.rate == Decimal(over_6000) and not ceiling.stale


def test_every_quarter_names_the_avis_it_was_read_in_and_follows_the_previous_one():
    starts = [quarter.valid_from for quarter in USURY_QUARTERS]
    for earlier, later in zip(starts, starts[1:], strict=False):
        assert (later.year * 12 + later.month) - (earlier.year * 12 + earlier.month) == 3
    assert all("NOR" in quarter.source and "JORF" in quarter.source for quarter in USURY_QUARTERS)


def test_l314_6_the_quarter_right_after_the_data_is_flagged_with_the_last_published_ceiling():
    """The avis appears days before its quarter: until it is entered, the last published ceiling
    is applied and the result says which quarter it stands in for."""
    last = USURY_QUARTERS[-1]
    next_quarter = last.valid_from + dt.timedelta(days=100)  # within the following quarter
    ceiling = l314_6_ceiling(credit_cents=1_000_000, day=next_quarter)
    assert ceiling.stale and ceiling.quarter == last
    assert ceiling.day_quarter != last.label
    assert not l314_6_ceiling(credit_cents=1_000_000, day=last.valid_from).stale


def test_l314_6_a_quarter_without_published_figures_beyond_that_is_refused_not_guessed():
    last = USURY_QUARTERS[-1]
    far = last.valid_from + dt.timedelta(days=190)  # two quarters on
    with pytest.raises(UsuryCeilingUnpublished):
        l314_6_ceiling(credit_cents=1_000_000, day=far)
    plan = loan_plan(
        price_cents=2_000_000, down_payment_cents=0, months=48, annual_rate=Decimal("4.90")
    )
    with pytest.raises(FinancingError) as exc:
        l314_6_usury_check(plan, day=far)
    assert "n'est pas encore dans nos données" in str(exc.value) and "L314-6" in str(exc.value)


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


# The representative example of every page showing a monthly amount (L312-6 to L312-8) must be
# a loan that can lawfully be granted: L314-6 forbids a TAEG that « excède » the ceiling. In the
# fourth quarter of 2026 (avis du 25 septembre 2026) the ceiling of loans over 6 000 € is 8,56 %;
# a 30 000 € car with 20 % down (24 000 € of credit, 48 months, optional insurance) has a TAEG of
# 8,55 % at 8,23 % nominal and of 8,56 % at 8,24 %.
Q4_2026 = dt.date(2026, 11, 16)


def _defaults(settings, rate: str, **more) -> None:
    settings.CREDIT_DEFAULTS = {
        "months": 48,
        "down_payment_pct": 20,
        "rate": rate,
        "insurance_pct_per_year": "0.30",
        "insurance_required": False,
        **more,
    }


def test_l314_6_an_example_under_the_ceiling_is_advertised(settings):
    _defaults(settings, "8.23")
    plan = representative_example(price_cents=3_000_000, day=Q4_2026)
    assert plan is not None and plan.apr == Decimal("8.55")


def test_l314_6_an_example_whose_rounded_taeg_equals_the_ceiling_is_not_advertised(settings):
    """The TAEG is rounded to two decimals: 8,56 % shown may be up to 8,564 %, which « excède »
    the 8,56 % ceiling (L314-6); only a rate below the ceiling is sure not to exceed it."""
    _defaults(settings, "8.24")
    assert representative_example(price_cents=3_000_000, day=Q4_2026) is None
    plan = loan_plan(
        price_cents=3_000_000, down_payment_cents=600_000, months=48, annual_rate=Decimal("8.24")
    )
    assert plan.apr == Decimal("8.56")
    with pytest.raises(FinancingError) as exc:  # the simulator applies the same rule
        l314_6_usury_check(plan, day=Q4_2026)
    assert "atteint ou dépasse le taux de l'usure de 8,56 %" in str(exc.value)


def test_l314_6_a_misconfigured_usurious_default_rate_is_never_advertised(settings):
    _defaults(settings, "12.00")
    assert representative_example(price_cents=3_000_000, day=Q4_2026) is None
    # A small car's credit is in a category with a higher ceiling (3 000 to 6 000 €: 15,76 %).
    small = representative_example(price_cents=600_000, day=Q4_2026)
    assert small is not None and small.apr < Decimal("15.76")


def test_l314_6_required_insurance_counts_in_the_advertised_taeg_compared(settings):
    """L314-1: required borrower insurance is part of the TAEG, so of the rate compared."""
    _defaults(settings, "8.00", insurance_pct_per_year="0.60", insurance_required=False)
    assert representative_example(price_cents=3_000_000, day=Q4_2026) is not None
    _defaults(settings, "8.00", insurance_pct_per_year="0.60", insurance_required=True)
    assert representative_example(price_cents=3_000_000, day=Q4_2026) is None


def test_l314_6_no_example_when_the_quarters_ceiling_is_not_in_the_data(settings):
    _defaults(settings, "4.90")
    far = USURY_QUARTERS[-1].valid_from + dt.timedelta(days=190)
    assert representative_example(price_cents=3_000_000, day=far) is None


def test_defaults_no_lender_would_grant_give_no_example(settings):
    _defaults(settings, "4.90", months=600)
    assert representative_example(price_cents=3_000_000, day=Q4_2026) is None


def test_the_system_check_warns_when_the_defaults_cannot_be_advertised(settings):
    from autovitrine.pricing.checks import credit_defaults_problems

    _defaults(settings, "4.90")
    assert credit_defaults_problems(day=Q4_2026) == []
    _defaults(settings, "9.90")
    assert [m.id for m in credit_defaults_problems(day=Q4_2026)] == ["orders.W001"]
    _defaults(settings, "quatre")
    assert [m.id for m in credit_defaults_problems(day=Q4_2026)] == ["orders.E001"]


@pytest.mark.parametrize(
    ("day", "messages", "advertised"),
    [
        # Q4 2026: its avis (JORF 26 September 2026) is in the data.
        (dt.date(2026, 12, 31), [], True),
        # Q1 2027: no avis in the data yet (expected in the last days of December 2026). The
        # T4 2026 ceiling stands in for it, flagged in the simulator; the example is still
        # checked against it, so pages keep their monthly amount and `check` stays silent.
        (dt.date(2027, 1, 1), [], True),
        (dt.date(2027, 3, 31), [], True),
        # From Q2 2027 a ceiling half a year old is not used: no example anywhere, and `check`
        # says so (orders.W001), as docs/legal.md « To update each quarter » states.
        (dt.date(2027, 4, 1), ["orders.W001"], False),
    ],
)
def test_l314_6_the_system_check_and_the_example_when_a_quarter_has_no_figures(
    settings, day, messages, advertised
):
    from autovitrine.pricing.checks import credit_defaults_problems

    _defaults(settings, "4.90")
    assert [m.id for m in credit_defaults_problems(day=day)] == messages
    example = representative_example(price_cents=3_000_000, day=day)
    assert (example is not None) == advertised
    if advertised:
        ceiling = l314_6_ceiling(credit_cents=example.financed_cents, day=day)
        assert ceiling.quarter.label == "T4 2026"
        assert ceiling.stale == (day.year == 2027)

"""Financing figures against reference values computed independently of the module."""

from __future__ import annotations

from decimal import Decimal

import pytest

from autovitrine.pricing.financing import (
    LEGAL_WARNING,
    FinancingError,
    apr,
    cash_plan,
    lease_plan,
    loan_plan,
)


def present_value(rate_percent: Decimal, flows: list[tuple[int, int]]) -> float:
    """The legal equation's right side, written out independently: Σ C_k (1 + X)^(−t_k)."""
    x = float(rate_percent) / 100
    return sum(cents / (1 + x) ** (month / 12) for month, cents in flows)


def test_a_classic_loan_matches_the_textbook_amortization_table():
    # Given 10 000 € over 12 months at 5 % a year, no fees (the textbook example:
    # 856,07 € a month, the first month 41,67 € of interest and 814,40 € of capital)
    plan = loan_plan(
        price_cents=1_000_000, down_payment_cents=0, months=12, annual_rate=Decimal("5")
    )

    # Then
    first, last = plan.schedule[0], plan.schedule[-1]
    assert plan.monthly_payment_cents == 85_607
    assert (first.interest_cents, first.principal_cents, first.remaining_cents) == (
        4_167,
        81_440,
        918_560,
    )
    assert last.remaining_cents == 0
    assert sum(row.principal_cents for row in plan.schedule) == 1_000_000
    assert plan.credit_cost_cents == 27_289  # 11 × 856,07 + 856,12 − 10 000
    # Without fees the TAEG is the nominal rate compounded monthly: (1 + 5 %/12)^12 − 1 = 5,116 %
    assert plan.apr == Decimal("5.12")


def test_a_five_year_loan_with_a_contribution():
    # Given 25 000 € with 5 000 € down, 60 months at 4 %
    plan = loan_plan(
        price_cents=2_500_000, down_payment_cents=500_000, months=60, annual_rate=Decimal("4")
    )

    # Then 20 000 € at 4 % over 60 months: 368,33 € a month; TAEG (1 + 4 %/12)^12 − 1 = 4,074 %
    assert plan.financed_cents == 2_000_000
    assert plan.monthly_payment_cents == 36_833
    assert plan.apr == Decimal("4.07")
    assert plan.total_paid_cents == 500_000 + sum(r.payment_cents for r in plan.schedule)


def test_fees_raise_the_taeg_above_the_nominal_rate():
    # Given the same 10 000 € loan with 200 € of fees at signing
    plan = loan_plan(
        price_cents=1_000_000,
        down_payment_cents=0,
        months=12,
        annual_rate=Decimal("5"),
        fees_cents=20_000,
    )
    flows = [(row.month, row.payment_cents) for row in plan.schedule]

    # Then the rounded TAEG brackets the solution of the legal equation within half a hundredth
    assert plan.apr == Decimal("9.15")
    assert present_value(Decimal("9.145"), flows) > 980_000 > present_value(Decimal("9.155"), flows)
    assert plan.credit_cost_cents == 47_289


def test_an_interest_free_loan_has_a_zero_taeg():
    # Given
    plan = loan_plan(
        price_cents=1_000_000, down_payment_cents=0, months=10, annual_rate=Decimal("0")
    )

    # Then
    assert plan.monthly_payment_cents == 100_000
    assert (plan.apr, plan.credit_cost_cents) == (Decimal("0.00"), 0)


def test_a_lease_with_purchase_option():
    # Given a 30 000 € car, 3 000 € first rent, 36 rents at 5 %, 12 000 € option
    plan = lease_plan(
        price_cents=3_000_000,
        first_rent_cents=300_000,
        months=36,
        annual_rate=Decimal("5"),
        option_price_cents=1_200_000,
    )

    # Then the rent, from the annuity formula computed here in floats:
    r = 0.05 / 12
    expected_rent = (2_700_000 - 1_200_000 / (1 + r) ** 36) * r / (1 - (1 + r) ** -36)
    assert plan.monthly_payment_cents == round(expected_rent) == 49_956
    assert plan.schedule[-1].remaining_cents == 1_200_000
    assert plan.apr == Decimal("5.12")
    assert (
        plan.total_paid_cents == 300_000 + sum(r.payment_cents for r in plan.schedule) + 1_200_000
    )


def test_cash_costs_nothing_more():
    plan = cash_plan(price_cents=2_490_000)
    assert (plan.total_paid_cents, plan.credit_cost_cents, plan.apr) == (
        2_490_000,
        0,
        Decimal("0.00"),
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"down_payment_cents": 2_000_000}, "L'apport doit être inférieur au prix du véhicule."),
        ({"months": 0}, "La durée doit être comprise entre 1 et 120 mois."),
        ({"annual_rate": Decimal("101")}, "Le taux doit être compris entre 0 et 100 %."),
    ],
)
def test_impossible_inputs_are_refused_in_french(arguments, message):
    values = {
        "price_cents": 1_000_000,
        "down_payment_cents": 0,
        "months": 12,
        "annual_rate": Decimal("5"),
    }
    values.update(arguments)
    with pytest.raises(FinancingError) as exc:
        loan_plan(**values)
    assert str(exc.value) == message


def test_apr_solves_a_single_payment_exactly():
    # 1 000 € received, 1 100 € repaid after 12 months: exactly 10 %
    assert apr(received_cents=100_000, payments=[(12, 110_000)]) == Decimal("10.00")


def test_the_legal_warning_is_the_statutory_wording():
    assert str(LEGAL_WARNING) == (
        "Un crédit vous engage et doit être remboursé. "
        "Vérifiez vos capacités de remboursement avant de vous engager."
    )

"""Financing simulation: cash, classic loan and LOA (lease with purchase option). Pure functions.

Amounts are integer cents; the nominal annual rate is a ``Decimal`` percent (``Decimal("4.90")``).
- Loan: constant monthly payment ``M = F·r / (1 − (1 + r)^−n)``, r = rate / 12, rounded to the
  cent; each month's interest is rounded on the remaining capital and the last payment absorbs
  the rounding, so the schedule repays exactly the amount financed.
- LOA: the first (larger) rent is paid at signing; ``n`` monthly rents then repay the financed
  amount down to the purchase-option price, paid with the last rent when the option is taken.
- TAEG (APR): the annual rate X that equates what the buyer receives with what they pay back,
  each flow discounted by ``(1 + X)^(t)`` with t in years and a month counting as 1/12 year
  (Code de la consommation, art. R314-3 / directive 2008/48/CE, annexe I), found by bisection
  and rounded half-up to two decimals. Fees paid at signing reduce what the buyer receives.
- Borrower insurance (a monthly premium on the amount financed): when the lender requires it,
  it counts in the TAEG (L314-1); either way its cost is given in euros per month, in total over
  the loan and as the TAEA, « la différence entre » the TAEG with the insurance fully required
  and the TAEG with no insurance required (R314-11, read at french-business-law.com; L312-7,
  D312-24 for advertisements: amounts « hors assurance facultative »).
- Usury: a loan whose TAEG reaches the quarter's ceiling for its amount is refused
  (L314-6, ``law.usury``; why "reaches" and not "exceeds": ``l314_6_usury_check``).
- Defaults (duration, down payment, the brand's rate, the usual insurance) come from
  ``settings.CREDIT_DEFAULTS``: the simulator opens with them and the representative example of
  every page showing a monthly amount uses them. An example the law does not allow (usurious,
  or not checkable) is not advertised at all: ``representative_example`` returns ``None`` and
  the page shows no monthly amount (L312-6 to L312-8 govern what an advertisement shows; a
  usurious loan cannot be offered, L314-6, so it cannot be advertised).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, Literal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .law.usury import UsuryCeiling, UsuryCeilingUnpublished, l314_6_ceiling

# Art. L312-5 Code de la consommation: compulsory in any credit offer or advertisement.
LEGAL_WARNING = _(
    "Un crédit vous engage et doit être remboursé. "
    "Vérifiez vos capacités de remboursement avant de vous engager."
)
SIMULATION_NOTICE = _(
    "Simulation indicative, sans valeur d'offre de crédit, sous réserve d'acceptation de votre "
    "dossier par l'organisme prêteur. Vous disposez d'un délai de rétractation de 14 jours à "
    "compter de l'acceptation de l'offre de crédit."
)

MAX_MONTHS = 120
# Not a legal bound (the usury ceiling is, L314-6): a figure past it is a typing mistake.
MAX_RATE = Decimal("100")

Kind = Literal["cash", "loan", "lease"]


@dataclass(frozen=True, slots=True)
class Installment:
    month: int
    payment_cents: int
    interest_cents: int
    principal_cents: int
    remaining_cents: int


@dataclass(frozen=True, slots=True)
class FinancingPlan:
    kind: Kind
    price_cents: int
    down_payment_cents: int  # the loan's personal contribution, or the LOA's first rent
    financed_cents: int
    months: int
    nominal_rate: Decimal
    monthly_payment_cents: int
    fees_cents: int
    option_price_cents: int
    apr: Decimal
    schedule: tuple[Installment, ...]
    insurance_monthly_cents: int = 0
    insurance_required: bool = False
    taea: Decimal = Decimal("0.00")  # R314-11: TAEG with the insurance less TAEG without

    @property
    def insurance_total_cents(self) -> int:
        return self.insurance_monthly_cents * self.months

    @property
    def total_paid_cents(self) -> int:
        """Everything the buyer pays: contribution, instalments, fees, the purchase option and
        the borrower insurance when the lender requires it."""
        return (
            self.down_payment_cents
            + sum(row.payment_cents for row in self.schedule)
            + self.fees_cents
            + self.option_price_cents
            + (self.insurance_total_cents if self.insurance_required else 0)
        )

    @property
    def total_due_cents(self) -> int:
        """The total amount due by the borrower (L312-6 6°): what is repaid to the lender."""
        return self.total_paid_cents - self.down_payment_cents

    @property
    def credit_cost_cents(self) -> int:
        """What financing costs on top of the cash price (interest and fees)."""
        return self.total_paid_cents - self.price_cents


class FinancingError(ValueError):
    """Inputs no lender would accept; the message is French, for the simulator page."""


def _round_cents(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _check(price_cents: int, down_cents: int, months: int, rate: Decimal, fees: int) -> None:
    if price_cents <= 0:
        raise FinancingError(_("Le prix doit être positif."))
    if not 0 <= down_cents < price_cents:
        raise FinancingError(_("L'apport doit être inférieur au prix du véhicule."))
    if not 1 <= months <= MAX_MONTHS:
        raise FinancingError(_("La durée doit être comprise entre 1 et 120 mois."))
    if not Decimal(0) <= rate <= MAX_RATE:
        raise FinancingError(_("Le taux doit être compris entre 0 et 100 %."))
    if fees < 0:
        raise FinancingError(_("Les frais ne peuvent pas être négatifs."))


def _level_payment(principal: int, residual: int, months: int, monthly_rate: Decimal) -> int:
    """The constant instalment repaying ``principal`` down to ``residual`` over ``months``."""
    if monthly_rate == 0:
        return _round_cents(Decimal(principal - residual) / months)
    with localcontext() as ctx:
        ctx.prec = 40
        discount = (1 + monthly_rate) ** -months
        return _round_cents(
            (Decimal(principal) - Decimal(residual) * discount) * monthly_rate / (1 - discount)
        )


def _schedule(
    principal: int, residual: int, months: int, monthly_rate: Decimal, payment: int
) -> tuple[Installment, ...]:
    rows: list[Installment] = []
    remaining = principal
    for month in range(1, months + 1):
        interest = _round_cents(Decimal(remaining) * monthly_rate)
        capital = payment - interest if month < months else remaining - residual
        remaining -= capital
        rows.append(Installment(month, capital + interest, interest, capital, remaining))
    return tuple(rows)


def apr(*, received_cents: int, payments: Sequence[tuple[int, int]]) -> Decimal:
    """TAEG in percent (two decimals) for ``received_cents`` at signing and ``(month, cents)``
    payments; the legal equation solved by bisection (its left side falls as X rises)."""

    def present_value(rate: float) -> float:
        return sum(cents * (1 + rate) ** (-month / 12) for month, cents in payments)

    low, high = -0.99, 10.0
    for _step in range(200):
        middle = (low + high) / 2
        if present_value(middle) > received_cents:
            low = middle
        else:
            high = middle
    percent = Decimal(repr((low + high) / 2 * 100))
    return percent.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) + 0  # no "-0.00"


def cash_plan(*, price_cents: int) -> FinancingPlan:
    return FinancingPlan(
        kind="cash",
        price_cents=price_cents,
        down_payment_cents=price_cents,
        financed_cents=0,
        months=0,
        nominal_rate=Decimal(0),
        monthly_payment_cents=0,
        fees_cents=0,
        option_price_cents=0,
        apr=Decimal("0.00"),
        schedule=(),
    )


def _insurance(
    *,
    received: int,
    flows: list[tuple[int, int]],
    months: int,
    monthly_cents: int,
    required: bool,
) -> tuple[Decimal, Decimal]:
    """(TAEG, TAEA): the TAEG counts the insurance only when required (L314-1); the TAEA is the
    TAEG with the insurance fully required less the TAEG without (R314-11)."""
    if monthly_cents < 0:
        raise FinancingError(_("L'assurance ne peut pas être négative."))
    without = apr(received_cents=received, payments=flows)
    if not monthly_cents:
        return without, Decimal("0.00")
    with_insurance = apr(
        received_cents=received,
        payments=[*flows, *((month, monthly_cents) for month in range(1, months + 1))],
    )
    return (with_insurance if required else without), with_insurance - without


def loan_plan(
    *,
    price_cents: int,
    down_payment_cents: int,
    months: int,
    annual_rate: Decimal,
    fees_cents: int = 0,
    insurance_monthly_cents: int = 0,
    insurance_required: bool = False,
) -> FinancingPlan:
    _check(price_cents, down_payment_cents, months, annual_rate, fees_cents)
    financed = price_cents - down_payment_cents
    monthly_rate = annual_rate / 1200
    payment = _level_payment(financed, 0, months, monthly_rate)
    schedule = _schedule(financed, 0, months, monthly_rate, payment)
    taeg, taea = _insurance(
        received=financed - fees_cents,
        flows=[(row.month, row.payment_cents) for row in schedule],
        months=months,
        monthly_cents=insurance_monthly_cents,
        required=insurance_required,
    )
    return FinancingPlan(
        kind="loan",
        price_cents=price_cents,
        down_payment_cents=down_payment_cents,
        financed_cents=financed,
        months=months,
        nominal_rate=annual_rate,
        monthly_payment_cents=payment,
        fees_cents=fees_cents,
        option_price_cents=0,
        apr=taeg,
        schedule=schedule,
        insurance_monthly_cents=insurance_monthly_cents,
        insurance_required=insurance_required,
        taea=taea,
    )


def lease_plan(
    *,
    price_cents: int,
    first_rent_cents: int,
    months: int,
    annual_rate: Decimal,
    option_price_cents: int,
    fees_cents: int = 0,
    insurance_monthly_cents: int = 0,
    insurance_required: bool = False,
) -> FinancingPlan:
    """LOA: ``first_rent_cents`` at signing, ``months`` rents, then the option to buy."""
    _check(price_cents, first_rent_cents, months, annual_rate, fees_cents)
    financed = price_cents - first_rent_cents
    if not 0 <= option_price_cents < financed:
        raise FinancingError(_("L'option d'achat doit être inférieure au montant financé."))
    monthly_rate = annual_rate / 1200
    rent = _level_payment(financed, option_price_cents, months, monthly_rate)
    schedule = _schedule(financed, option_price_cents, months, monthly_rate, rent)
    flows = [(row.month, row.payment_cents) for row in schedule]
    flows.append((months, option_price_cents))
    taeg, taea = _insurance(
        received=financed - fees_cents,
        flows=flows,
        months=months,
        monthly_cents=insurance_monthly_cents,
        required=insurance_required,
    )
    return FinancingPlan(
        kind="lease",
        price_cents=price_cents,
        down_payment_cents=first_rent_cents,
        financed_cents=financed,
        months=months,
        nominal_rate=annual_rate,
        monthly_payment_cents=rent,
        fees_cents=fees_cents,
        option_price_cents=option_price_cents,
        apr=taeg,
        schedule=schedule,
        insurance_monthly_cents=insurance_monthly_cents,
        insurance_required=insurance_required,
        taea=taea,
    )


@dataclass(frozen=True, slots=True)
class CreditDefaults:
    """What the simulator opens with and every representative example uses (settings)."""

    months: int
    down_payment_pct: int
    rate: Decimal
    insurance_pct_per_year: Decimal  # of the amount financed; 0: no insurance offered
    insurance_required: bool

    def insurance_monthly_cents(self, financed_cents: int) -> int:
        return _round_cents(Decimal(financed_cents) * self.insurance_pct_per_year / 1200)

    def down_payment_cents(self, price_cents: int) -> int:
        return price_cents * self.down_payment_pct // 100 // 100 * 100  # whole euros


def credit_defaults() -> CreditDefaults:
    raw: dict[str, Any] = getattr(settings, "CREDIT_DEFAULTS", {})
    return CreditDefaults(
        months=int(raw.get("months", 48)),
        down_payment_pct=int(raw.get("down_payment_pct", 20)),
        rate=Decimal(str(raw.get("rate", "4.90"))),
        insurance_pct_per_year=Decimal(str(raw.get("insurance_pct_per_year", "0"))),
        insurance_required=bool(raw.get("insurance_required", False)),
    )


def l314_6_usury_check(plan: FinancingPlan, *, day: dt.date) -> UsuryCeiling | None:
    """Refuse a loan whose TAEG reaches the usury ceiling of its amount on ``day`` (L314-6).

    L314-6 makes usurious a TAEG that « excède » the ceiling. Both figures are known here only to
    two decimals: ``plan.apr`` is rounded half-up, so a TAEG shown equal to the ceiling may be up
    to 0,005 point above it, which no one can tell from the figures. Equal is therefore refused:
    the one way to be sure a rate does not exceed the ceiling is to be below it.

    A lease (LOA) is not a loan: it is not checked. Returns the ceiling applied. A day whose
    ceiling is not published in our data (more than one quarter past the last one) is refused:
    the rate cannot be checked, so no loan is shown."""
    if plan.kind != "loan":
        return None
    try:
        ceiling = l314_6_ceiling(credit_cents=plan.financed_cents, day=day)
    except UsuryCeilingUnpublished as missing:
        raise FinancingError(
            gettext(
                "Le taux de l'usure du %(quarter)s n'est pas encore dans nos données (dernier "
                "connu : %(last)s) : nous ne pouvons pas vérifier ce crédit au regard de "
                "l'art. L314-6 du Code de la consommation. Réessayez après sa mise à jour."
            )
            % {"quarter": missing.day_quarter, "last": missing.last.label}
        ) from missing
    if ceiling is not None and plan.apr >= ceiling.rate:
        raise FinancingError(
            gettext(
                "Le TAEG de ce crédit (%(apr)s %%) atteint ou dépasse le taux de l'usure de "
                "%(ceiling)s %% "
                "(prêts %(category)s, %(quarter)s) : aucun prêteur ne peut le proposer "
                "(art. L314-6 du Code de la consommation). Baissez le taux ou les frais."
            )
            % {
                "apr": f"{plan.apr:.2f}".replace(".", ","),
                "ceiling": f"{ceiling.rate:.2f}".replace(".", ","),
                "category": ceiling.category,
                "quarter": ceiling.quarter.label,
            }
        )
    return ceiling


def representative_example(*, price_cents: int, day: dt.date | None = None) -> FinancingPlan | None:
    """The loan a credit advertisement shows as its representative example (L312-6 Code de la
    consommation), on the defaults of ``settings.CREDIT_DEFAULTS``: every monthly amount shown
    outside the simulator comes with all its figures (``orders/_credit_example.html``), the
    borrower insurance included (L312-7, D312-24).

    ``None`` when no lawful example exists on ``day`` (default: today), and then no page shows a
    monthly amount: the example's TAEG reaches the usury ceiling of its amount (L314-6, see
    ``l314_6_usury_check``), that ceiling is not in our data, or the defaults are not a loan any
    lender would grant (a typing mistake in settings). An advertisement may only describe a
    credit that can be granted on its terms (L312-6: the example must be « représentatif »)."""
    terms = credit_defaults()
    down = terms.down_payment_cents(price_cents)
    try:
        plan = loan_plan(
            price_cents=price_cents,
            down_payment_cents=down,
            months=terms.months,
            annual_rate=terms.rate,
            insurance_monthly_cents=terms.insurance_monthly_cents(price_cents - down),
            insurance_required=terms.insurance_required,
        )
        l314_6_usury_check(plan, day=day or timezone.localdate())
    except FinancingError:
        return None
    return plan

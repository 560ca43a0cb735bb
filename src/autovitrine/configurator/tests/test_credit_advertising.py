"""Credit advertising (Code de la consommation L312-5, L312-6, read at tricoteuses.fr,
LEGIARTI000052190112): a monthly amount shown outside the simulator is a representative example
with the borrowing rate, the total amount of credit, the TAEG, the duration, the number and
amount of instalments, the total due, the total cost, mandatory insurance if any, and the
sentence « Un crédit vous engage et doit être remboursé. Vérifiez vos capacités de
remboursement avant de vous engager. »; the TAEG is in larger type than any other rate."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from autovitrine.core.money import format_eur
from autovitrine.orders.financing import representative_example

from .test_pages import page

pytestmark = pytest.mark.django_db

SENTENCE = (
    "Un crédit vous engage et doit être remboursé. "
    "Vérifiez vos capacités de remboursement avant de vous engager."
)


def test_l312_6_the_example_adds_up():
    plan = representative_example(price_cents=3_000_000)  # settings.CREDIT_DEFAULTS

    assert plan.financed_cents == 2_400_000
    assert plan.total_due_cents == sum(row.payment_cents for row in plan.schedule)
    assert plan.credit_cost_cents == plan.total_due_cents - plan.financed_cents
    assert plan.apr >= Decimal("4.90")


def test_l312_6_the_configurator_monthly_amount_comes_with_every_mention(client, terra):
    html = page(client, [("trim", "gt"), ("engine", "phev225")])

    example = re.search(r'<div class="credit-example".*?</div>', html, re.S).group(0)
    monthly = re.search(r"mensualités de ([^.]+)\.", example).group(1)
    assert monthly in html.split('id="credit-example"')[0]  # the amount in the bar is the example's
    for mention in (
        "Exemple représentatif",
        "montant total du crédit",
        "48 mensualités",
        "TAEG fixe",
        "Taux débiteur fixe",
        "Montant total dû par l'emprunteur",
        "Coût total du crédit",
        "assurance emprunteur obligatoire",
        SENTENCE,
    ):
        assert mention in example, mention
    assert format_eur(0) not in monthly


def test_l312_6_the_taeg_is_in_larger_type_than_any_other_rate():
    css = Path(finders.find("configurator/configurator.css")).read_text(encoding="utf-8")

    taeg = re.search(r"\.credit-example \.credit-taeg \{ font-size: ([\d.]+)rem", css)
    body = re.search(r"\.credit-example \{ font-size: ([\d.]+)rem", css)
    assert float(taeg.group(1)) > float(body.group(1))

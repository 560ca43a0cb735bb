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
from autovitrine.pricing.financing import representative_example

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


@pytest.fixture
def usurious_defaults(settings):
    """A misconfigured brand rate: 12 % is over every ceiling of credits over 6 000 € in the data
    (8,56 % to 8,73 %, L314-6), so no example may be advertised for a new car."""
    settings.CREDIT_DEFAULTS = {"months": 48, "down_payment_pct": 20, "rate": "12.00"}


def test_l314_6_a_usurious_default_rate_shows_no_monthly_amount_in_the_configurator(
    client, terra, usurious_defaults
):
    html = page(client, [("trim", "gt"), ("engine", "phev225")])

    assert 'id="cfg-price"' in html  # the cash price is still there
    assert "/mois" not in html and "mensualités" not in html
    assert 'id="credit-example"' not in html and "TAEG" not in html


def test_l314_6_a_usurious_default_rate_gives_no_monthly_hint_in_the_api(
    client, terra, usurious_defaults
):
    body = client.get("/api/configurator/aurore-terra", {"c": ["trim:gt"]}).json()

    assert body["price"]["ttc"] > 0
    assert body["price"]["monthly_hint"] is None


def test_the_api_monthly_hint_is_the_examples_instalment(client, terra):
    body = client.get("/api/configurator/aurore-terra", {"c": ["trim:gt"]}).json()

    example = representative_example(price_cents=body["price"]["ttc"])
    assert body["price"]["monthly_hint"] == example.monthly_payment_cents > 0

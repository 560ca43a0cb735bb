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
    monthly = re.search(r'id="credit-instalments">\d+ mensualités de ([^<]+)<', example).group(1)
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


def _font_sizes(css_name: str) -> dict[str, float]:
    found = finders.find(css_name)
    assert isinstance(found, str), css_name
    css = Path(found).read_text(encoding="utf-8")
    return {
        selector: float(size)
        for selector, size in re.findall(
            r"^(\.credit-example[^{]*?) \{ font-size: ([\d.]+)rem", css, re.M
        )
    }


@pytest.mark.parametrize("css_name", ["configurator/configurator.css", "orders/orders.css"])
def test_l312_8_the_taeg_is_in_larger_type_than_any_other_rate(css_name):
    sizes = _font_sizes(css_name)

    assert sizes[".credit-example .credit-taeg"] > sizes[".credit-example"]


@pytest.mark.parametrize("css_name", ["configurator/configurator.css", "orders/orders.css"])
def test_l312_8_the_key_figures_are_larger_than_any_other_financing_information(css_name):
    """L312-8: « les informations relatives au taux annuel effectif global, à sa nature fixe,
    variable ou révisable, au montant total dû par l'emprunteur et au montant des échéances,
    ainsi que la mention indiquée à l'article L. 312-5, figurent dans une taille de caractère
    plus importante que celle utilisée pour indiquer toute autre information relative aux
    caractéristiques du financement »."""
    sizes = _font_sizes(css_name)

    assert sizes[".credit-example .credit-key"] > sizes[".credit-example"]
    assert sizes[".credit-example .credit-taeg"] >= sizes[".credit-example .credit-key"]


def test_l312_8_each_key_figure_is_in_the_larger_type_and_no_other_figure_is(client, terra):
    html = page(client, [("trim", "gt"), ("engine", "phev225")])
    example = re.search(r'<div class="credit-example".*?</div>', html, re.S).group(0)

    key = " ".join(re.findall(r'<p class="credit-key[^"]*">(.*?)</p>', example, re.S))
    body = re.sub(r'<p class="credit-key[^"]*">.*?</p>', "", example, flags=re.S)
    for mention in (
        "TAEG fixe",
        "48 mensualités de",
        "Montant total dû par l'emprunteur",
        SENTENCE,
    ):
        assert mention in key, mention
        assert mention not in body, mention
    for mention in ("Taux débiteur fixe", "montant total du crédit", "Coût total du crédit"):
        assert mention in body, mention
        assert mention not in key, mention


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
    assert body["price"]["credit_example"] is None


def test_the_api_monthly_hint_is_the_examples_instalment(client, terra):
    body = client.get("/api/configurator/aurore-terra", {"c": ["trim:gt"]}).json()

    example = representative_example(price_cents=body["price"]["ttc"])
    assert body["price"]["monthly_hint"] == example.monthly_payment_cents > 0


def test_l312_6_the_api_gives_the_monthly_hint_with_every_figure_of_its_example(client, terra):
    """L312-6: a monthly amount given to a page or an app comes with its representative example:
    the borrowing rate, the total amount of credit, the TAEG, the duration, the total due and
    the instalments, and the sentence of L312-5."""
    price = client.get("/api/configurator/aurore-terra", {"c": ["trim:gt"]}).json()["price"]

    example = price["credit_example"]
    plan = representative_example(price_cents=price["ttc"])
    assert example["instalment"] == price["monthly_hint"] == plan.monthly_payment_cents
    assert example["price"] == price["ttc"]
    assert example["total_credit"] == plan.financed_cents
    assert example["months"] == plan.months
    assert example["taeg"] == f"{plan.apr:.2f}"
    assert example["borrowing_rate"] == f"{plan.nominal_rate:.2f}"
    assert example["total_due"] == plan.total_due_cents
    assert example["credit_cost"] == plan.credit_cost_cents
    assert example["mandatory_sentence"] == SENTENCE

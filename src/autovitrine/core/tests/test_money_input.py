"""Typed amounts (issue 10, « Numbers »): only ASCII digits are read as an amount, and an amount
no money column can store is refused as typed, with a French message, never a 500."""

from __future__ import annotations

import ast
import html
from pathlib import Path

import pytest
from django.urls import reverse

from autovitrine.core.money import MAX_STORABLE_CENTS, AmountTooLarge, parse_eur_to_cents


@pytest.mark.parametrize(
    "typed",
    [
        "２４９９０",  # full-width
        "٢٤٩٩٠",  # Arabic-Indic
        "２４ ９９０,５０ €",
        "24９90",
        "²⁴",
    ],
)
def test_digits_of_other_scripts_are_not_an_amount(typed):
    with pytest.raises(ValueError):
        parse_eur_to_cents(typed)


def test_the_largest_storable_amount_is_accepted_and_one_cent_more_is_too_large():
    assert parse_eur_to_cents("21 474 836,47") == MAX_STORABLE_CENTS
    with pytest.raises(AmountTooLarge):
        parse_eur_to_cents("21 474 836,48")
    with pytest.raises(AmountTooLarge):
        parse_eur_to_cents("9" * 5000)


def text(response) -> str:
    return html.unescape(response.content.decode()).replace("\u202f", " ").replace("\xa0", " ")


def test_no_page_form_reads_numbers_with_djangos_own_fields():
    """Generic: every form's number field is ``core.forms``' ASCII-only one (a form added later
    with ``forms.IntegerField`` would take « ２０２０ » again); only ``core/forms.py`` may build on
    Django's."""
    src = Path(__file__).resolve().parents[2]  # src/autovitrine
    offenders = []
    for path in src.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts or path == src / "core" / "forms.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in {"IntegerField", "DecimalField", "FloatField"}
                and isinstance(node.value, ast.Name)
                and node.value.id == "forms"
            ):
                offenders.append(f"{path.relative_to(src)}:{node.lineno}: forms.{node.attr}")
    assert offenders == []


@pytest.mark.django_db
def test_the_financing_simulator_refuses_full_width_and_huge_prices_in_french(client):
    url = reverse("orders:financing")
    loan = {"kind": "loan", "months": "48", "rate": "4,90"}

    wide = client.get(url, {**loan, "price": "２４９９０"})
    huge = client.get(url, {**loan, "price": "99 999 999 999"})

    assert wide.status_code == huge.status_code == 400  # the form again, with its error
    assert "Saisissez un montant en euros" in text(wide)
    assert "Montant trop élevé : 21 474 836 € au plus." in text(huge)
    assert 'id="monthly-payment"' not in text(wide) + text(huge)


@pytest.mark.parametrize("typed", ["２０２０", "٢٠٢٠", "20２0"])
def test_a_count_in_other_scripts_digits_is_refused_by_every_page_forms_integer_field(typed):
    from django.forms import ValidationError

    from autovitrine.core.forms import DecimalField, IntegerField

    field = IntegerField(min_value=1)
    with pytest.raises(ValidationError) as exc:
        field.clean(typed)
    assert exc.value.code == "invalid"
    assert field.clean("2020") == 2020
    with pytest.raises(ValidationError):
        DecimalField().clean("４,９")


@pytest.mark.django_db
def test_the_simulator_refuses_a_full_width_duration_in_french(client):
    response = client.get(
        reverse("orders:financing"),
        {"kind": "loan", "price": "20 000", "months": "４８", "rate": "4,90"},
    )
    page = text(response)
    assert response.status_code == 400
    assert "Saisissez un nombre entier." in page
    assert 'id="monthly-payment"' not in page

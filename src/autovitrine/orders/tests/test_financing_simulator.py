"""The financing simulator never shows a stale or broken result (issue 14): opened from a car
it is pre-filled and shows a result at once; an invalid input shows its French error in place
and no result; the usury ceiling (L314-6) refuses a loan; borrower insurance is shown."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def text(response) -> str:
    return html.unescape(response.content.decode()).replace("\u202f", " ").replace("\xa0", " ")


def test_opened_from_a_car_it_is_prefilled_with_the_brands_defaults_and_shows_a_result(
    client, vehicle, settings
):
    settings.CREDIT_DEFAULTS = {
        "months": 48,
        "down_payment_pct": 20,
        "rate": "4.90",
        "insurance_pct_per_year": "0.30",
        "insurance_required": False,
    }

    response = client.get(reverse("orders:financing"), {"vehicule": vehicle.pk})

    page = text(response)
    assert response.status_code == 200
    assert 'value="24900"' in page  # the car's price
    assert 'value="4980"' in page  # 20 % down payment
    assert 'value="4,90"' in page  # the brand's rate
    assert 'id="monthly-payment"' in page and "48 mensualités de" in page
    assert "hors assurance facultative" in page
    assert "4,98 € par mois" in page  # 19 920 € × 0,30 % / 12
    assert vehicle.make in page


def test_opened_bare_it_shows_the_form_and_no_result(client):
    page = text(client.get(reverse("orders:financing")))
    assert 'id="financing-form"' in page and 'id="monthly-payment"' not in page


def test_an_invalid_input_clears_the_result_and_shows_its_error_in_place(client):
    # Given a valid answer first
    valid = {"kind": "loan", "price": "10 000", "months": "12", "rate": "5"}
    assert 'id="monthly-payment"' in text(client.get(reverse("orders:financing"), valid, **HTMX))

    # When the duration becomes invalid (htmx request)
    response = client.get(reverse("orders:financing"), {**valid, "months": "0"}, **HTMX)

    # Then htmx swaps it (200), with no result and the error next to the duration field
    page = text(response)
    assert response.status_code == 200
    assert 'id="monthly-payment"' not in page
    assert 'id="error-months" hx-swap-oob="true">' in page
    error = page.split('id="error-months" hx-swap-oob="true">')[1].split("</p>")[0]
    assert "supérieure ou égale à 1" in error
    # and the other fields' error paragraphs are emptied
    assert 'id="error-price" hx-swap-oob="true"></p>' in page


def test_a_refused_loan_shows_why_in_french_and_no_result(client):
    response = client.get(
        reverse("orders:financing"),
        {"kind": "loan", "price": "10 000", "down_payment": "12 000", "months": "12", "rate": "5"},
        **HTMX,
    )
    page = text(response)
    assert response.status_code == 200
    assert "L'apport doit être inférieur au prix du véhicule." in page
    assert 'id="monthly-payment"' not in page


def test_l314_6_the_simulator_refuses_a_rate_over_the_usury_ceiling(client):
    """L314-6: a loan whose TAEG exceeds the ceiling is usurious: no lender may offer it."""
    response = client.get(
        reverse("orders:financing"),
        {"kind": "loan", "price": "20 000", "months": "48", "rate": "12"},
    )
    page = text(response)
    assert response.status_code == 400
    assert "taux de l'usure" in page and "L314-6" in page
    assert 'id="monthly-payment"' not in page


@pytest.fixture
def on_day(monkeypatch):
    """The simulator checks the loan on the day it is asked (``timezone.localdate``)."""

    def set_day(day: dt.date) -> None:
        monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: day)

    return set_day


LOAN = {"kind": "loan", "price": "20 000", "months": "48", "rate": "4,90"}


def test_the_usury_ceiling_applied_is_shown_with_the_result(client, on_day):
    on_day(dt.date(2026, 2, 10))
    page = text(client.get(reverse("orders:financing"), LOAN))
    assert 'id="usury"' in page and "8,67 %" in page and "T1 2026" in page
    assert 'id="usury-stale"' not in page


def test_l314_6_the_ceiling_of_the_fourth_quarter_2026_applies_from_1_october(client, on_day):
    """Avis du 25 septembre 2026: loans over 6 000 €, « seuil de l'usure applicable à compter du
    1er octobre 2026 » 8,56 %."""
    on_day(dt.date(2026, 10, 1))
    page = text(client.get(reverse("orders:financing"), LOAN))
    assert "8,56 %" in page and "T4 2026" in page and 'id="usury-stale"' not in page


def test_l314_6_a_quarter_not_yet_entered_shows_the_last_published_ceiling_and_says_so(
    client, on_day
):
    on_day(dt.date(2027, 1, 4))
    page = text(client.get(reverse("orders:financing"), LOAN))
    assert 'id="monthly-payment"' in page
    assert 'id="usury-stale"' in page
    assert "le seuil du T1 2027 n'est pas encore dans nos données" in page
    assert "celui du T4 2026, dernier publié, est appliqué" in page


def test_l314_6_a_loan_is_refused_when_the_ceilings_are_more_than_a_quarter_behind(client, on_day):
    on_day(dt.date(2027, 5, 3))
    response = client.get(reverse("orders:financing"), LOAN)
    page = text(response)
    assert response.status_code == 400
    assert "Le taux de l'usure du T2 2027 n'est pas encore dans nos données" in page
    assert 'id="monthly-payment"' not in page


def test_required_insurance_is_entered_and_counts_in_the_taeg(client):
    base = {"kind": "loan", "price": "20 000", "months": "48", "rate": "4,90", "insurance": "10"}
    optional = text(client.get(reverse("orders:financing"), base))
    required = text(client.get(reverse("orders:financing"), {**base, "insurance_required": "on"}))

    def taeg(page: str) -> str:
        return page.split('id="apr"')[1].split("</strong>")[0]

    assert taeg(optional) != taeg(required)
    assert "Assurance emprunteur obligatoire" in required
    assert "10,00 € par mois, 480,00 € au total" in required

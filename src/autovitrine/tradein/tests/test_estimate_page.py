"""The trade-in page: an itemized estimate for anyone, saved for a signed-in buyer."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse
from django.utils import timezone

from autovitrine.testing import factories as f
from autovitrine.tradein.models import TradeIn

from .factories import default_rule

URL = reverse("tradein:estimate")


def text(response) -> str:
    return html.unescape(response.content.decode())


def car(**changes) -> dict[str, str]:
    data = {
        "make": "Peugeot",
        "model_label": "308",
        "segment": "hatch",
        "energy": "diesel",
        "year": str(timezone.localdate().year - 7),
        "mileage_km": "85000",
        "condition": "good",
        "plate": "AB-123-CD",
        "vin": "",
        "idempotency_key": "ti-1",
        "action": "estimate",
    }
    data.update(changes)
    return data


@pytest.fixture(autouse=True)
def rule(db):
    return default_rule()


def test_anyone_gets_an_itemized_estimate(client):
    # When
    response = client.post(URL, car())

    # Then
    page = text(response)
    assert response.status_code == 200
    assert "Prix de référence de la catégorie « compacte », véhicule neuf" in page
    assert "Énergie : Diesel (×0,95)" in page
    assert 'id="estimate-total">12\u202f165\u00a0€' in page
    # ± 13 %: only the segment is known
    assert (
        "Entre <strong>10\u202f600\u00a0€</strong> et <strong>13\u202f700\u00a0€</strong>" in page
    )
    assert "L'âge (7 ans)" in page  # the main factors, in words
    assert not TradeIn.objects.exists()


def test_absurd_figures_are_refused_in_french(client):
    # When
    response = client.post(URL, car(mileage_km="2000000", year=str(timezone.localdate().year + 1)))

    # Then
    page = text(response)
    assert response.status_code == 400
    assert "Kilométrage invraisemblable : saisissez un nombre entre 0 et 999 999 km." in page
    assert "L'année ne peut pas être dans le futur" in page


def test_saving_requires_signing_in(client):
    # When
    response = client.post(URL, car(action="save"))

    # Then
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/")
    assert not TradeIn.objects.exists()


def test_a_buyer_saves_the_trade_in_with_photos_and_goes_back_to_the_order(client_as):
    # Given
    client, user = client_as("customer")

    # When
    response = client.post(
        URL,
        {
            **car(action="save", retour="/commandes/AV-TEST0001/"),
            "photos": [f.png_upload(), f.png_upload()],
        },
    )

    # Then
    trade_in = TradeIn.objects.get()
    assert response["Location"] == f"/commandes/AV-TEST0001/?reprise={trade_in.pk}"
    assert (trade_in.customer, trade_in.photos.count(), trade_in.estimate_cents) == (
        user,
        2,
        1_216_500,
    )


def test_a_foreign_return_address_is_ignored(client_as):
    # Given
    client, _ = client_as("customer")

    # When
    response = client.post(URL, car(action="save", retour="https://evil.example/"))

    # Then
    assert response["Location"] == URL

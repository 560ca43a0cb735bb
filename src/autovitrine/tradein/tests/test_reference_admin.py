"""Head office records the reference new prices trade-in estimates start from, in the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from autovitrine.tradein.models import ReferencePrice

URL = reverse("admin:tradein_referenceprice_add")


def form(**changes: str) -> dict[str, str]:
    return {
        "segment": "city",
        "make": "Renault",
        "model_label": "Clio",
        "version_label": "",
        "new_price_cents": "1890000",
        "source": "Tarif Renault 2021",
        "is_active": "on",
        **changes,
    }


def test_head_office_adds_a_model_reference_price(db, client_as):
    client, _ = client_as("head_office")

    response = client.post(URL, form())

    assert response.status_code == 302
    price = ReferencePrice.objects.get(make="Renault")
    assert (price.model_label, price.new_price_cents) == ("Clio", 1_890_000)


def test_a_version_needs_its_model_in_french(db, client_as):
    client, _ = client_as("head_office")

    response = client.post(URL, form(model_label="", version_label="TCe 90"))

    assert response.status_code == 200
    assert "Une version se rattache à un modèle." in response.content.decode()
    assert not ReferencePrice.objects.filter(make="Renault").exists()


@pytest.mark.parametrize("role", ["customer", "dealer_staff"])
def test_others_cannot_edit_reference_prices(db, client_as, role):
    client, _ = client_as(role)

    response = client.post(URL, form())

    assert response.status_code in (302, 403)
    assert not ReferencePrice.objects.filter(make="Renault").exists()

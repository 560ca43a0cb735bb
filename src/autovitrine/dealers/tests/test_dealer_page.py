"""A dealer's public page: contact, hours, services, map, its stock, the lead form; 404s."""

from __future__ import annotations

import pytest
from django.urls import reverse

from autovitrine.testing import factories as f
from autovitrine.web.tests.page_text import between, visible_text


def page_url(code: str) -> str:
    return reverse("dealers:detail", kwargs={"code": code})


def test_the_page_gives_contact_hours_services_map_and_stock(client, db):
    # Given a dealer without a workshop
    dealer = f.DealerFactory(code="aurore-lyon-7", name="Aurore Lyon Gerland", has_workshop=False)

    # When
    response = client.get(page_url("aurore-lyon-7"))

    # Then
    assert response.status_code == 200
    html = response.content.decode()
    text = visible_text(html)
    assert text.count("Aurore Lyon Gerland") >= 2
    contact = visible_text(between(html, 'id="contact-title"', "</section>"))
    assert contact == (
        "Coordonnées 12 avenue Jean Jaurès 69007 Lyon "
        f"Téléphone : 04 72 00 00 00 E-mail : {dealer.email} "
        "Voir sur la carte (OpenStreetMap) (nouvel onglet)"
    )
    assert 'href="tel:0472000000"' in html
    assert f'href="mailto:{dealer.email}"' in html
    assert (
        'href="https://www.openstreetmap.org/?mlat=45.74850&amp;mlon=4.84670#map=16/45.74850/4.84670"'
        in html
    )
    assert (
        "Horaires d'ouverture lundi – samedi : 9 h – 12 h 30, 14 h – 19 h dimanche : fermé" in text
    )
    assert "Services Neuf Occasion Voir les véhicules en stock" in text
    assert 'href="/stock/?dealer=aurore-lyon-7"' in html


def test_the_page_carries_the_lead_form_addressed_to_the_dealer(client, dealer):
    # When
    html = client.get(page_url(dealer.code)).content.decode()

    # Then
    box = between(html, 'id="lead-form-title"', "</form>")
    assert (
        f"Contacter la concession Votre demande est envoyée à {dealer.name}, "
        "qui vous répond directement."
    ) in visible_text(box)
    assert 'action="/demandes/nouvelle/"' in box
    assert 'name="dealer"' in box
    assert 'name="csrfmiddlewaretoken"' in box


def test_a_dealer_without_published_hours_says_so(client, db):
    # Given
    dealer = f.DealerFactory(hours=False)

    # When
    text = visible_text(client.get(page_url(dealer.code)))

    # Then
    assert (
        "Horaires d'ouverture Horaires non communiqués : appelez la concession avant de venir."
        in text
    )


@pytest.mark.parametrize("code", ["inconnue", "fermee"])
def test_an_unknown_or_closed_down_dealer_is_not_found(client, db, code):
    # Given
    f.DealerFactory(code="fermee", is_active=False)

    # When
    response = client.get(page_url(code))

    # Then
    assert response.status_code == 404

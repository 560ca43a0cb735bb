"""Suggestions of communes and postcodes while a place is typed (htmx fragment)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

SUGGEST_URL = reverse("web:place_suggestions")


def suggested(response) -> list[str]:
    return re.findall(r'data-place="([^"]*)"', response.content.decode())


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("Villeurbane", "Villeurbanne (69100)"),
        ("Lyonn", "Lyon (69001)"),
        ("9740", "Saint-Denis (97400)"),
        ("Paris 15", "Paris 15e Arrondissement (75015)"),
        ("Marseille 8e", "Marseille 8e Arrondissement (13008)"),
        ("dunk", "Dunkerque (59140)"),
    ],
)
def test_what_is_typed_is_suggested_first(client, typed, first):
    response = client.get(SUGGEST_URL, {"place": typed}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert suggested(response)[0] == first
    assert len(suggested(response)) <= 6
    assert response["Cache-Control"] == "public, max-age=86400"


@pytest.mark.parametrize("typed", ["", "l", "zzzzqqqq", "x" * 101])
def test_too_little_or_nonsense_suggests_nothing(client, typed):
    response = client.get(SUGGEST_URL, {"place": typed})

    assert response.status_code == 200
    assert suggested(response) == []


def test_a_picked_suggestion_searches_from_that_very_commune(client, db):
    # « L'Abergement-Clémenciat (01400) » shares its postcode with bigger communes.
    response = client.get(reverse("inventory:search"), {"place": "L'Abergement-Clémenciat (01400)"})

    assert response.status_code == 200
    assert response.context["origin_label"] == "L'Abergement-Clémenciat (01400)"

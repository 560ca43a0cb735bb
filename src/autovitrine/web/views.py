"""The home page: search near me, the model range, the way to the dealer network."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from autovitrine.catalog.selectors import published_models
from autovitrine.core.forms import NearPlaceForm
from autovitrine.core.places import suggest_places

PLACE_SUGGESTIONS = 6


def home(request: HttpRequest) -> HttpResponse:
    context = {"car_models": list(published_models()), "form": NearPlaceForm(label_suffix="")}
    return render(request, "web/home.html", context)


def place_suggestions(request: HttpRequest) -> HttpResponse:
    """Communes and postcodes for what is typed in a place field (htmx, while typing)."""
    typed = request.GET.get("place", "")
    places = suggest_places(typed, limit=PLACE_SUGGESTIONS) if len(typed) <= 100 else []
    response = render(request, "web/_place_suggestions.html", {"places": places})
    response["Cache-Control"] = "public, max-age=86400"  # the same for everyone, all day
    return response

"""The home page: search near me, the model range, the way to the dealer network."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from autovitrine.catalog.selectors import published_models


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"car_models": list(published_models())})

"""The home page: search near me, the model range, the way to the dealer network."""

from __future__ import annotations

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponsePermanentRedirect,
    HttpResponseServerError,
    JsonResponse,
)
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.utils.translation import gettext as _

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


# The last resort when even the styled page cannot render (static files missing, templates broken).
PLAIN_SERVER_ERROR = (
    '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Erreur du serveur</title>'
    "</head><body><h1>Un problème est survenu de notre côté</h1><p>Réessayez dans quelques "
    'instants.</p><p><a href="/">Retour à l\'accueil</a></p></body></html>'
)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page, rendered without the request: no context processor, session or database
    (any of which may be what failed)."""
    try:
        html = loader.get_template("500.html").render()
    except Exception:  # noqa: BLE001  # the error page itself must never fail
        html = PLAIN_SERVER_ERROR
    return HttpResponseServerError(html)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 400 Django gives for a request it cannot read (a multipart body without a valid
    boundary, a host not in ``ALLOWED_HOSTS``, any ``SuspiciousOperation``): the API's error
    envelope under /api/, a short French page elsewhere. Rendered without the request's context
    (the host itself may be what is wrong)."""
    message = _("Demande illisible : elle est mal formée.")
    if request.path.startswith("/api/"):
        body = {"error": {"code": "bad_request", "message": message, "details": []}}
        return JsonResponse(body, status=400)
    html = loader.render_to_string("web/refused.html", {"status": 400, "message": message})
    return HttpResponseBadRequest(html)


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, for the browsers that ignore ``<link rel="icon">``: the SVG (its hashed name
    in production, resolved per request since the manifest exists only after collectstatic)."""
    return HttpResponsePermanentRedirect(static("web/favicon.svg"))

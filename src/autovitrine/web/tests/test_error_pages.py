"""Error pages in production mode (DEBUG off): 403, 404 and 500 in French with the site's style;
the 500 page renders even when what the other pages need (context processors) is broken."""

from __future__ import annotations

import html

import pytest
from django.urls import path, reverse

from autovitrine.web.views import server_error


def failing_view(request):
    raise RuntimeError("boom")


urlpatterns = [path("panne/", failing_view)]
handler500 = "autovitrine.web.views.server_error"


def page_text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture(autouse=True)
def production_mode(settings):
    settings.DEBUG = False


def assert_site_styled(page: str) -> None:
    assert '<html lang="fr">' in page
    assert "/static/web/site.css" in page
    assert "/static/web/favicon.svg" in page
    assert 'class="site-header"' in page
    assert "Retour à l'accueil" in page


def test_an_unknown_page_is_a_french_404_in_the_site_style(client, db):
    response = client.get("/cette-page-n-existe-pas/")

    assert response.status_code == 404
    page = page_text(response)
    assert_site_styled(page)
    assert "Page introuvable" in page
    assert "Modèles" in page  # the site's navigation, as on every page


def test_a_staff_account_on_a_buyers_page_is_a_french_403_in_the_site_style(client_as):
    client, _ = client_as("dealer_staff")

    response = client.get(reverse("orders:list"))

    assert response.status_code == 403
    page = page_text(response)
    assert_site_styled(page)
    assert "Accès refusé" in page


@pytest.mark.urls(__name__)
def test_a_crash_is_a_french_500_in_the_site_style(client, db):
    client.raise_request_exception = False

    response = client.get("/panne/")

    assert response.status_code == 500
    page = page_text(response)
    assert_site_styled(page)
    assert "Un problème est survenu de notre côté" in page
    assert "boom" not in page


def test_the_500_page_needs_no_context_processor(rf, settings):
    # Given every page's context processors broken (e.g. the database is down)
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {"context_processors": ["autovitrine.web.tests.test_error_pages.broken"]},
        }
    ]

    # When
    response = server_error(rf.get("/"))

    # Then
    assert response.status_code == 500
    assert "Un problème est survenu de notre côté" in page_text(response)


def broken(request):
    raise RuntimeError("context processor down")


def test_the_favicon_is_served_and_linked(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("/static/web/favicon.svg")
    assert 'rel="icon"' in page_text(client.get("/"))

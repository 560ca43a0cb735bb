"""Similar ideas while typing: French full text without accents, trigram on PostgreSQL; FTS5."""

from __future__ import annotations

import html
import re

import pytest

from autovitrine.community import selectors
from autovitrine.community.models import Idea

from .conftest import make_idea, make_member


def test_similar_titles_come_first_accents_and_plurals_aside(ideas_campaign):
    roof = make_idea(ideas_campaign, title="Un toit panoramique ouvrant")
    seats = make_idea(ideas_campaign, title="Sièges chauffants à l'arrière")
    make_idea(ideas_campaign, title="Une application pour la recharge")
    hidden = make_idea(ideas_campaign, title="Toit panoramique noir", hidden=True)

    found = selectors.similar_ideas(campaign=ideas_campaign, title="toit panoramique")
    assert found[0] == roof
    assert hidden not in found
    # Accents ignored: "siege chauffant" finds "Sièges chauffants"
    assert seats in selectors.similar_ideas(campaign=ideas_campaign, title="siege chauffant")


def test_the_author_sees_five_at_most(ideas_campaign):
    author = make_member(ideas_campaign)
    for i in range(8):
        make_idea(ideas_campaign, author=author, title=f"Jantes alliage modèle {i}")
    assert len(selectors.similar_ideas(campaign=ideas_campaign, title="jantes alliage")) == 5


def test_the_suggestions_fragment(client, ideas_campaign):
    make_idea(ideas_campaign, title="Volant chauffant")
    response = client.get(
        f"/communaute/{ideas_campaign.slug}/similaires/", {"title": "volant chauffant"}
    )
    assert response.status_code == 200
    assert "Volant chauffant" in response.content.decode()
    empty = client.get(f"/communaute/{ideas_campaign.slug}/similaires/", {"title": "%%'\""})
    assert empty.status_code == 200
    assert Idea.objects.count() == 1


@pytest.mark.postgres
def test_a_typo_still_finds_the_idea_and_the_closest_comes_first(ideas_campaign):
    # PostgreSQL: trigrams (read by distance from the GiST index) catch what full text misses
    seats = make_idea(ideas_campaign, title="Sièges chauffants à l'arrière")
    wheel = make_idea(ideas_campaign, title="Volant chauffant")
    for i in range(12):
        make_idea(ideas_campaign, title=f"Jantes alliage modèle {i}")
    found = selectors.similar_ideas(campaign=ideas_campaign, title="siège chaufant arrire")
    assert found[0] == seats
    assert wheel in selectors.similar_ideas(campaign=ideas_campaign, title="volan chauffan")
    # Full text alone (stemmed, no accents) still ranks: the plural of a word found
    assert selectors.similar_ideas(campaign=ideas_campaign, title="jantes")[0].title.startswith(
        "Jantes"
    )


def test_too_many_suggestion_requests_get_a_fragment_saying_how_long_to_wait(
    client, ideas_campaign
):
    """Issue 10: a 429 says in French how long to wait and carries ``Retry-After``; here as the
    fragment the form swaps in (``data-swap-429``), not an empty answer."""
    url = f"/communaute/{ideas_campaign.slug}/similaires/"
    for _ in range(120):
        assert client.get(url, {"title": "to"}).status_code == 200

    refused = client.get(url, {"title": "toit"})

    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    body = html.unescape(refused.content.decode())
    assert "<html" not in body
    assert 'data-testid="similar-refused"' in body
    assert "Trop de recherches d'idées proches : réessayez dans" in body
    # The title field asking for suggestions lets its 429 fragment be shown.
    client.force_login(make_member(ideas_campaign).user)
    page = client.get(f"/communaute/{ideas_campaign.slug}/proposer/").content.decode()
    assert re.search(r'<input[^>]*name="title"[^>]*data-swap-429', page, re.S)

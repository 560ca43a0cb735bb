"""Issue 10 in a browser: past the similar-ideas limit, the form shows in French how long to
wait (a 429 fragment htmx swaps in through ``data-swap-429``, web/site.js), instead of nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from autovitrine.community import services
from autovitrine.community.models import Campaign
from autovitrine.testing import factories as f

from .test_community_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_too_many_suggestions_say_how_long_to_wait(new_phone, granian_server):
    now = timezone.now()
    campaign = Campaign.objects.create(
        slug="terra-limites", title="La Terra", theme="Vos idées.",
        car_model=f.CarModelFactory(code="aurore-terra-l", name="Terra"),
        ideas_open_at=now - dt.timedelta(days=1), votes_open_at=now + dt.timedelta(days=10),
        results_at=now + dt.timedelta(days=20), closed_at=now + dt.timedelta(days=30),
    )  # fmt: skip
    member = f.UserFactory(email="pressee@example.fr")
    services.campaign_join(
        campaign=campaign,
        collaborator=services.collaborator_save(user=member, public_name="Pressée"),
        accept_terms=True,
        accept_licence=True,
    )
    page = new_phone()
    sign_in(page, "pressee@example.fr", f"/communaute/{campaign.slug}/proposer/")
    # The page's own address uses up the window's 120 suggestions.
    for _ in range(120):
        assert page.request.get(f"/communaute/{campaign.slug}/similaires/?title=to").status == 200

    with page.expect_response(lambda r: "similaires" in r.url) as answer:
        page.locator("#id_title").press_sequentially("toit", delay=30)
    assert answer.value.status == 429

    refused = page.locator("[data-testid=similar-refused]")
    expect(refused).to_contain_text("Trop de recherches d'idées proches : réessayez dans")

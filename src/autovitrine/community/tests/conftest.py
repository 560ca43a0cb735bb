"""Community fixtures: a campaign in each phase, members with public profiles."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from autovitrine.community import services
from autovitrine.community.models import Campaign, Membership
from autovitrine.testing import factories as f

_names = itertools.count(1)


def make_campaign(phase: str = "votes", **extra) -> Campaign:
    now = timezone.now()
    day = dt.timedelta(days=1)
    starts = {
        "upcoming": now + day,
        "ideas": now - day,
        "votes": now - 3 * day,
        "results": now - 5 * day,
        "closed": now - 7 * day,
    }[phase]
    gaps = {"ideas": (10, 20, 30), "votes": (2, 20, 30), "results": (2, 4, 30), "closed": (2, 4, 6)}
    a, b, c = gaps.get(phase, (10, 20, 30))
    fields = {
        "slug": f"campagne-{next(_names)}",
        "title": "Votre citadine idéale",
        "theme": "Imaginez la citadine de demain.",
        "rules": "Soyez courtois.",
        "ideas_open_at": starts,
        "votes_open_at": starts + a * day,
        "results_at": starts + b * day,
        "closed_at": starts + c * day,
    }
    fields.update(extra)
    return Campaign.objects.create(**fields)


def make_member(campaign: Campaign | None = None, name: str | None = None, **user):
    account = f.UserFactory(**user)
    collaborator = services.collaborator_save(
        user=account, public_name=name or f"membre{next(_names)}"
    )
    if campaign is not None:
        Membership.objects.create(  # joined earlier, whatever the phase now
            campaign=campaign,
            collaborator=collaborator,
            terms_version=campaign.terms_version,
            licence=campaign.licence,
            licence_version=campaign.licence_version,
        )
    return collaborator


def make_idea(campaign: Campaign, author=None, title: str = "Un toit ouvrant panoramique", **extra):
    """An idea written while the campaign takes ideas, whatever its phase now."""
    from autovitrine.community.models import Idea

    author = author or make_member(campaign)
    body = extra.pop("body", "Un grand toit vitré qui s'ouvre, pour la lumière.")
    return Idea.objects.create(
        campaign=campaign,
        author=author,
        title=title,
        body=body,
        body_html=body,
        category=extra.pop("category", "design"),
        **extra,
    )


@pytest.fixture
def votes_campaign(db):
    return make_campaign("votes")


@pytest.fixture
def ideas_campaign(db):
    return make_campaign("ideas")

"""The demo community loads once: a campaign with ideas, votes, comments, a merge, statuses."""

from __future__ import annotations

from autovitrine.community.models import Campaign, Comment, Idea, Vote
from autovitrine.demo.community import load_community


def test_the_demo_community_loads_once(head_office):
    assert load_community() > 0
    campaign = Campaign.objects.get()
    assert Idea.objects.filter(campaign=campaign).count() == 24
    assert Idea.objects.filter(status="merged").count() == 2
    assert Idea.objects.filter(status="adopted").exists()
    assert Vote.objects.exists() and Comment.objects.filter(parent__isnull=False).exists()
    for idea in Idea.objects.all():
        assert idea.vote_count == idea.votes.count()
    before = (Idea.objects.count(), Vote.objects.count(), Comment.objects.count())
    assert load_community() == 0
    assert (Idea.objects.count(), Vote.objects.count(), Comment.objects.count()) == before

"""Merging duplicates: votes moved without double counting, comments and followers moved."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autovitrine.community import services
from autovitrine.community.models import Comment, Follow, Idea, Notification, Vote

from .conftest import make_campaign, make_idea, make_member


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    on_source=st.sets(st.integers(0, 11), max_size=12),
    on_target=st.sets(st.integers(0, 11), max_size=12),
)
def test_a_merge_keeps_one_vote_per_voter(head_office, on_source, on_target):
    # Given twelve members voting on two duplicates, some on both
    campaign = make_campaign("votes")
    source, target = make_idea(campaign), make_idea(campaign, title="Toit vitré ouvrant")
    members = [make_member(campaign) for _ in range(12)]
    for i in on_source:
        services.idea_vote(idea_id=source.pk, voter=members[i])
    for i in on_target:
        services.idea_vote(idea_id=target.pk, voter=members[i])

    # When
    merged = services.idea_merge(source=source, target=target, by=head_office)

    # Then every voter of either keeps exactly one vote, on the target
    expected = {members[i].pk for i in on_source | on_target}
    voters = list(Vote.objects.filter(idea=target).values_list("voter_id", flat=True))
    assert sorted(voters) == sorted(expected)
    assert merged.vote_count == len(expected)
    assert not Vote.objects.filter(idea=source).exists()
    source.refresh_from_db()
    assert (source.status, source.merged_into_id, source.vote_count) == ("merged", target.pk, 0)


def test_comments_and_followers_move_and_voters_are_told(votes_campaign, head_office, client):
    source, target = make_idea(votes_campaign), make_idea(votes_campaign, title="Toit vitré")
    voter, follower = make_member(votes_campaign), make_member(votes_campaign)
    services.idea_vote(idea_id=source.pk, voter=voter)
    services.idea_follow(idea=source, collaborator=follower)
    services.idea_follow(idea=target, collaborator=follower)  # follows both: one follow left
    comment = services.comment_create(idea=source, author=voter, body="Oui, indispensable !")

    services.idea_merge(source=source, target=target, by=head_office)

    assert Comment.objects.get(pk=comment.pk).idea_id == target.pk
    assert Follow.objects.filter(idea=target, collaborator=follower).count() == 1
    assert not Follow.objects.filter(idea=source).exists()
    target.refresh_from_db()
    assert target.comment_count == 1
    told = Notification.objects.get(recipient=voter, kind="merged")
    assert told.idea_id == target.pk
    # The merged idea's page redirects to the one that stays
    response = client.get(f"/communaute/idees/{source.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/communaute/idees/{target.pk}/"


def test_only_moderators_merge(votes_campaign, customer):
    source, target = make_idea(votes_campaign), make_idea(votes_campaign)
    with pytest.raises(PermissionDenied):
        services.idea_merge(source=source, target=target, by=customer)
    assert Idea.objects.get(pk=source.pk).status == "new"

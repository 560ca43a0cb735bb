"""One vote per account per idea, during the vote phase; un-vote; exact counters; trending."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from autovitrine.community import services
from autovitrine.community.models import Idea, Vote
from autovitrine.testing.concurrency import race

from .conftest import make_campaign, make_idea, make_member


def test_a_member_votes_once_and_can_withdraw(votes_campaign):
    # Given
    idea = make_idea(votes_campaign)
    voter = make_member(votes_campaign)

    # When / Then
    assert services.idea_vote(idea_id=idea.pk, voter=voter) is True
    assert services.idea_vote(idea_id=idea.pk, voter=voter) is False
    idea.refresh_from_db()
    assert idea.vote_count == 1
    assert services.idea_unvote(idea_id=idea.pk, voter=voter) is True
    assert services.idea_unvote(idea_id=idea.pk, voter=voter) is False
    idea.refresh_from_db()
    assert idea.vote_count == 0
    assert Vote.objects.count() == 0


def test_the_database_refuses_a_second_vote(votes_campaign):
    idea = make_idea(votes_campaign)
    voter = make_member(votes_campaign)
    Vote.objects.create(idea=idea, voter=voter)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(idea=idea, voter=voter)


@pytest.mark.parametrize("phase", ["ideas", "results", "closed"])
def test_no_vote_outside_the_vote_phase(db, phase):
    campaign = make_campaign(phase)
    idea = make_idea(campaign)
    voter = make_member(campaign)
    with pytest.raises(ValidationError) as caught:
        services.idea_vote(idea_id=idea.pk, voter=voter)
    assert caught.value.code == "phase"
    assert Vote.objects.count() == 0


def test_a_non_member_cannot_vote(votes_campaign):
    idea = make_idea(votes_campaign)
    outsider = make_member(None)
    with pytest.raises(ValidationError) as caught:
        services.idea_vote(idea_id=idea.pk, voter=outsider)
    assert caught.value.code == "not_member"


@pytest.mark.parametrize("closed", ["hidden", "merged", "pending"])
def test_no_vote_on_a_closed_idea_and_the_counter_stays(votes_campaign, closed):
    voter = make_member(votes_campaign)
    idea = make_idea(votes_campaign)
    services.idea_vote(idea_id=idea.pk, voter=voter)
    if closed == "hidden":
        Idea.objects.filter(pk=idea.pk).update(hidden=True)
    else:
        Idea.objects.filter(pk=idea.pk).update(status=closed)
    for act in (services.idea_vote, services.idea_unvote):
        with pytest.raises(ValidationError) as caught:
            act(idea_id=idea.pk, voter=voter)
        assert caught.value.code == "idea_closed"
    assert Idea.objects.get(pk=idea.pk).vote_count == 1
    assert Vote.objects.filter(idea=idea).count() == 1


def test_a_missing_idea_is_not_found(votes_campaign):
    with pytest.raises(Idea.DoesNotExist):
        services.idea_vote(idea_id=999_999, voter=make_member(votes_campaign))


def test_trending_order_on_fixed_data(votes_campaign):
    """Fixed ages and votes: a fresh idea with few votes passes an old one with many only when
    it is young enough (TAU = 2 days: one TAU younger is worth ten times the votes)."""
    base = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
    cases = {
        "old-popular": (base - dt.timedelta(days=4), 99),  # 2 + (t-4d)/2d  → log 2.0, -2
        "young-modest": (base, 9),  # 1 + 0
        "middle": (base - dt.timedelta(days=1), 30),  # 1.49 - 0.5
        "brand-new-zero": (base + dt.timedelta(hours=12), 0),  # 0 + 0.25
    }
    scores = {
        name: services.trending_score(votes=votes, created_at=created)
        for name, (created, votes) in cases.items()
    }
    order = sorted(scores, key=scores.get, reverse=True)
    assert order == ["young-modest", "middle", "brand-new-zero", "old-popular"]


def test_the_stored_trending_score_follows_votes(votes_campaign):
    idea = make_idea(votes_campaign)
    voters = [make_member(votes_campaign) for _ in range(9)]
    for voter in voters:
        services.idea_vote(idea_id=idea.pk, voter=voter)
    idea.refresh_from_db()
    assert idea.trending == pytest.approx(
        services.trending_score(votes=9, created_at=idea.created_at)
    )
    services.idea_unvote(idea_id=idea.pk, voter=voters[0])
    idea.refresh_from_db()
    assert idea.trending == pytest.approx(
        services.trending_score(votes=8, created_at=idea.created_at)
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_200_concurrent_votes_and_unvotes_keep_the_count_exact():
    # Given 100 members who already voted and 100 who did not
    campaign = make_campaign("votes")
    idea = make_idea(campaign)
    members = [make_member(campaign) for _ in range(200)]
    for member in members[:100]:
        services.idea_vote(idea_id=idea.pk, voter=member)
    connection.close()

    # When the first 100 withdraw while the other 100 vote, all at once (twice each: a retry)
    def act(i: int) -> bool:
        member = members[i % 200]
        if i < 100:
            return services.idea_unvote(idea_id=idea.pk, voter=member)
        return services.idea_vote(idea_id=idea.pk, voter=member)

    results, errors = race(200, act)

    # Then
    assert errors == []
    assert all(results)
    idea.refresh_from_db()
    stored = Vote.objects.filter(idea=idea).count()
    assert stored == 100
    assert idea.vote_count == stored
    assert set(Vote.objects.filter(idea=idea).values_list("voter_id", flat=True)) == {
        m.pk for m in members[100:]
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_voter_clicking_twice_at_once_counts_once():
    campaign = make_campaign("votes")
    idea = make_idea(campaign)
    voter = make_member(campaign)
    connection.close()
    results, errors = race(20, lambda i: services.idea_vote(idea_id=idea.pk, voter=voter))
    assert errors == []
    assert sorted(results) == [False] * 19 + [True]
    assert Idea.objects.get(pk=idea.pk).vote_count == 1


def test_a_vote_on_a_model_campaign_carries_the_voters_badges(db):
    from autovitrine.community import selectors
    from autovitrine.testing import factories as f

    campaign = make_campaign("votes", car_model=f.CarModelFactory(code="mio", name="Mio"))
    idea = make_idea(campaign)
    voter = make_member(campaign)
    assert services.idea_vote(idea_id=idea.pk, voter=voter) is True
    vote = Vote.objects.get()
    assert (vote.is_owner, vote.configured, vote.ordered) == (False, False, False)
    assert selectors.vote_split(idea).others == 1


def test_a_car_of_the_model_in_my_garage_makes_the_voter_an_owner(db):
    from autovitrine.community import selectors
    from autovitrine.testing import factories as f
    from autovitrine.workshop.services import garage_add_car

    # Given a campaign on the Mio; one voter added their Mio to "my garage" (by plate and
    # model), another a car of another model
    mio = f.CarModelFactory(code="mio", name="Mio")
    campaign = make_campaign("votes", car_model=mio)
    idea = make_idea(campaign)
    owner, other = make_member(campaign), make_member(campaign)
    garage_add_car(owner_id=owner.user_id, year=2024, plate="AB-123-CD", car_model_id=mio.pk)
    garage_add_car(
        owner_id=other.user_id, year=2024, plate="EF-456-GH", car_model_id=f.CarModelFactory().pk
    )

    # When both vote
    services.idea_vote(idea_id=idea.pk, voter=owner)
    services.idea_vote(idea_id=idea.pk, voter=other)

    # Then only the first vote counts as an owner's, in the split and in the owners' sort
    assert {v.voter_id: v.is_owner for v in Vote.objects.all()} == {owner.pk: True, other.pk: False}
    assert (selectors.vote_split(idea).owners, selectors.vote_split(idea).others) == (1, 1)
    assert Idea.objects.get(pk=idea.pk).owner_vote_count == 1
    assert selectors.author_badges([owner, other], campaign) == {owner.pk: "owner"}

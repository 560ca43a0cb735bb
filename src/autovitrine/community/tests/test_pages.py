"""The pages, for every role: who sees, who acts; bad input answered in French, never a 500."""

from __future__ import annotations

import pytest
from django.core import mail
from django.template import Context, Template

from autovitrine.community import selectors, services
from autovitrine.community.models import Collaborator, Idea, Membership, Vote
from autovitrine.conftest import ROLES

from .conftest import make_idea, make_member


def test_profile_then_join_records_versions(client, customer, votes_campaign):
    client.force_login(customer, backend="django.contrib.auth.backends.ModelBackend")
    # No public profile yet: joining sends to the profile page first
    response = client.post(f"/communaute/{votes_campaign.slug}/rejoindre/", {})
    assert response.status_code == 302 and "/communaute/profil/" in response["Location"]
    bad = client.post("/communaute/profil/", {"public_name": "a b", "digest": "weekly"})
    assert bad.status_code == 400
    assert "Le nom public" in bad.content.decode()
    ok = client.post("/communaute/profil/", {"public_name": "Camille", "digest": "daily"})
    assert ok.status_code == 302
    refused = client.post(f"/communaute/{votes_campaign.slug}/rejoindre/", {"accept_terms": "on"})
    assert refused.status_code == 302
    assert not Membership.objects.exists()
    client.post(
        f"/communaute/{votes_campaign.slug}/rejoindre/",
        {"accept_terms": "on", "accept_licence": "on"},
    )
    membership = Membership.objects.get()
    assert (membership.terms_version, membership.licence, membership.licence_version) == (
        "1",
        "cc-by-4.0",
        "1",
    )
    # The e-mail is never shown on community pages (only to its owner, in the account menu)
    client.logout()
    page = client.get(f"/communaute/{votes_campaign.slug}/").content.decode()
    assert customer.email not in page


def test_every_page_renders(client, head_office, votes_campaign):
    idea = make_idea(votes_campaign)
    make_member(votes_campaign, name="Lecteur")
    services.comment_create(idea=idea, author=idea.author, body="Premier !")
    services.collaborator_save(user=head_office, public_name="Siege")
    client.force_login(head_office, backend="django.contrib.auth.backends.ModelBackend")
    slug = votes_campaign.slug
    for url in (
        "/communaute/",
        f"/communaute/{slug}/",
        f"/communaute/{slug}/idees/",
        f"/communaute/{slug}/idees/?sort=top&category=design",
        f"/communaute/{slug}/idees/?sort=owners",
        f"/communaute/{slug}/idees/?sort=nope&page=99",
        f"/communaute/{slug}/feuille-de-route/",
        f"/communaute/{slug}/tableau-de-bord/",
        f"/communaute/idees/{idea.pk}/",
        f"/communaute/membres/{idea.author.public_name}/",
        "/communaute/notifications/",
        "/communaute/moderation/",
        "/communaute/profil/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "gmail" not in response.content.decode()


def test_list_pages_use_a_constant_number_of_queries(
    client, votes_campaign, django_assert_max_num_queries
):
    for i in range(30):
        make_idea(votes_campaign, title=f"Idée numéro {i}")
    with django_assert_max_num_queries(8):
        assert client.get(f"/communaute/{votes_campaign.slug}/idees/?sort=new").status_code == 200


def test_list_pages_page_without_counting_and_read_the_same_queries_deep_down(
    client, votes_campaign
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # Given 45 ideas: pages of 20, so page 3 is the last, with 5
    for i in range(45):
        make_idea(votes_campaign, title=f"Idée numéro {i}")
    url = f"/communaute/{votes_campaign.slug}/idees/?sort=new&page="
    captured = {}
    for page in ("1", "3"):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url + page)
        assert response.status_code == 200
        captured[page] = [q["sql"] for q in queries.captured_queries]

    # Then no COUNT(*) over the list, the same number of queries on page 1 and page 3
    assert not any("COUNT(" in sql.upper() for sql in captured["1"] + captured["3"])
    assert len(captured["1"]) == len(captured["3"])
    first = client.get(url + "1").content.decode()
    last = client.get(url + "3").content.decode()
    assert "Idée numéro 44" in first and "Suivantes" in first and "Précédentes" not in first
    assert "Idée numéro 0" in last and "Suivantes" not in last and "Précédentes" in last
    assert last.count('class="idea-row"') == 5
    # A page past the end, or not a number, still answers (empty, or the first page)
    assert "Aucune idée ne correspond" in client.get(url + "99").content.decode()
    assert "Idée numéro 44" in client.get(url + "abc").content.decode()
    assert client.get(url + "9" * 5000).status_code == 200


def test_vote_through_htmx(client, votes_campaign):
    idea = make_idea(votes_campaign)
    voter = make_member(votes_campaign)
    client.force_login(voter.user, backend="django.contrib.auth.backends.ModelBackend")
    url = f"/communaute/idees/{idea.pk}/vote/"
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Retirer mon vote" in response.content.decode()
    assert '<strong data-testid="vote-count">1</strong>' in response.content.decode()
    again = client.post(url, HTTP_HX_REQUEST="true")  # a second click: still one vote
    assert '<strong data-testid="vote-count">1</strong>' in again.content.decode()
    withdrawn = client.post(url, {"action": "unvote"}, HTTP_HX_REQUEST="true")
    assert '<strong data-testid="vote-count">0</strong>' in withdrawn.content.decode()
    assert Idea.objects.get(pk=idea.pk).vote_count == 0
    assert client.post("/communaute/idees/999999/vote/", HTTP_HX_REQUEST="true").status_code == 404


# What each role gets on a vote, an edit of someone else's idea, a merge and the dashboard.
EXPECTED = {
    "anonymous": {"vote": 302, "edit": 302, "merge": 302, "dashboard": 302},
    "customer": {"vote": 302, "edit": 403, "merge": 403, "dashboard": 403},
    "other_dealer_staff": {"vote": 302, "edit": 403, "merge": 403, "dashboard": 403},
    "dealer_staff": {"vote": 302, "edit": 403, "merge": 403, "dashboard": 403},
    "head_office": {"vote": 302, "edit": 200, "merge": 302, "dashboard": 200},
}


@pytest.mark.parametrize("role", ROLES)
def test_all_roles(client_as, role, votes_campaign):
    client, user = client_as(role)
    idea, duplicate = make_idea(votes_campaign), make_idea(votes_campaign, title="Toit vitré")
    if user is not None:
        collaborator = services.collaborator_save(user=user, public_name=f"role-{role}"[:30])
        Membership.objects.create(
            campaign=votes_campaign, collaborator=collaborator, terms_version="1",
            licence="cc-by-4.0", licence_version="1",
        )  # fmt: skip
    expected = EXPECTED[role]
    assert client.post(f"/communaute/idees/{idea.pk}/vote/").status_code == expected["vote"]
    assert Vote.objects.filter(idea=idea).count() == (0 if user is None else 1)
    assert client.get(f"/communaute/idees/{idea.pk}/modifier/").status_code == expected["edit"]
    merge = client.post(f"/communaute/idees/{duplicate.pk}/fusionner/", {"target": idea.pk})
    assert merge.status_code == expected["merge"]
    assert (Idea.objects.get(pk=duplicate.pk).status == "merged") is (role == "head_office")
    dashboard = client.get(f"/communaute/{votes_campaign.slug}/tableau-de-bord/")
    assert dashboard.status_code == expected["dashboard"]


def test_the_author_edits_their_own_idea(client, votes_campaign):
    idea = make_idea(votes_campaign)
    client.force_login(idea.author.user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        f"/communaute/idees/{idea.pk}/modifier/",
        {"title": "Toit XXL", "body": "Encore plus grand."},
    )
    assert response.status_code == 302
    assert Idea.objects.get(pk=idea.pk).title == "Toit XXL"


def test_a_pending_idea_is_hidden_from_others(client, votes_campaign):
    idea = make_idea(votes_campaign, status="pending")
    assert client.get(f"/communaute/idees/{idea.pk}/").status_code == 404
    client.force_login(idea.author.user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(f"/communaute/idees/{idea.pk}/").status_code == 200


def test_digest_and_one_click_unsubscribe(client, votes_campaign):
    idea = make_idea(votes_campaign)
    reader = make_member(votes_campaign, name="Lectrice")
    reader.user.email = "lectrice@example.fr"
    reader.user.save()
    services.comment_create(idea=idea, author=idea.author, body="Bonjour @Lectrice")
    assert services.digest_send() >= 1
    message = next(m for m in mail.outbox if m.to == ["lectrice@example.fr"])
    assert "vous a mentionné" in message.body
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    path = url[url.index("/communaute/") :]
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 200
    assert Collaborator.objects.get(pk=reader.pk).digest == "none"
    assert client.post(path[:-3] + "xx/").status_code == 400
    assert services.digest_send() == 0  # nothing new, and she left


def test_reading_time_is_recorded_anonymously(client, votes_campaign):
    idea = make_idea(votes_campaign)
    client.get(f"/communaute/idees/{idea.pk}/")
    assert (
        client.post(f"/communaute/idees/{idea.pk}/lecture/", {"seconds": "500"}).status_code == 204
    )
    assert client.post(f"/communaute/idees/{idea.pk}/lecture/", {"seconds": "x"}).status_code == 400
    figures = selectors.idea_attention(idea)
    assert figures == {"views": 1, "readers": 1, "seconds": 60}
    assert "127.0.0.1" not in str(list(idea.__class__.objects.values()))


def test_bell_counts_unread(client, votes_campaign):
    idea = make_idea(votes_campaign)
    services.comment_create(
        idea=idea, author=make_member(votes_campaign), body=f"@{idea.author.public_name} ?"
    )
    client.force_login(idea.author.user, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get("/communaute/").content.decode()
    assert '<span class="bell-count">1' in page
    client.post("/communaute/notifications/")
    assert "bell-count" not in client.get("/communaute/").content.decode()


def test_the_configurator_tag_credits_a_linked_idea(votes_campaign, head_office):
    from autovitrine.community.models import IdeaOptionLink

    idea = make_idea(votes_campaign, status="adopted")
    IdeaOptionLink.objects.create(
        idea=idea, model_code="mio", family="roof", value="panoramic", linked_by=head_office
    )
    html = Template("{% load community %}{% community_idea 'mio' 'roof' 'panoramic' %}").render(
        Context()
    )
    assert "Une idée de la communauté" in html and f"/communaute/idees/{idea.pk}/" in html
    assert (
        Template("{% load community %}{% community_idea 'mio' 'roof' 'other' %}").render(Context())
        == ""
    )
    lines = Template(
        "{% load community %}{% community_ideas_in 'mio' conf as lines %}{% for l in lines %}{{ l }}{% endfor %}"
    ).render(Context({"conf": {"roof": "panoramic"}}))
    assert f"idée de {idea.author.public_name}" in lines


def test_head_office_sees_an_ideas_votes_and_comments_day_by_day(
    client, votes_campaign, head_office
):
    """Attention per idea over time (issue 18): the idea page's chart for head office puts each
    vote and comment on its own day; the author, not a moderator, sees no chart."""
    import datetime as dt

    from django.utils import timezone

    from autovitrine.community.models import Comment

    idea = make_idea(votes_campaign)
    other = make_idea(votes_campaign, title="Des sièges chauffants")  # not counted on this idea
    for _ in range(3):
        services.idea_vote(idea_id=idea.pk, voter=make_member(votes_campaign))
    services.idea_vote(idea_id=other.pk, voter=make_member(votes_campaign))
    services.comment_create(idea=idea, author=make_member(votes_campaign), body="Oui !")
    Comment.objects.filter(idea=idea).update(created_at=timezone.now() - dt.timedelta(days=2))

    days = {d.day: d for d in selectors.idea_attention_by_day(idea)}
    today = timezone.localdate()
    assert (days[today].votes, days[today].comments) == (3, 0)
    assert days[today - dt.timedelta(days=2)].comments == 1
    assert sum(d.votes for d in days.values()) == 3

    client.force_login(head_office)
    page = client.get(f"/communaute/idees/{idea.pk}/").content.decode()
    chart = page[page.index('data-testid="idea-attention"') :]
    assert f'<th scope="row">{today:%d/%m}</th>' in chart
    client.force_login(idea.author.user, backend="django.contrib.auth.backends.ModelBackend")
    assert (
        'data-testid="idea-attention"'
        not in client.get(f"/communaute/idees/{idea.pk}/").content.decode()
    )

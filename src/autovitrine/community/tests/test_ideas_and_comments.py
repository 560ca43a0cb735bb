"""Posting ideas and comments: Markdown sanitised, history, mentions, follows, moderation."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from autovitrine.community import services
from autovitrine.community.models import Comment, Idea, ModerationAction, Notification
from autovitrine.community.text import markdown_html

from .conftest import make_campaign, make_idea, make_member


def test_markdown_is_rendered_and_sanitised():
    html = markdown_html(
        "# Titre\n**gras** <script>alert(1)</script> [x](javascript:alert(1)) "
        '<img src=x onerror="alert(1)"> ![i](http://pisteur.example/p.png)'
    )
    assert "<strong>gras</strong>" in html
    assert "<h3>Titre</h3>" in html
    assert "<script" not in html and 'href="javascript' not in html
    assert "<img" not in html  # raw HTML escaped, remote images become plain links


def test_a_member_posts_an_idea_during_the_ideas_phase(ideas_campaign):
    author = make_member(ideas_campaign)
    idea = services.idea_create(
        campaign=ideas_campaign,
        author=author,
        title="Un coffre modulable",
        body="Un plancher **réglable** en hauteur.",
        category="features",
        tags=["Coffre", "coffre", "Modularité"],
    )
    assert idea.status == "new"
    assert idea.tags == ["coffre", "modularite"]
    assert "<strong>réglable</strong>" in idea.body_html
    assert idea.follows.filter(collaborator=author).exists()


def test_images_are_validated_resized_and_stripped(ideas_campaign):
    author = make_member(ideas_campaign)
    buffer = io.BytesIO()
    Image.new("RGB", (3000, 1500), "red").save(buffer, format="JPEG", exif=b"Exif\x00\x00GPS")
    upload = SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")
    idea = services.idea_create(
        campaign=ideas_campaign, author=author, title="Couleur rouge vif", body="Un rouge plus vif.",
        category="design", images=[upload],
    )  # fmt: skip
    with Image.open(idea.images.get().image.path) as stored:
        assert max(stored.size) == 1600
        assert not stored.info.get("exif")
    bogus = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    with pytest.raises(ValidationError):
        services.idea_create(
            campaign=ideas_campaign, author=author, title="Autre idée", body="Texte assez long.",
            category="design", images=[bogus],
        )  # fmt: skip


def test_no_idea_outside_the_ideas_phase(votes_campaign):
    author = make_member(votes_campaign)
    with pytest.raises(ValidationError) as caught:
        services.idea_create(
            campaign=votes_campaign, author=author, title="Trop tard", body="Les idées sont closes.",
            category="design",
        )  # fmt: skip
    assert caught.value.code == "phase"


def test_edit_history_and_who_may_edit(ideas_campaign, head_office, customer):
    idea = make_idea(ideas_campaign)
    services.idea_edit(
        idea=idea, by=idea.author.user, title="Toit ouvrant XXL", body="Plus grand encore."
    )
    assert idea.revisions.get().title == "Un toit ouvrant panoramique"
    with pytest.raises(PermissionDenied):
        services.idea_edit(
            idea=idea, by=customer, title="Piraté", body="Texte de quelqu'un d'autre."
        )
    with pytest.raises(ValidationError):  # a moderator's edit carries a public note
        services.idea_edit(idea=idea, by=head_office, title="Toit", body="Texte corrigé ici.")
    services.idea_edit(
        idea=idea,
        by=head_office,
        title="Toit ouvrant",
        body="Texte corrigé ici.",
        note="Orthographe",
    )
    assert idea.revisions.count() == 2
    assert ModerationAction.objects.filter(action="idea_edit", idea=idea).exists()


def test_threaded_comments_two_levels_mentions_and_upvotes(votes_campaign):
    idea = make_idea(votes_campaign)
    alice = make_member(votes_campaign, name="Alice")
    bob = make_member(votes_campaign, name="bob.dupont")
    services.idea_follow(idea=idea, collaborator=idea.author)
    top = services.comment_create(idea=idea, author=alice, body="Bonne idée @bob.dupont !")
    reply = services.comment_create(idea=idea, author=bob, body="Merci", parent=top)
    deeper = services.comment_create(idea=idea, author=alice, body="De rien", parent=reply)
    assert deeper.parent_id == top.pk  # a reply to a reply stays on level two
    assert Notification.objects.filter(recipient=bob, kind="mention").count() == 1
    # The author follows the idea: told of the comments
    assert Notification.objects.filter(recipient=idea.author, kind="comment").count() == 3
    assert services.comment_upvote(comment=top, voter=bob) is True
    assert services.comment_upvote(comment=top, voter=bob) is False
    assert Comment.objects.get(pk=top.pk).upvote_count == 1
    idea.refresh_from_db()
    assert idea.comment_count == 3


def test_new_accounts_links_are_held_and_pre_moderation(db, head_office):
    campaign = make_campaign("ideas", pre_moderation=False)
    author = make_member(campaign)
    held = services.idea_create(
        campaign=campaign, author=author, title="Voir mon site", body="Tout est sur https://spam.example",
        category="design",
    )  # fmt: skip
    assert held.status == "pending"
    premod = make_campaign("ideas", pre_moderation=True)
    newcomer = make_member(premod)
    idea = services.idea_create(
        campaign=premod, author=newcomer, title="Des sièges en lin", body="Un tissu naturel.",
        category="materials",
    )  # fmt: skip
    assert idea.status == "pending"
    services.idea_approve(idea=idea, by=head_office)
    assert Idea.objects.get(pk=idea.pk).status == "new"


def test_statuses_answers_and_ban(votes_campaign, head_office):
    idea = make_idea(votes_campaign)
    voter = make_member(votes_campaign)
    services.idea_vote(idea_id=idea.pk, voter=voter)
    with pytest.raises(ValidationError):
        services.idea_status_set(idea=idea, status="planned", answer="", by=head_office)
    services.idea_status_set(
        idea=idea, status="adopted", answer="Au programme 2027.", by=head_office
    )
    idea.refresh_from_db()
    assert idea.status == "adopted" and idea.adopted_at is not None
    assert Notification.objects.filter(recipient=voter, kind="status").exists()
    services.collaborator_ban(collaborator=voter, by=head_office, until=None, note="spam")
    with pytest.raises(PermissionDenied):
        services.comment_create(idea=idea, author=voter, body="Je reviens")
    assert [a.action for a in ModerationAction.objects.all()] == ["ban", "idea_status"]


def test_posting_is_rate_limited(ideas_campaign):
    author = make_member(ideas_campaign)
    idea = make_idea(ideas_campaign)
    for i in range(services.POSTS_PER_WINDOW):
        services.comment_create(idea=idea, author=author, body=f"Commentaire {i}")
    with pytest.raises(ValidationError) as caught:
        services.comment_create(idea=idea, author=author, body="Un de trop")
    assert caught.value.code == "rate_limited"

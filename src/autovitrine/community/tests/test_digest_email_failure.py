"""Issue 10: a digest the mail relay refuses stops neither the other digests nor the task; its
notifications wait for the next digest, and the collaborator reads why on their notifications
page, where they can check their address."""

from __future__ import annotations

import html

import pytest
from django.core import mail

from autovitrine.community import services
from autovitrine.community.models import Collaborator, Notification

from .conftest import make_idea, make_member

pytestmark = pytest.mark.django_db


def _mention(votes_campaign, name: str) -> Collaborator:
    reader = make_member(votes_campaign, name=name)
    idea = make_idea(votes_campaign)
    services.comment_create(idea=idea, author=idea.author, body=f"Bonjour @{name}")
    return reader


def test_a_refused_digest_is_kept_for_the_next_and_shown_to_its_reader(
    client, votes_campaign, smtp_down, settings
):
    # Given: two collaborators due a digest, and the relay down
    first, second = _mention(votes_campaign, "Lectrice"), _mention(votes_campaign, "Lecteur")
    smtp_backend = settings.EMAIL_BACKEND

    # When: the digest runs
    assert services.digest_send() == 0

    # Then: both were tried (one failure did not stop the loop), nothing is marked e-mailed
    for reader in (first, second):
        reader.refresh_from_db()
        assert reader.digest_sent_at is not None
        assert "non envoyé à" in reader.digest_error
        assert reader.user.email in reader.digest_error
    assert not Notification.objects.filter(
        recipient__in=[first, second], emailed_at__isnull=False
    ).exists()

    # And the reader sees why on their notifications page
    client.force_login(first.user, backend="django.contrib.auth.backends.ModelBackend")
    page = html.unescape(client.get("/communaute/notifications/").content.decode())
    assert "data-digest-error" in page
    assert "E-mail non envoyé" in page

    # When: the relay is back and the next digest is due
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert smtp_backend != settings.EMAIL_BACKEND
    Collaborator.objects.filter(pk__in=[first.pk, second.pk]).update(digest_sent_at=None)
    mail.outbox = []
    assert services.digest_send() >= 2

    # Then: the waiting notifications leave, and the warning is gone
    assert {first.user.email, second.user.email} <= {m.to[0] for m in mail.outbox}
    first.refresh_from_db()
    assert first.digest_error == ""
    page = client.get("/communaute/notifications/").content.decode()
    assert "data-digest-error" not in page

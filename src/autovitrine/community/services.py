"""Every write of the community: profiles, joining, ideas, votes, comments, merges, statuses.

Lock order (docs/community.md): idea rows are locked before anything else, several ideas in
ascending primary key. A vote locks its idea row, then writes the vote and the counters; a merge
locks both ideas (lowest id first) and then moves votes, comments and followers — so a vote and a
merge on the same idea run one after the other and never deadlock.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image

from autovitrine.core.images import image_reencode
from autovitrine.core.ratelimit import over_limit

from . import selectors
from .models import (
    Campaign,
    Category,
    Collaborator,
    Comment,
    CommentUpvote,
    Follow,
    Idea,
    IdeaImage,
    IdeaOptionLink,
    IdeaRevision,
    IdeaView,
    Membership,
    ModerationAction,
    Notification,
    Report,
    Vote,
)
from .text import has_link, markdown_html, mentioned_names

# Trending: log10(1 + votes) + (created - epoch) / TAU. An idea one TAU younger needs ten times
# fewer votes to rank level with an older one (docs/community.md).
TRENDING_EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
TRENDING_TAU_SECONDS = 2 * 86400

IMAGE_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_IMAGE_BYTES = 8 * 1024 * 1024
IDEA_IMAGE_SIDE = 1600
AVATAR_SIDE = 256
MAX_IMAGES_PER_IDEA = 4

# Rate limits per account: posting (ideas and comments) and voting.
POSTS_PER_WINDOW, POST_WINDOW_SECONDS = 10, 10 * 60
VOTES_PER_WINDOW, VOTE_WINDOW_SECONDS = 120, 60
# A new account's first posts: pre-moderated when the campaign asks; links held for review.
TRUSTED_AFTER_POSTS = 3


def _rate_limited(kind: str, user_id: int, *, limit: int, window: int) -> None:
    if over_limit(f"community:{kind}:{user_id}", limit=limit, window_seconds=window):
        raise ValidationError(
            _("Vous allez trop vite : réessayez dans quelques minutes."), code="rate_limited"
        )


def _image(upload: Any, *, side: int, name: str) -> ContentFile:
    """Validated (``core.images``: real image, bounded, EXIF dropped), then resized to ``side``."""
    if upload.size is not None and upload.size > MAX_IMAGE_BYTES:
        raise ValidationError(_("L'image dépasse 8 Mo."), code="image_too_large")
    clean = image_reencode(upload, allowed_formats=IMAGE_FORMATS, name=name)
    with Image.open(io.BytesIO(clean.read())) as picture:
        fmt = picture.format or "JPEG"
        if max(picture.size) <= side:
            clean.seek(0)
            return clean
        picture.thumbnail((side, side))
        buffer = io.BytesIO()
        picture.save(buffer, format=fmt)
    return ContentFile(buffer.getvalue(), name=name)


# --- Collaborators -----------------------------------------------------------------------------
def collaborator_save(
    *, user: Any, public_name: str, bio: str = "", avatar: Any = None, digest: str | None = None
) -> Collaborator:
    """Create or update the account's public profile; the name is unique, case-insensitively."""
    public_name = public_name.strip()
    if not (3 <= len(public_name) <= 30) or slugify(public_name.replace(".", "-")) == "":
        raise ValidationError(
            _("Le nom public compte 3 à 30 caractères (lettres, chiffres, « . », « _ », « - »)."),
            code="public_name",
        )
    if not all(c.isalnum() or c in "._-" for c in public_name):
        raise ValidationError(
            _("Le nom public ne contient que lettres, chiffres, « . », « _ » et « - »."),
            code="public_name",
        )
    taken = Collaborator.objects.filter(public_name__iexact=public_name).exclude(user=user)
    if taken.exists():
        raise ValidationError(_("Ce nom public est déjà pris."), code="public_name_taken")
    collaborator = Collaborator.objects.filter(user=user).first() or Collaborator(user=user)
    collaborator.public_name = public_name
    collaborator.bio = bio.strip()[:280]
    if digest is not None:
        if digest not in Collaborator.Digest.values:
            raise ValidationError(_("Fréquence de résumé inconnue."), code="digest")
        collaborator.digest = digest
    if avatar is not None:
        collaborator.avatar.save(
            f"avatar-{user.pk}.img", _image(avatar, side=AVATAR_SIDE, name="avatar"), save=False
        )
    try:
        with transaction.atomic():
            collaborator.save()
    except IntegrityError as exc:
        raise ValidationError(_("Ce nom public est déjà pris."), code="public_name_taken") from exc
    return collaborator


def digest_unsubscribe(*, collaborator: Collaborator) -> None:
    Collaborator.objects.filter(pk=collaborator.pk).update(digest=Collaborator.Digest.NONE)


def campaign_join(
    *, campaign: Campaign, collaborator: Collaborator, accept_terms: bool, accept_licence: bool
) -> Membership:
    """Join a campaign, recording the versions of its terms and licence accepted now."""
    if not (accept_terms and accept_licence):
        raise ValidationError(
            _("Acceptez le règlement et la licence des contributions pour participer."),
            code="terms_not_accepted",
        )
    if campaign.phase == Campaign.Phase.CLOSED:
        raise ValidationError(_("Cette campagne est close."), code="campaign_closed")
    membership, created = Membership.objects.get_or_create(
        campaign=campaign,
        collaborator=collaborator,
        defaults={
            "terms_version": campaign.terms_version,
            "licence": campaign.licence,
            "licence_version": campaign.licence_version,
        },
    )
    if not created and (
        membership.terms_version != campaign.terms_version
        or membership.licence_version != campaign.licence_version
        or membership.licence != campaign.licence
    ):
        membership.terms_version = campaign.terms_version
        membership.licence = campaign.licence
        membership.licence_version = campaign.licence_version
        membership.accepted_at = timezone.now()
        membership.save()
    return membership


def _require_active(collaborator: Collaborator) -> None:
    if collaborator.is_banned:
        raise PermissionDenied(_("Votre compte est suspendu dans la communauté."))


def _require_member(campaign: Campaign, collaborator: Collaborator) -> None:
    if not selectors.is_member(campaign=campaign, collaborator=collaborator):
        raise ValidationError(
            _("Rejoignez la campagne (règlement et licence acceptés) pour participer."),
            code="not_member",
        )


# --- Ideas -------------------------------------------------------------------------------------
def _trending_offset(created_at: dt.datetime) -> float:
    return (created_at - TRENDING_EPOCH).total_seconds() / TRENDING_TAU_SECONDS


def trending_score(*, votes: int, created_at: dt.datetime) -> float:
    """The trending score of an idea (the same formula the database applies on each vote)."""
    return math.log10(1 + max(votes, 0)) + _trending_offset(created_at)


def _clean_tags(tags: Iterable[str]) -> list[str]:
    cleaned = []
    for tag in tags:
        slug = slugify(tag)[:30]
        if slug and slug not in cleaned:
            cleaned.append(slug)
    return cleaned[:5]


def _held_for_review(campaign: Campaign, author: Collaborator, text: str) -> bool:
    new_account = author.approved_posts < TRUSTED_AFTER_POSTS
    return new_account and (campaign.pre_moderation or has_link(text))


def idea_create(
    *,
    campaign: Campaign,
    author: Collaborator,
    title: str,
    body: str,
    category: str,
    tags: Sequence[str] = (),
    images: Sequence[Any] = (),
) -> Idea:
    _require_active(author)
    _require_member(campaign, author)
    if campaign.phase != Campaign.Phase.IDEAS:
        raise ValidationError(
            _("Le dépôt des idées n'est pas ouvert dans cette campagne."), code="phase"
        )
    title, body = title.strip(), body.strip()
    if len(title) < 5 or len(title) > 140:
        raise ValidationError(_("Le titre compte 5 à 140 caractères."), code="title")
    if len(body) < 10 or len(body) > 10_000:
        raise ValidationError(_("Le texte compte 10 à 10 000 caractères."), code="body")
    allowed = campaign.categories or Category.values
    if category not in allowed:
        raise ValidationError(_("Choisissez une catégorie de la campagne."), code="category")
    if len(images) > MAX_IMAGES_PER_IDEA:
        raise ValidationError(_("Quatre images au plus."), code="images")
    cleaned_images = [_image(u, side=IDEA_IMAGE_SIDE, name="idee") for u in images]
    _rate_limited("post", author.user_id, limit=POSTS_PER_WINDOW, window=POST_WINDOW_SECONDS)
    now = timezone.now()
    with transaction.atomic():
        idea = Idea.objects.create(
            campaign=campaign,
            author=author,
            title=title,
            body=body,
            body_html=markdown_html(body),
            category=category,
            tags=_clean_tags(tags),
            status=(
                Idea.Status.PENDING if _held_for_review(campaign, author, body) else Idea.Status.NEW
            ),
            trending=trending_score(votes=0, created_at=now),
        )
        Idea.objects.filter(pk=idea.pk).update(
            trending=trending_score(votes=0, created_at=idea.created_at)
        )
        for i, content in enumerate(cleaned_images):
            picture = IdeaImage(idea=idea)
            picture.image.save(f"idee-{idea.pk}-{i}.img", content, save=True)
        Follow.objects.create(idea=idea, collaborator=author)
        if idea.status == Idea.Status.NEW:
            _notify_mentions(body, idea=idea, by=author)
    return idea


def idea_edit(*, idea: Idea, by: Any, title: str, body: str, note: str = "") -> Idea:
    """The author edits their own idea, a moderator any idea with a public note; history kept."""
    is_author = idea.author.user_id == by.pk
    moderator = selectors.can_moderate(by)
    if not (is_author or moderator):
        raise PermissionDenied
    if is_author and not moderator:
        _require_active(idea.author)
    title, body = title.strip(), body.strip()
    if len(title) < 5 or len(title) > 140:
        raise ValidationError(_("Le titre compte 5 à 140 caractères."), code="title")
    if len(body) < 10 or len(body) > 10_000:
        raise ValidationError(_("Le texte compte 10 à 10 000 caractères."), code="body")
    if not is_author and not note.strip():
        raise ValidationError(
            _("Une modification par la modération porte une note publique."), code="note"
        )
    with transaction.atomic():
        IdeaRevision.objects.create(
            idea=idea, title=idea.title, body=idea.body, edited_by=by, note=note.strip()[:280]
        )
        idea.title, idea.body, idea.body_html = title, body, markdown_html(body)
        if not is_author:
            idea.moderation_note = note.strip()[:280]
            _audit(by, "idea_edit", idea=idea, note=note)
        idea.save(update_fields=["title", "body", "body_html", "moderation_note", "updated_at"])
    return idea


def _voter_badges(voter: Collaborator, campaign: Campaign) -> tuple[bool, bool, bool]:
    return selectors.voter_badges(user=voter.user, campaign=campaign)


@dataclass(frozen=True, slots=True)
class VoteOutcome:
    changed: bool  # False: already voted (vote) or no vote to withdraw (unvote)
    vote_count: int


# The vote is one conditional INSERT (the idea votable, the voter a member, at most one vote by
# the unique constraint) that locks the idea row first on PostgreSQL, then one UPDATE of the
# counters and trending score: no read inside the transaction. In an UPDATE, vote_count is the
# value before it, so "+ 2" is log10(1 + the new count).
_VOTABLE = """
    FROM community_idea i JOIN community_campaign c ON c.id = i.campaign_id
    WHERE i.id = %(idea)s AND NOT i.hidden AND i.status NOT IN ('merged', 'pending')
      AND c.votes_open_at <= %(now)s AND %(now)s < c.results_at
      AND EXISTS (SELECT 1 FROM community_membership m
                  WHERE m.campaign_id = c.id AND m.collaborator_id = %(voter)s)
"""
_CAST_SQL = (
    "INSERT INTO community_vote (idea_id, voter_id, is_owner, configured, ordered, created_at) "
    "SELECT i.id, %(voter)s, %(owner)s, %(configured)s, %(ordered)s, %(now)s"
    + _VOTABLE
    + "{lock} ON CONFLICT (idea_id, voter_id) DO NOTHING RETURNING idea_id"
)
_WITHDRAW_SQL = (
    "DELETE FROM community_vote WHERE idea_id = %(idea)s AND voter_id = %(voter)s "
    "AND idea_id IN (SELECT i.id" + _VOTABLE + "{lock}) RETURNING is_owner"
)
_COUNT_SQL = """
    UPDATE community_idea
    SET vote_count = vote_count + %(step)s, owner_vote_count = owner_vote_count + %(owners)s,
        trending = LOG(10, vote_count + %(step)s + 1) + %(offset)s
    WHERE id = %(idea)s RETURNING vote_count
"""


def _lock_clause() -> str:
    # SQLite has no row locks (one writer at a time); PostgreSQL locks the idea row first.
    return " FOR UPDATE OF i" if connection.vendor == "postgresql" else ""


def _voting_idea(idea_id: int) -> Idea:
    """The idea with its campaign and model (one read, no lock): phase and status checked here
    answer the usual errors at once; the conditional write checks them again under the lock."""
    return (
        Idea.objects.select_related("campaign__car_model")
        .only(
            "id",
            "status",
            "hidden",
            "created_at",
            "vote_count",
            "campaign__votes_open_at",
            "campaign__results_at",
            "campaign__ideas_open_at",
            "campaign__closed_at",
            "campaign__car_model__id",
            "campaign__car_model__name",
        )  # fmt: skip
        .get(pk=idea_id)
    )


def _refused(idea_id: int, voter: Collaborator) -> None:
    """Nothing written: raise why (phase, closed idea, not a member), or return (already done)."""
    idea = Idea.objects.select_related("campaign").get(pk=idea_id)
    _votable(idea, voter)


def idea_cast(*, idea_id: int, voter: Collaborator, withdraw: bool = False) -> VoteOutcome:
    """Vote for the idea, or withdraw the vote. ``Idea.DoesNotExist`` when there is no such idea;
    ``ValidationError`` outside the vote phase, on a closed idea, for a non-member."""
    _require_active(voter)
    _rate_limited("vote", voter.user_id, limit=VOTES_PER_WINDOW, window=VOTE_WINDOW_SECONDS)
    idea = _voting_idea(idea_id)
    _votable(idea, voter, membership=False)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    params: dict[str, Any] = {"idea": idea.pk, "voter": voter.pk, "now": now}
    if not withdraw:
        owner, configured, ordered = _voter_badges(voter, idea.campaign)
        params |= {"owner": owner, "configured": configured, "ordered": ordered}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            (_WITHDRAW_SQL if withdraw else _CAST_SQL).format(lock=_lock_clause()), params
        )
        row = cursor.fetchone()
        if row is None:
            _refused(idea.pk, voter)
            return VoteOutcome(changed=False, vote_count=idea.vote_count)
        owner_vote = bool(row[0]) if withdraw else bool(params["owner"])
        step = -1 if withdraw else 1
        cursor.execute(
            _COUNT_SQL,
            {
                "idea": idea.pk,
                "step": step,
                "owners": step * int(owner_vote),
                "offset": _trending_offset(idea.created_at),
            },
        )
        (count,) = cursor.fetchone()
    return VoteOutcome(changed=True, vote_count=count)


def idea_vote(*, idea_id: int, voter: Collaborator) -> bool:
    """One vote for the idea (``False``: already voted)."""
    return idea_cast(idea_id=idea_id, voter=voter).changed


def idea_unvote(*, idea_id: int, voter: Collaborator) -> bool:
    """Withdraw the account's vote (``False``: there was none)."""
    return idea_cast(idea_id=idea_id, voter=voter, withdraw=True).changed


def _votable(idea: Idea, voter: Collaborator, *, membership: bool = True) -> None:
    if idea.campaign.phase != Campaign.Phase.VOTES:
        raise ValidationError(_("Les votes ne sont pas ouverts dans cette campagne."), code="phase")
    if idea.status in (Idea.Status.MERGED, Idea.Status.PENDING) or idea.hidden:
        raise ValidationError(_("Cette idée ne reçoit plus de votes."), code="idea_closed")
    if membership:
        _require_member(idea.campaign, voter)


def idea_follow(*, idea: Idea, collaborator: Collaborator, follow: bool = True) -> None:
    if follow:
        Follow.objects.get_or_create(idea=idea, collaborator=collaborator)
    else:
        Follow.objects.filter(idea=idea, collaborator=collaborator).delete()


# --- Comments ----------------------------------------------------------------------------------
def comment_create(
    *, idea: Idea, author: Collaborator, body: str, parent: Comment | None = None
) -> Comment:
    """A comment, or a reply to a top-level comment (two levels); @mentions are notified."""
    _require_active(author)
    _require_member(idea.campaign, author)
    if idea.status == Idea.Status.MERGED or idea.hidden:
        raise ValidationError(_("Cette idée est fermée aux commentaires."), code="idea_closed")
    if idea.campaign.phase in (Campaign.Phase.CLOSED, Campaign.Phase.UPCOMING):
        raise ValidationError(_("Cette campagne n'est pas ouverte."), code="phase")
    body = body.strip()
    if not (2 <= len(body) <= 5000):
        raise ValidationError(_("Le commentaire compte 2 à 5 000 caractères."), code="body")
    if parent is not None:
        if parent.idea_id != idea.pk:
            raise ValidationError(_("Réponse à un autre fil."), code="parent")
        if parent.parent_id is not None:
            parent = parent.parent  # a reply to a reply joins the same thread: two levels
    _rate_limited("post", author.user_id, limit=POSTS_PER_WINDOW, window=POST_WINDOW_SECONDS)
    pending = _held_for_review(idea.campaign, author, body)
    with transaction.atomic():
        comment = Comment.objects.create(
            idea=idea,
            author=author,
            parent=parent,
            body=body,
            body_html=markdown_html(body),
            pending=pending,
        )
        if not pending:
            Idea.objects.filter(pk=idea.pk).update(comment_count=F("comment_count") + 1)
            _after_comment(comment)
    return comment


def _after_comment(comment: Comment) -> None:
    idea, author = comment.idea, comment.author
    mentioned = _notify_mentions(comment.body, idea=idea, by=author)
    followers = (
        Follow.objects.filter(idea=idea)
        .exclude(collaborator=author)
        .exclude(collaborator__in=mentioned)
        .values_list("collaborator_id", flat=True)
    )
    _notify(
        followers,
        kind=Notification.Kind.COMMENT,
        idea=idea,
        text=_("%(name)s a commenté « %(title)s ».") % {"name": author, "title": idea.title},
    )


def comment_upvote(*, comment: Comment, voter: Collaborator, up: bool = True) -> bool:
    _require_active(voter)
    _rate_limited("vote", voter.user_id, limit=VOTES_PER_WINDOW, window=VOTE_WINDOW_SECONDS)
    with transaction.atomic():
        if up:
            try:
                with transaction.atomic():
                    CommentUpvote.objects.create(comment=comment, voter=voter)
            except IntegrityError:
                return False
            Comment.objects.filter(pk=comment.pk).update(upvote_count=F("upvote_count") + 1)
            return True
        deleted, _rows = CommentUpvote.objects.filter(comment=comment, voter=voter).delete()
        if deleted:
            Comment.objects.filter(pk=comment.pk).update(upvote_count=F("upvote_count") - 1)
        return bool(deleted)


# --- Notifications -----------------------------------------------------------------------------
def _notify(recipient_ids: Iterable[int], *, kind: str, idea: Idea | None, text: str) -> int:
    rows = [
        Notification(recipient_id=rid, kind=kind, idea=idea, text=text[:300])
        for rid in set(recipient_ids)
    ]
    Notification.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _notify_mentions(text: str, *, idea: Idea, by: Collaborator) -> list[int]:
    names = mentioned_names(text)
    if not names:
        return []
    query = Q()
    for name in names:
        query |= Q(public_name__iexact=name)
    ids = list(Collaborator.objects.filter(query).exclude(pk=by.pk).values_list("id", flat=True))
    _notify(
        ids,
        kind=Notification.Kind.MENTION,
        idea=idea,
        text=_("%(name)s vous a mentionné sur « %(title)s ».") % {"name": by, "title": idea.title},
    )
    return ids


def notifications_mark_read(*, collaborator: Collaborator) -> int:
    return Notification.objects.filter(recipient=collaborator, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def digest_send(*, now: dt.datetime | None = None) -> int:
    """E-mail each collaborator due a digest its unread, un-e-mailed notifications; the count.
    A digest the mail server refuses stops neither the others nor the task: its notifications
    stay un-e-mailed (the next digest carries them) and the reason is kept on the collaborator
    (``digest_error``) for their notifications page."""
    now = now or timezone.now()
    sent = 0
    for collaborator in selectors.digest_due(now=now):
        pending = list(
            Notification.objects.filter(
                recipient=collaborator, read_at__isnull=True, emailed_at__isnull=True
            ).select_related("idea")[:50]
        )
        digest_error = collaborator.digest_error
        if pending:
            context = {
                "collaborator": collaborator,
                "notifications": pending,
                "unsubscribe_url": selectors.unsubscribe_url(collaborator),
            }
            failures: list[str] = []
            if _send_digest(collaborator, context, failures=failures):
                Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=now)
                sent += 1
                digest_error = ""
            else:
                digest_error = failures[0][:500]
        Collaborator.objects.filter(pk=collaborator.pk).update(
            digest_sent_at=now, digest_error=digest_error
        )
    return sent


def _send_digest(
    collaborator: Collaborator, context: dict[str, Any], *, failures: list[str]
) -> bool:
    """Send one digest; ``False`` (and the French reason appended to ``failures``) if it could
    not leave."""
    from django.template.loader import render_to_string

    from autovitrine.core.mail import email_failure_note, email_message, send_or_report

    address = collaborator.user.email

    headers = {
        "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return send_or_report(
        lambda: email_message(
            subject=_("Votre résumé de la communauté"),
            body=render_to_string("community/email_digest.txt", context),
            to=[address],
            headers=headers,
        ),
        recipient=address,
        report=lambda recipient, error: failures.append(
            email_failure_note(what=_("Le résumé"), recipient=recipient, error=error)
        ),
        about="community digest",
    )


# --- Head office and moderation ----------------------------------------------------------------
def _audit(actor: Any, action: str, **fields: Any) -> ModerationAction:
    note = fields.pop("note", "")
    return ModerationAction.objects.create(actor=actor, action=action, note=note[:500], **fields)


def _require_moderator(by: Any) -> None:
    if not selectors.can_moderate(by):
        raise PermissionDenied


def idea_merge(*, source: Idea, target: Idea, by: Any) -> Idea:
    """Merge the duplicate ``source`` into ``target``: votes moved without double counting (a
    voter on both keeps one vote), comments and followers moved, ``source`` redirects there and
    its voters are told. Locks both ideas, lowest id first."""
    _require_moderator(by)
    if source.pk == target.pk:
        raise ValidationError(_("Une idée ne peut être fusionnée avec elle-même."), code="merge")
    if source.campaign_id != target.campaign_id:
        raise ValidationError(_("Les deux idées sont de campagnes différentes."), code="merge")
    with transaction.atomic():
        locked = {
            i.pk: i
            for i in Idea.objects.select_for_update()
            .filter(pk__in=[source.pk, target.pk])
            .order_by("pk")
        }
        source, target = locked[source.pk], locked[target.pk]
        if source.status == Idea.Status.MERGED or target.status == Idea.Status.MERGED:
            raise ValidationError(_("L'une des idées est déjà fusionnée."), code="merge")
        source_voters = list(Vote.objects.filter(idea=source).values_list("voter_id", flat=True))
        on_target = Vote.objects.filter(idea=target).values("voter_id")
        Vote.objects.filter(idea=source).exclude(voter_id__in=on_target).update(idea=target)
        Vote.objects.filter(idea=source).delete()
        Comment.objects.filter(idea=source).update(idea=target)
        followed = Follow.objects.filter(idea=target).values("collaborator_id")
        Follow.objects.filter(idea=source).exclude(collaborator_id__in=followed).update(idea=target)
        Follow.objects.filter(idea=source).delete()
        counts = Vote.objects.filter(idea=target).aggregate(
            votes=Count("id"), owners=Count("id", filter=Q(is_owner=True))
        )
        comments = Comment.objects.filter(idea=target, hidden=False, pending=False).count()
        Idea.objects.filter(pk=target.pk).update(
            vote_count=counts["votes"],
            owner_vote_count=counts["owners"],
            comment_count=comments,
            trending=trending_score(votes=counts["votes"], created_at=target.created_at),
        )
        Idea.objects.filter(pk=source.pk).update(
            status=Idea.Status.MERGED,
            merged_into=target,
            vote_count=0,
            owner_vote_count=0,
            comment_count=0,
            answered_at=timezone.now(),
        )
        _notify(
            source_voters + [source.author_id],
            kind=Notification.Kind.MERGED,
            idea=target,
            text=_("« %(source)s » a été fusionnée avec « %(target)s » : votre vote y est compté.")
            % {"source": source.title, "target": target.title},
        )
        _audit(by, "idea_merge", idea=source, note=f"→ {target.pk}")
    target.refresh_from_db()
    return target


STATUS_CHOICES_BY_HEAD_OFFICE = (
    Idea.Status.NEW,
    Idea.Status.UNDER_REVIEW,
    Idea.Status.PLANNED,
    Idea.Status.ADOPTED,
    Idea.Status.DECLINED,
)


def idea_status_set(*, idea: Idea, status: str, answer: str, by: Any) -> Idea:
    """An official status with its public answer; the idea's followers and voters are told."""
    _require_moderator(by)
    if status not in STATUS_CHOICES_BY_HEAD_OFFICE:
        raise ValidationError(_("Statut inconnu."), code="status")
    if idea.status == Idea.Status.MERGED:
        raise ValidationError(_("Une idée fusionnée ne change plus de statut."), code="status")
    if status != Idea.Status.NEW and not answer.strip():
        raise ValidationError(_("Le statut officiel s'accompagne d'une réponse."), code="answer")
    now = timezone.now()
    with transaction.atomic():
        idea.status = status
        idea.answer = answer.strip()
        idea.answered_at = now
        if status == Idea.Status.ADOPTED and idea.adopted_at is None:
            idea.adopted_at = now
        idea.save(update_fields=["status", "answer", "answered_at", "adopted_at", "updated_at"])
        audience = set(Follow.objects.filter(idea=idea).values_list("collaborator_id", flat=True))
        audience |= set(Vote.objects.filter(idea=idea).values_list("voter_id", flat=True))
        _notify(
            audience,
            kind=Notification.Kind.STATUS,
            idea=idea,
            text=_("« %(title)s » : %(status)s.")
            % {"title": idea.title, "status": Idea.Status(status).label},
        )
        _audit(by, "idea_status", idea=idea, note=f"{status}: {answer[:400]}")
    return idea


def idea_approve(*, idea: Idea, by: Any) -> Idea:
    _require_moderator(by)
    if idea.status != Idea.Status.PENDING:
        return idea
    with transaction.atomic():
        Idea.objects.filter(pk=idea.pk).update(status=Idea.Status.NEW)
        Collaborator.objects.filter(pk=idea.author_id).update(
            approved_posts=F("approved_posts") + 1
        )
        _audit(by, "idea_approve", idea=idea)
        idea.refresh_from_db()
        _notify_mentions(idea.body, idea=idea, by=idea.author)
    return idea


def comment_approve(*, comment: Comment, by: Any) -> Comment:
    _require_moderator(by)
    with transaction.atomic():
        updated = Comment.objects.filter(pk=comment.pk, pending=True).update(pending=False)
        if updated:
            Idea.objects.filter(pk=comment.idea_id).update(comment_count=F("comment_count") + 1)
            Collaborator.objects.filter(pk=comment.author_id).update(
                approved_posts=F("approved_posts") + 1
            )
            _audit(by, "comment_approve", comment=comment, idea=comment.idea)
            comment.refresh_from_db()
            _after_comment(comment)
    return comment


def idea_hide(*, idea: Idea, by: Any, note: str, hidden: bool = True) -> Idea:
    _require_moderator(by)
    if not note.strip():
        raise ValidationError(_("Indiquez la raison (note publique)."), code="note")
    with transaction.atomic():
        Idea.objects.filter(pk=idea.pk).update(hidden=hidden, moderation_note=note.strip()[:280])
        _audit(by, "idea_hide" if hidden else "idea_show", idea=idea, note=note)
    idea.refresh_from_db()
    return idea


def comment_hide(*, comment: Comment, by: Any, note: str) -> Comment:
    _require_moderator(by)
    with transaction.atomic():
        if Comment.objects.filter(pk=comment.pk, hidden=False, pending=False).update(
            hidden=True, moderation_note=note.strip()[:280]
        ):
            Idea.objects.filter(pk=comment.idea_id).update(comment_count=F("comment_count") - 1)
        _audit(by, "comment_hide", comment=comment, idea=comment.idea, note=note)
    comment.refresh_from_db()
    return comment


def collaborator_ban(
    *, collaborator: Collaborator, by: Any, until: dt.datetime | None, note: str
) -> Collaborator:
    """Ban for a time (``until``) or for good (``None``)."""
    _require_moderator(by)
    with transaction.atomic():
        Collaborator.objects.filter(pk=collaborator.pk).update(
            banned_until=until, banned_forever=until is None
        )
        _audit(by, "ban", collaborator=collaborator, note=f"{until or 'définitif'} — {note}")
    collaborator.refresh_from_db()
    return collaborator


def report_create(
    *,
    reporter: Collaborator,
    reason: str,
    idea: Idea | None = None,
    comment: Comment | None = None,
    detail: str = "",
) -> Report:
    if reason not in Report.Reason.values:
        raise ValidationError(_("Choisissez une raison."), code="reason")
    _rate_limited("report", reporter.user_id, limit=20, window=3600)
    return Report.objects.create(
        reporter=reporter, idea=idea, comment=comment, reason=reason, detail=detail.strip()[:500]
    )


def idea_link_option(
    *, idea: Idea, by: Any, model_code: str, family: str, value: str
) -> IdeaOptionLink:
    """Head office links an adopted idea to the configurator value it became: one buyers
    configure now (its author, voters and followers are told at once), or one of the revision
    about to be published (they are told when it is: ``ideas_announce_published``)."""
    if not getattr(by, "is_head_office", False):
        raise PermissionDenied
    if idea.status != Idea.Status.ADOPTED:
        raise ValidationError(_("Seule une idée adoptée devient une option."), code="not_adopted")
    state = selectors.configurator_value_state(model_code=model_code, family=family, value=value)
    if state is None:
        raise ValidationError(
            _("Cette valeur n'existe ni dans les données produit publiées ni dans le brouillon."),
            code="value",
        )
    try:
        with transaction.atomic():
            link = IdeaOptionLink.objects.create(
                idea=idea, model_code=model_code, family=family, value=value, linked_by=by
            )
            if state == "published":
                _announce_available(link)
            _audit(by, "idea_link", idea=idea, note=f"{model_code}/{family}={value}")
    except IntegrityError as exc:
        raise ValidationError(
            _("Cette valeur est déjà liée à une idée."), code="value_linked"
        ) from exc
    return link


def _announce_available(link: IdeaOptionLink) -> None:
    """In the caller's transaction: the link is available from now; the idea's author, voters
    and followers get a notification (the bell, and their digest by their own frequency)."""
    link.available_at = timezone.now()
    IdeaOptionLink.objects.filter(pk=link.pk).update(available_at=link.available_at)
    idea = link.idea
    _notify(
        selectors.idea_audience(idea),
        kind=Notification.Kind.AVAILABLE,
        idea=idea,
        text=_("L'idée « %(title)s » est disponible dans le configurateur.")
        % {"title": idea.title},
    )


def ideas_announce_published(*, model_code: str, document: dict[str, Any], **_signal: Any) -> int:
    """A revision of ``model_code`` was published (the configurator's ``product_data_published``):
    the linked ideas it now contains become available and are announced, once; those it no longer
    contains wait for the next revision that has them again. Returns how many were announced."""
    announced = 0
    with transaction.atomic():
        links = (
            IdeaOptionLink.objects.select_for_update()
            .select_related("idea")
            .filter(model_code=model_code)
        )
        for link in links:
            present = selectors.value_in_document(document, family=link.family, value=link.value)
            if present and link.available_at is None:
                _announce_available(link)
                announced += 1
            elif not present and link.available_at is not None:
                IdeaOptionLink.objects.filter(pk=link.pk).update(available_at=None)
    return announced


# --- Attention ---------------------------------------------------------------------------------
def idea_view_record(*, idea_id: int, reader_key: str, engaged_seconds: int = 0) -> None:
    """Count a reader once a day (anonymised key) and add engaged seconds, capped per beat."""
    seconds = max(0, min(int(engaged_seconds), 60))
    today = timezone.localdate()
    view, created = IdeaView.objects.get_or_create(
        idea_id=idea_id, reader_key=reader_key, day=today
    )
    if seconds:
        IdeaView.objects.filter(pk=view.pk).update(engaged_seconds=F("engaged_seconds") + seconds)

"""Reads of the community: lists with their sorts and filters, similar ideas, badges, counts.

The configurator and orders call the two functions at the end (``idea_for_value``,
``ideas_in_configuration``) through the ``community`` template tags, so the arrow stays
community → configurator/orders (their selectors) and never the other way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    Campaign,
    Collaborator,
    Comment,
    Follow,
    Idea,
    IdeaOptionLink,
    IdeaView,
    Membership,
    Vote,
)

PAGE_SIZE = 20
SORTS = ("trending", "new", "top", "discussed", "owners")
VISIBLE = Q(hidden=False) & ~Q(status__in=(Idea.Status.PENDING, Idea.Status.MERGED))
UNSUBSCRIBE_SALT = "community.digest-unsubscribe"


def collaborator_of(user: Any) -> Collaborator | None:
    if not getattr(user, "is_authenticated", False):
        return None
    collaborator = Collaborator.objects.filter(user=user).first()
    if collaborator is not None:
        collaborator.user = user  # the signed-in account, already read: no second read
    return collaborator


def can_moderate(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_head_office or user.has_perm("community.moderate_idea"))


def is_member(*, campaign: Campaign, collaborator: Collaborator | None) -> bool:
    if collaborator is None:
        return False
    return Membership.objects.filter(campaign=campaign, collaborator=collaborator).exists()


def campaigns_visible() -> QuerySet[Campaign]:
    return Campaign.objects.select_related("car_model").annotate(
        idea_total=Count(
            "ideas",
            filter=Q(ideas__hidden=False)
            & ~Q(ideas__status__in=(Idea.Status.PENDING, Idea.Status.MERGED)),
            distinct=True,
        ),
        member_total=Count("memberships", distinct=True),
    )


@dataclass(frozen=True, slots=True)
class CampaignCounts:
    members: int
    ideas: int
    votes: int
    comments: int
    adopted: int


def campaign_counts(campaign: Campaign) -> CampaignCounts:
    totals = Idea.objects.filter(VISIBLE, campaign=campaign).aggregate(
        ideas=Count("id"), votes=Sum("vote_count"), comments=Sum("comment_count")
    )
    adopted = Idea.objects.filter(campaign=campaign, status=Idea.Status.ADOPTED).count()
    return CampaignCounts(
        members=campaign.memberships.count(),
        ideas=totals["ideas"] or 0,
        votes=totals["votes"] or 0,
        comments=totals["comments"] or 0,
        adopted=adopted,
    )


def ideas_list(
    *,
    campaign: Campaign | None = None,
    sort: str = "trending",
    category: str = "",
    status: str = "",
    by_owners: bool = False,
    tag: str = "",
) -> QuerySet[Idea]:
    """Visible ideas, sorted and filtered; ``select_related`` keeps a page at constant queries."""
    qs = Idea.objects.filter(VISIBLE).select_related("author", "campaign")
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if category:
        qs = qs.filter(category=category)
    if status and status in Idea.Status.values:
        qs = qs.filter(status=status)
    if by_owners:
        qs = qs.filter(owner_vote_count__gt=0)
    if tag:
        qs = (
            qs.filter(tags__contains=[tag])
            if connection.vendor == "postgresql"
            else qs.filter(tags__icontains=f'"{tag}"')
        )
    order = {
        "new": ("-created_at", "-id"),
        "top": ("-vote_count", "-id"),
        "discussed": ("-comment_count", "-id"),
        "owners": ("-owner_vote_count", "-vote_count", "-id"),
    }.get(sort, ("-trending", "-id"))
    return qs.defer("body").order_by(*order)


MAX_PAGE = 500  # 10,000 ideas deep: further than anyone pages by hand


@dataclass(frozen=True, slots=True)
class IdeaPage:
    """A page of a list without ``COUNT(*)``: one row more than a page tells whether there is a
    next one, so a page costs one indexed read whatever the list's length."""

    ideas: list[Idea]
    number: int
    has_next: bool

    def __iter__(self) -> Any:
        return iter(self.ideas)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def ideas_page(ideas: QuerySet[Idea], page: str | None) -> IdeaPage:
    """Page ``page`` (1 when missing or not a number, at most ``MAX_PAGE``) of a sorted list."""
    try:
        number = min(max(int(page or 1), 1), MAX_PAGE)
    except ValueError:
        number = 1
    start = (number - 1) * PAGE_SIZE
    rows = list(ideas[start : start + PAGE_SIZE + 1])
    return IdeaPage(ideas=rows[:PAGE_SIZE], number=number, has_next=len(rows) > PAGE_SIZE)


def voted_ids(collaborator: Collaborator | None, idea_ids: list[int]) -> set[int]:
    if collaborator is None or not idea_ids:
        return set()
    return set(
        Vote.objects.filter(voter=collaborator, idea_id__in=idea_ids).values_list(
            "idea_id", flat=True
        )
    )


def idea_detail(pk: int) -> Idea | None:
    return (
        Idea.objects.select_related("author", "campaign", "merged_into")
        .prefetch_related("images", "option_links")
        .filter(pk=pk)
        .first()
    )


def idea_comments(idea: Idea, *, moderator: bool = False) -> list[Comment]:
    """Top-level comments with their replies (two levels), in order."""
    shown = Q() if moderator else Q(hidden=False, pending=False)
    replies = Comment.objects.filter(shown).select_related("author__user")
    return list(
        Comment.objects.filter(shown, idea=idea, parent__isnull=True)
        .select_related("author__user")
        .prefetch_related(Prefetch("replies", queryset=replies))
    )


@dataclass(frozen=True, slots=True)
class VoteSplit:
    total: int
    owners: int
    configured: int
    ordered: int
    others: int


def vote_split(idea: Idea) -> VoteSplit:
    row = Vote.objects.filter(idea=idea).aggregate(
        n_total=Count("id"),
        n_owners=Count("id", filter=Q(is_owner=True)),
        n_configured=Count("id", filter=Q(configured=True)),
        n_ordered=Count("id", filter=Q(ordered=True)),
        n_others=Count("id", filter=Q(is_owner=False, configured=False, ordered=False)),
    )
    return VoteSplit(**{key[2:]: value for key, value in row.items()})


def voter_badges(
    *, user: Any, campaign: Campaign, garage_owner: bool | None = None
) -> tuple[bool, bool, bool]:
    """(owner of the campaign's model: a delivered order or a car of that model in "my garage";
    configured it: a saved configuration; ordered it: an order not cancelled) — read from
    orders', workshop's and configurator's selectors. ``garage_owner``: already known (a page
    reads its authors' garages in one query)."""
    car_model = campaign.car_model
    if car_model is None:
        return False, False, False
    from autovitrine.configurator.selectors import saved_configurations_of
    from autovitrine.orders.selectors import customer_orders

    model_name = car_model.name
    # One read of the buyer's orders of this model for both badges.
    counts = (
        customer_orders(customer_id=user.pk)
        .filter(vehicle__model=model_name)
        .aggregate(
            delivered=Count("pk", filter=Q(status="delivered")),
            standing=Count("pk", filter=~Q(status__in=("draft", "cancelled", "withdrawn"))),
        )
    )
    if garage_owner is None:
        garage_owner = bool(_garage_owners([user.pk], campaign))
    owner, ordered = counts["delivered"] > 0 or garage_owner, counts["standing"] > 0
    configured = any(
        saved.product_data.car_model_id == campaign.car_model_id
        for saved in saved_configurations_of(user, [])
    )
    return owner, configured, ordered


def _garage_owners(user_ids: list[int], campaign: Campaign) -> set[int]:
    from autovitrine.workshop.selectors import garage_owners_of_model

    if campaign.car_model_id is None or not user_ids:
        return set()
    return garage_owners_of_model(owner_ids=user_ids, car_model_id=campaign.car_model_id)


def author_badges(collaborators: list[Collaborator], campaign: Campaign) -> dict[int, str]:
    """A short badge per author for a page of comments (owner first)."""
    badges: dict[int, str] = {}
    authors = {c.pk: c for c in collaborators}.values()
    in_garage = _garage_owners([c.user_id for c in authors], campaign)
    for collaborator in authors:
        owner, configured, ordered = voter_badges(
            user=collaborator.user,
            campaign=campaign,
            garage_owner=collaborator.user_id in in_garage,
        )
        if owner:
            badges[collaborator.pk] = "owner"
        elif ordered:
            badges[collaborator.pk] = "ordered"
        elif configured:
            badges[collaborator.pk] = "configured"
    return badges


# --- Similar ideas -----------------------------------------------------------------------------
_WORD = re.compile(r"\w{3,}", re.UNICODE)
SIMILAR_LIMIT = 5


def similar_ideas(*, campaign: Campaign, title: str, limit: int = SIMILAR_LIMIT) -> list[Idea]:
    """The ideas of the campaign closest to a title being typed, best first."""
    title = title.strip()[:140]
    words = _WORD.findall(title)
    if not words:
        return []
    if connection.vendor == "postgresql":
        ids = _similar_postgres(campaign.pk, title, limit)
    else:
        ids = _similar_sqlite(campaign.pk, words, limit)
    by_id = {i.pk: i for i in Idea.objects.filter(VISIBLE, pk__in=ids).select_related("author")}
    return [by_id[i] for i in ids if i in by_id]


def _similar_postgres(campaign_id: int, title: str, limit: int) -> list[int]:
    # Full text in French without accents (stemmed words), or trigram similarity (typos, word
    # pieces); ranked by the better of the two, max(2 × ts_rank, similarity). Bounded: the only
    # candidates are the best ``limit`` by full text and the best ``limit`` by trigrams, these
    # read from the GiST index by distance (<-> is 1 − similarity, KNN), so at most 2 × limit
    # titles are scored whatever the campaign's size. Indexes: migrations 0002 and 0004.
    sql = """
        WITH words AS (
            SELECT id, ts_rank(to_tsvector('community_fr', title), q) AS rank
            FROM community_idea, plainto_tsquery('community_fr', %(t)s) q
            WHERE to_tsvector('community_fr', title) @@ q AND campaign_id = %(c)s
              AND hidden = false AND status NOT IN ('pending', 'merged')
            ORDER BY rank DESC, id DESC
            LIMIT %(n)s
        ), letters AS (
            SELECT id
            FROM community_idea
            WHERE community_unaccent(lower(title)) %% community_unaccent(lower(%(t)s))
              AND campaign_id = %(c)s AND hidden = false AND status NOT IN ('pending', 'merged')
            ORDER BY community_unaccent(lower(title)) <-> community_unaccent(lower(%(t)s))
            LIMIT %(n)s
        )
        SELECT i.id
        FROM community_idea i, plainto_tsquery('community_fr', %(t)s) q
        WHERE i.id IN (SELECT id FROM words UNION SELECT id FROM letters)
        ORDER BY GREATEST(
                   ts_rank(to_tsvector('community_fr', i.title), q) * 2,
                   similarity(community_unaccent(lower(i.title)), community_unaccent(lower(%(t)s)))
                 ) DESC, i.id DESC
        LIMIT %(n)s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"t": title, "c": campaign_id, "n": limit})
        return [row[0] for row in cursor.fetchall()]


def _similar_sqlite(campaign_id: int, words: list[str], limit: int) -> list[int]:
    query = " OR ".join(f'"{w.replace(chr(34), "")}"*' for w in words[:12])
    sql = """
        SELECT i.id FROM community_idea_fts f JOIN community_idea i ON i.id = f.rowid
        WHERE community_idea_fts MATCH %s AND i.campaign_id = %s AND i.hidden = 0
          AND i.status NOT IN ('pending', 'merged')
        ORDER BY bm25(community_idea_fts), i.id DESC LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [query, campaign_id, limit])
        return [row[0] for row in cursor.fetchall()]


# --- Roadmap, notifications, digest ------------------------------------------------------------
ROADMAP_COLUMNS = (Idea.Status.UNDER_REVIEW, Idea.Status.PLANNED, Idea.Status.ADOPTED)


def roadmap(campaign: Campaign) -> list[tuple[str, list[Idea]]]:
    ideas = (
        Idea.objects.filter(campaign=campaign, hidden=False, status__in=ROADMAP_COLUMNS)
        .select_related("author")
        .order_by("-vote_count", "-id")
    )
    columns: dict[str, list[Idea]] = {s: [] for s in ROADMAP_COLUMNS}
    for idea in ideas:
        columns[idea.status].append(idea)
    return [(str(Idea.Status(s).label), columns[s]) for s in ROADMAP_COLUMNS]


def unread_count(collaborator: Collaborator | None) -> int:
    if collaborator is None:
        return 0
    return collaborator.notifications.filter(read_at__isnull=True).count()


def digest_due(*, now: dt.datetime) -> QuerySet[Collaborator]:
    daily = Q(digest=Collaborator.Digest.DAILY) & (
        Q(digest_sent_at__isnull=True) | Q(digest_sent_at__lte=now - dt.timedelta(hours=23))
    )
    weekly = Q(digest=Collaborator.Digest.WEEKLY) & (
        Q(digest_sent_at__isnull=True) | Q(digest_sent_at__lte=now - dt.timedelta(days=6, hours=23))
    )
    return Collaborator.objects.filter(daily | weekly).select_related("user")


def unsubscribe_token(collaborator: Collaborator) -> str:
    return signing.dumps(collaborator.pk, salt=UNSUBSCRIBE_SALT)


def unsubscribe_collaborator(token: str) -> Collaborator | None:
    try:
        pk = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return Collaborator.objects.filter(pk=pk).first()


def unsubscribe_url(collaborator: Collaborator) -> str:
    base = getattr(settings, "PUBLIC_BASE_URL", "").rstrip("/")
    path = reverse("community:unsubscribe", kwargs={"token": unsubscribe_token(collaborator)})
    return f"{base}{path}"


# --- Attention ---------------------------------------------------------------------------------
def reader_key(*, client_ip: str, user_agent: str, idea_id: int) -> str:
    """An anonymised reader: a hash salted with the secret and the day, so no address is kept
    and keys cannot be linked across days or ideas."""
    day = timezone.localdate().isoformat()
    raw = f"{settings.SECRET_KEY}|{day}|{idea_id}|{client_ip}|{user_agent[:200]}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class DayFigures:
    day: dt.date
    readers: int
    seconds: int
    votes: int
    comments: int


def _attention_by_day(*, days: int, **on: Any) -> list[DayFigures]:
    """Readers, engaged seconds, votes and comments per day over the last ``days`` days, for the
    ideas ``on`` selects (``idea__campaign=…`` or ``idea=…``): four grouped queries."""
    from django.db.models.functions import TruncDate

    since = timezone.localdate() - dt.timedelta(days=days - 1)
    views = {
        row["day"]: row
        for row in IdeaView.objects.filter(day__gte=since, **on)
        .values("day")
        .annotate(readers=Count("id"), seconds=Sum("engaged_seconds"))
    }

    def per_day(model: type[Vote] | type[Comment]) -> dict[dt.date, int]:
        return {
            row["d"]: row["n"]
            for row in model.objects.filter(created_at__date__gte=since, **on)
            .annotate(d=TruncDate("created_at"))
            .values("d")
            .annotate(n=Count("id"))
        }

    votes, comments = per_day(Vote), per_day(Comment)
    out = []
    for i in range(days):
        day = since + dt.timedelta(days=i)
        view: Mapping[str, Any] = views.get(day, {})
        out.append(
            DayFigures(
                day=day,
                readers=view.get("readers", 0),
                seconds=view.get("seconds") or 0,
                votes=votes.get(day, 0),
                comments=comments.get(day, 0),
            )
        )
    return out


def campaign_attention(campaign: Campaign, *, days: int = 14) -> list[DayFigures]:
    return _attention_by_day(days=days, idea__campaign=campaign)


def idea_attention_by_day(idea: Idea, *, days: int = 14) -> list[DayFigures]:
    """The same figures for one idea (its moderators' view): attention is the metric (seed 003)."""
    return _attention_by_day(days=days, idea=idea)


def attention_peak(days: list[DayFigures]) -> int:
    """The largest bar of a chart (readers or votes), 1 at least."""
    return max([d.readers for d in days] + [d.votes for d in days] + [1])


def idea_attention(idea: Idea) -> dict[str, int]:
    row = IdeaView.objects.filter(idea=idea).aggregate(
        views=Count("id"), seconds=Sum("engaged_seconds")
    )
    readers = IdeaView.objects.filter(idea=idea).values("reader_key").distinct().count()
    return {"views": row["views"], "readers": readers, "seconds": row["seconds"] or 0}


# --- From idea to car --------------------------------------------------------------------------
def value_in_document(document: dict[str, Any], *, family: str, value: str) -> bool:
    """A family's value by its code; an option or pack is its own family, chosen as "1"."""
    for fam in document.get("families", []):
        if fam.get("code") == family:
            return any(v.get("code") == value for v in fam.get("values", []))
    extras = document.get("options", []) + document.get("packs", [])
    return value == "1" and any(item.get("code") == family for item in extras)


def configurator_value_state(*, model_code: str, family: str, value: str) -> str | None:
    """ "published" (buyers configure it now), "upcoming" (in the revision head office is about to
    publish) or ``None`` (in neither)."""
    from autovitrine.configurator.selectors import (
        published_product_data,
        upcoming_product_data_document,
    )

    product_data = published_product_data(model_code)
    if product_data is not None:
        document = (
            type(product_data)
            .objects.filter(pk=product_data.pk)
            .values_list("document", flat=True)[0]
        )
        if value_in_document(document, family=family, value=value):
            return "published"
    upcoming = upcoming_product_data_document(model_code)
    if upcoming is not None and value_in_document(upcoming, family=family, value=value):
        return "upcoming"
    return None


def idea_audience(idea: Idea) -> set[int]:
    """Who hears of an idea's fate: its author, its voters and its followers."""
    audience = set(Vote.objects.filter(idea=idea).values_list("voter_id", flat=True))
    audience |= set(Follow.objects.filter(idea=idea).values_list("collaborator_id", flat=True))
    audience.add(idea.author_id)
    return audience


def idea_for_value(*, model_code: str, family: str, value: str) -> IdeaOptionLink | None:
    return (
        IdeaOptionLink.objects.select_related("idea__author")
        .filter(model_code=model_code, family=family, value=value)
        .first()
    )


def ideas_for_model(model_code: str) -> dict[tuple[str, str], IdeaOptionLink]:
    return {
        (link.family, link.value): link
        for link in IdeaOptionLink.objects.select_related("idea__author").filter(
            model_code=model_code
        )
    }


def ideas_in_configuration(
    *, model_code: str, configuration: dict[str, Any]
) -> list[IdeaOptionLink]:
    """The community ideas a configuration ({family: value}) includes."""
    found = []
    for (family, value), link in ideas_for_model(model_code).items():
        chosen = configuration.get(family)
        if chosen is None:
            continue
        text = str(int(chosen)) if isinstance(chosen, bool) else str(chosen)
        if text == value or (value in ("1", "true") and chosen is True):
            found.append(link)
    return found


def idea_credit_text(link: IdeaOptionLink) -> str:
    """ "« title », l'idée de <name>, adoptée en <month year>" (the link's idea and author read)."""
    from django.utils.formats import date_format

    adopted = link.idea.adopted_at or link.created_at
    return _("« %(title)s », l'idée de %(name)s, adoptée en %(month)s") % {
        "title": link.idea.title,
        "name": link.idea.author.public_name,
        "month": date_format(timezone.localtime(adopted), "F Y"),
    }


def order_idea_credits(*, order: Any, **_signal: Any) -> list[str]:
    """Receiver of orders' ``order_credits_requested``: the community ideas the ordered car
    includes, from the configuration frozen in the order (or, for an order made before it was,
    the saved configuration it came from). A car from stock carries no configuration: none."""
    vehicle = order.vehicle or {}
    model_code, configuration = vehicle.get("model_code"), vehicle.get("configuration")
    if configuration is None and vehicle.get("configuration_code"):
        from autovitrine.configurator.selectors import saved_configuration

        saved = saved_configuration(vehicle["configuration_code"])
        if saved is not None:
            model_code = saved.product_data.car_model.code
            configuration = saved.configuration
    if not model_code or not configuration:
        return []
    return [
        idea_credit_text(link)
        for link in ideas_in_configuration(model_code=model_code, configuration=configuration)
    ]

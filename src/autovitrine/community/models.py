"""Co-design community: collaborators, campaigns, ideas, votes, comments, follows, notifications.

Counters (``Idea.vote_count``, ``Idea.comment_count``, ``Comment.upvote_count``) are kept by the
services in the same transaction as the row they count, with one ``UPDATE … SET n = n ± 1``;
the unique constraints below are what make "one vote per account per idea" true.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from autovitrine.core.models import TimeStampedModel


class Category(models.TextChoices):
    DESIGN = "design", _("Design")
    MATERIALS = "materials", _("Matériaux")
    FEATURES = "features", _("Équipements et fonctions")
    MANUFACTURING = "manufacturing", _("Fabrication")
    MARKETING = "marketing", _("Marketing")


class Collaborator(TimeStampedModel):
    """The public face of an account in the community: never its e-mail."""

    class Digest(models.TextChoices):
        NONE = "none", _("Jamais")
        DAILY = "daily", _("Chaque jour")
        WEEKLY = "weekly", _("Chaque semaine")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="collaborator",
        verbose_name=_("compte"),
    )
    public_name = models.CharField(_("nom public"), max_length=30, unique=True)
    avatar = models.ImageField(_("avatar"), upload_to="community/avatars/", blank=True)
    bio = models.CharField(_("présentation"), max_length=280, blank=True)
    digest = models.CharField(
        _("résumé par e-mail"), max_length=10, choices=Digest, default=Digest.WEEKLY
    )
    digest_sent_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("dernier résumé envoyé le")
    )
    # Why the last digest did not leave (blank once one does): shown on the collaborator's
    # notifications page, where they can correct their address (issue 10).
    digest_error = models.CharField(
        _("erreur du dernier résumé"), max_length=500, blank=True, default=""
    )
    banned_until = models.DateTimeField(_("banni jusqu'au"), null=True, blank=True)
    banned_forever = models.BooleanField(_("banni définitivement"), default=False)
    approved_posts = models.PositiveIntegerField(
        default=0, verbose_name=_("contributions approuvées")
    )

    class Meta:
        verbose_name = _("collaborateur")
        verbose_name_plural = _("collaborateurs")

    def __str__(self) -> str:
        return self.public_name

    @property
    def is_banned(self) -> bool:
        return self.banned_forever or bool(self.banned_until and self.banned_until > timezone.now())


class Campaign(TimeStampedModel):
    class Licence(models.TextChoices):
        CC_BY_4 = "cc-by-4.0", _("Creative Commons Attribution 4.0 (CC BY 4.0)")
        ASSIGNMENT = "assignment", _("Cession des droits à la marque")

    class Phase(models.TextChoices):
        UPCOMING = "upcoming", _("À venir")
        IDEAS = "ideas", _("Dépôt des idées")
        VOTES = "votes", _("Votes")
        RESULTS = "results", _("Résultats")
        CLOSED = "closed", _("Clôturée")

    slug = models.SlugField(_("adresse"), max_length=60, unique=True)
    title = models.CharField(_("titre"), max_length=120)
    theme = models.TextField(_("thème"))
    car_model = models.ForeignKey(
        "catalog.CarModel",
        verbose_name=_("modèle concerné"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    categories = models.JSONField(_("catégories"), default=list, blank=True)
    rules = models.TextField(_("règlement"), blank=True)
    terms_version = models.CharField(_("version du règlement"), max_length=20, default="1")
    licence = models.CharField(
        _("licence des contributions"), max_length=20, choices=Licence, default=Licence.CC_BY_4
    )
    licence_version = models.CharField(_("version de la licence"), max_length=20, default="1")
    image = models.ImageField(_("image"), upload_to="community/campaigns/", blank=True)
    ideas_open_at = models.DateTimeField(_("ouverture des idées"))
    votes_open_at = models.DateTimeField(_("ouverture des votes"))
    results_at = models.DateTimeField(_("résultats"))
    closed_at = models.DateTimeField(_("clôture"))
    pre_moderation = models.BooleanField(
        _("pré-modération des premiers messages des nouveaux comptes"), default=False
    )

    class Meta:
        verbose_name = _("campagne")
        verbose_name_plural = _("campagnes")
        ordering = ("-ideas_open_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(ideas_open_at__lte=models.F("votes_open_at"))
                & Q(votes_open_at__lte=models.F("results_at"))
                & Q(results_at__lte=models.F("closed_at")),
                name="community_campaign_phases_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def phase_at(self, moment=None) -> str:  # type: ignore[no-untyped-def]
        moment = moment or timezone.now()
        if moment < self.ideas_open_at:
            return self.Phase.UPCOMING
        if moment < self.votes_open_at:
            return self.Phase.IDEAS
        if moment < self.results_at:
            return self.Phase.VOTES
        if moment < self.closed_at:
            return self.Phase.RESULTS
        return self.Phase.CLOSED

    @property
    def phase(self) -> str:
        return self.phase_at()

    @property
    def phase_label(self) -> str:
        return str(self.Phase(self.phase).label)


class Membership(models.Model):
    """A collaborator joined a campaign, accepting its terms and licence at these versions."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="memberships")
    collaborator = models.ForeignKey(
        Collaborator, on_delete=models.CASCADE, related_name="memberships"
    )
    terms_version = models.CharField(max_length=20)
    licence = models.CharField(max_length=20, choices=Campaign.Licence)
    licence_version = models.CharField(max_length=20)
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(
                fields=("campaign", "collaborator"), name="community_one_membership"
            )
        ]


class Idea(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("En attente de modération")
        NEW = "new", _("Nouvelle")
        UNDER_REVIEW = "under_review", _("À l'étude")
        PLANNED = "planned", _("Prévue")
        ADOPTED = "adopted", _("Adoptée")
        DECLINED = "declined", _("Non retenue")
        MERGED = "merged", _("Fusionnée")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="ideas", verbose_name=_("campagne")
    )
    author = models.ForeignKey(
        Collaborator, on_delete=models.PROTECT, related_name="ideas", verbose_name=_("auteur")
    )
    title = models.CharField(_("titre"), max_length=140)
    body = models.TextField(_("texte (Markdown)"))
    body_html = models.TextField(editable=False, verbose_name=_("texte (HTML)"))
    category = models.CharField(_("catégorie"), max_length=20, choices=Category)
    tags = models.JSONField(_("étiquettes"), default=list, blank=True)
    status = models.CharField(
        _("statut"), max_length=20, choices=Status, default=Status.NEW, db_index=True
    )
    answer = models.TextField(_("réponse officielle"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("répondue le"))
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_ideas",
        verbose_name=_("fusionnée dans"),
    )
    hidden = models.BooleanField(_("masquée"), default=False)
    moderation_note = models.CharField(_("note de modération"), max_length=280, blank=True)
    vote_count = models.IntegerField(default=0, verbose_name=_("votes"))
    owner_vote_count = models.IntegerField(default=0, verbose_name=_("votes des propriétaires"))
    comment_count = models.IntegerField(default=0, verbose_name=_("commentaires"))
    # log10(1 + votes) + seconds since TRENDING_EPOCH / TRENDING_TAU (docs/community.md).
    trending = models.FloatField(default=0.0, db_index=True, verbose_name=_("tendance"))
    adopted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("adoptée le"))

    class Meta:
        verbose_name = _("idée")
        verbose_name_plural = _("idées")
        indexes = [
            # Each list order ends with -id (the page's tie-break) so a page is read straight
            # from the index, without a sort step.
            models.Index(fields=("campaign", "-created_at", "-id"), name="community_idea_new_id"),
            models.Index(fields=("campaign", "-vote_count", "-id"), name="community_idea_top_id"),
            models.Index(fields=("campaign", "-trending", "-id"), name="community_idea_trend_id"),
            models.Index(fields=("-vote_count", "id"), name="community_idea_top_all"),
            models.Index(
                fields=("campaign", "-comment_count", "-id"), name="community_idea_talk_id"
            ),
            models.Index(
                fields=("campaign", "-owner_vote_count", "-vote_count", "-id"),
                name="community_idea_owners_id",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(vote_count__gte=0), name="community_votes_gte_0")
        ]
        permissions = [("moderate_idea", _("Peut modérer la communauté"))]

    def __str__(self) -> str:
        return self.title


class IdeaRevision(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(max_length=140)
    body = models.TextField()
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=280, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-id")


class IdeaImage(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="community/ideas/")
    created_at = models.DateTimeField(default=timezone.now)


class Vote(models.Model):
    """One per account and idea (constraint); the badges say who the voter is to the brand."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(Collaborator, on_delete=models.CASCADE, related_name="votes")
    is_owner = models.BooleanField(default=False)
    configured = models.BooleanField(default=False)
    ordered = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("idea", "voter"), name="community_one_vote_per_idea")
        ]
        indexes = [models.Index(fields=("voter", "idea"), name="community_vote_voter")]


class Follow(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="follows")
    collaborator = models.ForeignKey(Collaborator, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("idea", "collaborator"), name="community_one_follow")
        ]


class Comment(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(Collaborator, on_delete=models.PROTECT, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    body = models.TextField()
    body_html = models.TextField(editable=False)
    upvote_count = models.IntegerField(default=0)
    hidden = models.BooleanField(default=False)
    pending = models.BooleanField(default=False)
    moderation_note = models.CharField(max_length=280, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ("created_at", "id")
        indexes = [models.Index(fields=("idea", "created_at"), name="community_comment_idea")]


class CommentUpvote(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="upvotes")
    voter = models.ForeignKey(Collaborator, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("comment", "voter"), name="community_one_upvote")
        ]


class Notification(models.Model):
    class Kind(models.TextChoices):
        MENTION = "mention", _("Mention")
        COMMENT = "comment", _("Commentaire")
        STATUS = "status", _("Statut")
        MERGED = "merged", _("Fusion")
        AVAILABLE = "available", _("Disponible")

    recipient = models.ForeignKey(
        Collaborator, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind)
    idea = models.ForeignKey(Idea, null=True, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(
                fields=("recipient", "created_at"),
                name="community_notif_unread",
                condition=Q(read_at__isnull=True),
            )
        ]


class Report(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam ou publicité")
        ABUSE = "abuse", _("Propos injurieux")
        OFF_TOPIC = "off_topic", _("Hors sujet")
        DUPLICATE = "duplicate", _("Doublon")
        OTHER = "other", _("Autre")

    reporter = models.ForeignKey(Collaborator, on_delete=models.CASCADE, related_name="+")
    idea = models.ForeignKey(Idea, null=True, blank=True, on_delete=models.CASCADE)
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE)
    reason = models.CharField(max_length=20, choices=Reason)
    detail = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)


class ModerationAction(models.Model):
    """The audit log: every moderation and head-office decision, never edited."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("modérateur"),
    )
    action = models.CharField(max_length=40, verbose_name=_("action"))
    idea = models.ForeignKey(
        Idea, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("idée")
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("commentaire")
    )
    collaborator = models.ForeignKey(
        Collaborator,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("collaborateur"),
    )
    note = models.CharField(max_length=500, blank=True, verbose_name=_("note"))
    created_at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("date"))

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("action de modération")
        verbose_name_plural = _("journal de modération")


class IdeaOptionLink(models.Model):
    """An adopted idea became this value of a model's product data (configurator family/value)."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="option_links")
    model_code = models.CharField(max_length=40)
    family = models.CharField(max_length=80)
    value = models.CharField(max_length=120)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When the value was first in the published product data (its author, voters and followers
    # told then); ``None`` while it waits in a revision not yet published.
    available_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("model_code", "family", "value"), name="community_one_idea_per_value"
            )
        ]


class IdeaView(models.Model):
    """One engaged reading: an anonymised reader key (a daily salted hash), never an address."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="+")
    reader_key = models.CharField(max_length=32)
    day = models.DateField()
    engaged_seconds = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("idea", "reader_key", "day"), name="community_one_view_per_day"
            )
        ]

"""Flash-sale records: the sale, one row per unit, holds, purchases and the queue's database copy.

PostgreSQL (or SQLite in the embedded default) is the authority on who holds or bought which
unit; Redis only carries the waiting room, which can be rebuilt from ``QueueEntry`` rows.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from autovitrine.core.models import TimeStampedModel


class FlashSale(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        PUBLISHED = "published", _("Annoncée")
        OPEN = "open", _("Ouverte")
        SOLD_OUT = "sold_out", _("Épuisée")
        CLOSED = "closed", _("Terminée")

    # Allowed status moves; only services change the status, and each move writes a SaleEvent.
    TRANSITIONS: dict[str, set[str]] = {
        Status.DRAFT: {Status.PUBLISHED, Status.CLOSED},
        Status.PUBLISHED: {Status.DRAFT, Status.OPEN, Status.CLOSED},
        Status.OPEN: {Status.SOLD_OUT, Status.CLOSED},
        Status.SOLD_OUT: {Status.CLOSED},
        Status.CLOSED: set(),
    }

    brand = models.ForeignKey(
        "catalog.Brand", on_delete=models.PROTECT, related_name="+", verbose_name=_("marque")
    )
    title = models.CharField(_("titre"), max_length=120)
    slug = models.SlugField(_("adresse"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    price_ttc = models.PositiveIntegerField(_("prix TTC (centimes)"))
    deposit_ttc = models.PositiveIntegerField(_("acompte TTC (centimes)"))
    opens_at = models.DateTimeField(_("ouverture"))
    hold_seconds = models.PositiveIntegerField(
        _("durée de réservation (secondes)"),
        default=600,
        validators=[MinValueValidator(1), MaxValueValidator(3600)],
    )
    admission_seconds = models.PositiveIntegerField(
        _("délai pour réserver une fois admis (secondes)"),
        default=120,
        validators=[MinValueValidator(10), MaxValueValidator(900)],
    )
    limit_per_customer = models.PositiveSmallIntegerField(
        _("limite par client"), default=1, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    dealer_choice_allowed = models.BooleanField(
        _("le client choisit la concession de livraison"), default=False
    )
    # Leading zero bits asked of the proof of work at join time (16 ≈ 65,000 hashes on a phone).
    pow_difficulty_bits = models.PositiveSmallIntegerField(
        _("difficulté anti-robot (bits)"),
        default=16,
        validators=[MinValueValidator(0), MaxValueValidator(24)],
    )
    status = models.CharField(
        _("statut"), max_length=12, choices=Status, default=Status.DRAFT, db_index=True
    )
    opened_at = models.DateTimeField(_("ouverte le"), null=True, blank=True)
    # When the waiting room was first found unreachable (Redis down), until it is back: the holds
    # running meanwhile are then extended by the outage's length (issue #11, defect 6).
    queue_outage_since = models.DateTimeField(
        _("file d'attente indisponible depuis"), null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créée par"),
    )

    class Meta:
        verbose_name = _("vente flash")
        verbose_name_plural = _("ventes flash")
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(price_ttc__gt=0), name="flashsale_price_positive"),
            models.CheckConstraint(
                condition=Q(deposit_ttc__gt=0, deposit_ttc__lte=F("price_ttc")),
                name="flashsale_deposit_within_price",
            ),
            models.CheckConstraint(
                condition=Q(limit_per_customer__gte=1), name="flashsale_limit_at_least_one"
            ),
            models.CheckConstraint(
                condition=Q(hold_seconds__gte=1), name="flashsale_hold_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SaleUnit(models.Model):
    """One exact vehicle offered in a sale; claimed by one conditional UPDATE, never read-then-write."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Disponible")
        HELD = "held", _("Réservée")
        SOLD = "sold", _("Vendue")

    sale = models.ForeignKey(
        FlashSale, on_delete=models.CASCADE, related_name="units", verbose_name=_("vente")
    )
    stock_vehicle = models.ForeignKey(
        "inventory.StockVehicle",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("véhicule en stock"),
    )
    # The dealer that owns and delivers the car (every dealer-owned row carries its dealer).
    dealer = models.ForeignKey(
        "dealers.Dealer", on_delete=models.PROTECT, related_name="+", verbose_name=_("concession")
    )
    status = models.CharField(_("statut"), max_length=10, choices=Status, default=Status.AVAILABLE)
    # Copied from the sale so the "one unit per customer" partial index can see it.
    one_per_customer = models.BooleanField(_("un par client"), default=True)
    # True until the sale is closed: a vehicle is in at most one sale that is not closed.
    is_active = models.BooleanField(_("active"), default=True)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("réservée par"),
    )
    held_until = models.DateTimeField(_("réservée jusqu'à"), null=True, blank=True)
    hold_ref = models.UUIDField(_("référence de réservation"), null=True, blank=True)
    sold_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vendue à"),
    )
    sold_at = models.DateTimeField(_("vendue le"), null=True, blank=True)
    payment_ref = models.CharField(_("référence du paiement"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("unité en vente")
        verbose_name_plural = _("unités en vente")
        ordering = ["sale", "id"]
        indexes = [models.Index(fields=["sale", "status", "id"], name="saleunit_claim_order")]
        constraints = [
            models.UniqueConstraint(
                fields=["sale", "stock_vehicle"], name="saleunit_once_per_sale"
            ),
            models.UniqueConstraint(
                fields=["stock_vehicle"],
                condition=Q(is_active=True),
                name="saleunit_vehicle_in_one_open_sale",
            ),
            models.UniqueConstraint(
                fields=["sale", "holder"],
                condition=Q(status__in=["held", "sold"], one_per_customer=True),
                name="saleunit_one_per_customer",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="available", holder__isnull=True, sold_to__isnull=True)
                    | Q(
                        status="held",
                        holder__isnull=False,
                        held_until__isnull=False,
                        hold_ref__isnull=False,
                        sold_to__isnull=True,
                    )
                    | Q(status="sold", holder__isnull=False, sold_to=F("holder"))
                ),
                name="saleunit_status_matches_holder",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sale} — {self.stock_vehicle_id} ({self.status})"


class Hold(models.Model):
    """A buyer's time-limited claim on one unit; the unit row carries the same ``ref``."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("En cours")
        PAID = "paid", _("Payée")
        EXPIRED = "expired", _("Expirée")
        RELEASED = "released", _("Libérée")

    TRANSITIONS: dict[str, set[str]] = {
        Status.ACTIVE: {Status.PAID, Status.EXPIRED, Status.RELEASED},
        Status.PAID: set(),
        Status.EXPIRED: set(),
        Status.RELEASED: set(),
    }

    ref = models.UUIDField(_("référence"), default=uuid.uuid4, unique=True, editable=False)
    sale = models.ForeignKey(
        FlashSale, on_delete=models.CASCADE, related_name="holds", verbose_name=_("vente")
    )
    unit = models.ForeignKey(
        SaleUnit,
        on_delete=models.CASCADE,
        related_name="holds",
        verbose_name=_("véhicule de la vente"),
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("client"),
    )
    delivering_dealer = models.ForeignKey(
        "dealers.Dealer",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("concession de livraison"),
    )
    status = models.CharField(_("statut"), max_length=10, choices=Status, default=Status.ACTIVE)
    expires_at = models.DateTimeField(_("expire le"))
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        verbose_name = _("réservation")
        verbose_name_plural = _("réservations")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["unit", "status"], name="hold_unit_status")]


class Purchase(models.Model):
    """The deposit payment for one hold; becomes the buyer's order once the payment is confirmed."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Paiement en cours")
        PAID = "paid", _("Payée")
        FAILED = "failed", _("Paiement refusé")
        REFUNDED = "refunded", _("Remboursée")

    TRANSITIONS: dict[str, set[str]] = {
        Status.PENDING: {Status.PAID, Status.FAILED, Status.REFUNDED},
        Status.PAID: set(),
        Status.FAILED: set(),
        Status.REFUNDED: set(),
    }

    reference = models.CharField(_("référence"), max_length=24, unique=True)
    hold = models.OneToOneField(
        Hold, on_delete=models.PROTECT, related_name="purchase", verbose_name=_("réservation")
    )
    sale = models.ForeignKey(
        FlashSale, on_delete=models.PROTECT, related_name="purchases", verbose_name=_("vente")
    )
    unit = models.ForeignKey(
        SaleUnit,
        on_delete=models.PROTECT,
        related_name="purchases",
        verbose_name=_("véhicule de la vente"),
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("client"),
    )
    delivering_dealer = models.ForeignKey(
        "dealers.Dealer",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("concession de livraison"),
    )
    amount_ttc = models.PositiveIntegerField(_("acompte TTC (centimes)"))
    payment_ref = models.CharField(
        _("référence du paiement"), max_length=64, unique=True, null=True, blank=True
    )
    status = models.CharField(_("statut"), max_length=10, choices=Status, default=Status.PENDING)
    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    settled_at = models.DateTimeField(_("réglé le"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("achat")
        verbose_name_plural = _("achats")
        ordering = ["-created_at", "-id"]


class QueueEntry(models.Model):
    """The database copy of a place in the waiting room: enough to rebuild it if Redis is lost.

    ``last_admission_ms`` makes admission tokens single-use: a claim moves the entry from
    waiting to claimed only for an admission newer than the last one used.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", _("En file")
        CLAIMED = "claimed", _("Réservation en cours")
        PURCHASED = "purchased", _("A acheté")
        LAPSED = "lapsed", _("Délai dépassé")
        REMOVED = "removed", _("Retiré par le siège")

    TRANSITIONS: dict[str, set[str]] = {
        Status.WAITING: {Status.CLAIMED, Status.REMOVED},
        Status.CLAIMED: {Status.PURCHASED, Status.LAPSED, Status.REMOVED},
        Status.PURCHASED: {Status.WAITING},
        Status.LAPSED: {Status.WAITING, Status.REMOVED},
        Status.REMOVED: set(),
    }

    sale = models.ForeignKey(
        FlashSale, on_delete=models.CASCADE, related_name="queue_entries", verbose_name=_("vente")
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("client"),
    )
    status = models.CharField(_("statut"), max_length=10, choices=Status, default=Status.WAITING)
    pre_queue = models.BooleanField(_("pré-file"), default=False)
    # The draw: a secret random number given at a pre-queue join; at the opening the pre-queue
    # goes to the head of the line in ticket order (a uniformly random order, fixed once the
    # pre-queue closes). Never shown to the buyer.
    ticket = models.BigIntegerField(_("ticket du tirage"), null=True, blank=True)
    joined_at = models.DateTimeField(verbose_name=_("arrivée dans la file"))
    join_key = models.CharField(_("clé d'entrée"), max_length=64, blank=True)
    last_admission_ms = models.BigIntegerField(_("dernière admission (ms)"), null=True, blank=True)
    client_ip = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    removed_reason = models.CharField(_("motif du retrait"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("place dans la file")
        verbose_name_plural = _("file d'attente")
        ordering = ["sale", "joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sale", "customer"], name="queueentry_one_per_account")
        ]
        indexes = [
            models.Index(fields=["sale", "status"], name="queueentry_sale_status"),
            models.Index(fields=["sale", "client_ip"], name="queueentry_sale_ip"),
        ]


class IdempotencyRecord(models.Model):
    """The first answer to a buyer's write, returned again when the same key is retried."""

    class Action(models.TextChoices):
        CLAIM = "claim", _("Réservation")
        PAY = "pay", _("Paiement")

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("client"),
    )
    sale = models.ForeignKey(
        FlashSale, on_delete=models.CASCADE, related_name="+", verbose_name=_("vente")
    )
    action = models.CharField(_("action"), max_length=10, choices=Action)
    key = models.CharField(_("clé"), max_length=64)
    response = models.JSONField(_("réponse"), default=dict)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        verbose_name = _("réponse mémorisée")
        verbose_name_plural = _("réponses mémorisées")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "action", "key"], name="idempotency_once_per_key"
            )
        ]


class SaleEvent(models.Model):
    """One status change of a sale, unit, hold, purchase or queue place (the audit trail)."""

    class Subject(models.TextChoices):
        SALE = "sale", _("Vente")
        UNIT = "unit", _("Unité")
        HOLD = "hold", _("Réservation")
        PURCHASE = "purchase", _("Achat")
        QUEUE = "queue", _("File")

    sale = models.ForeignKey(
        FlashSale, on_delete=models.CASCADE, related_name="events", verbose_name=_("vente")
    )
    subject = models.CharField(_("objet"), max_length=10, choices=Subject)
    subject_id = models.BigIntegerField(_("identifiant de l'objet"), null=True, blank=True)
    from_status = models.CharField(_("statut avant"), max_length=12, blank=True)
    to_status = models.CharField(_("statut après"), max_length=12)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("événement de la vente")
        verbose_name_plural = _("journal des ventes flash")
        ordering = ["created_at", "id"]

"""Leads: questions, test-drive and call-back requests, routed to one dealer."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from autovitrine.core.models import TimeStampedModel
from autovitrine.core.statuses import Transitions


class Lead(TimeStampedModel):
    class Kind(models.TextChoices):
        QUESTION = "question", _("Question")
        TEST_DRIVE = "test_drive", _("Essai")
        CALLBACK = "callback", _("Rappel")

    class Status(models.TextChoices):
        NEW = "new", _("Nouvelle")
        CONTACTED = "contacted", _("Contactée")
        WON = "won", _("Gagnée")
        LOST = "lost", _("Perdue")

    TRANSITIONS = Transitions(
        {
            Status.NEW: {Status.CONTACTED, Status.WON, Status.LOST},
            Status.CONTACTED: {Status.WON, Status.LOST},
            Status.WON: set(),
            Status.LOST: {Status.CONTACTED},
        }
    )

    class Source(models.TextChoices):
        WEB = "web", _("Site")
        QR = "qr", _("QR code")
        CAMPAIGN = "campaign", _("Campagne")
        API = "api", _("API")

    dealer = models.ForeignKey(
        "dealers.Dealer",
        on_delete=models.PROTECT,
        related_name="leads",
        verbose_name=_("concession"),
    )
    vehicle = models.ForeignKey(
        "inventory.StockVehicle",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("véhicule"),
    )
    customer = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("compte client"),
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind)
    status = models.CharField(_("statut"), max_length=20, choices=Status, default=Status.NEW)
    name = models.CharField(_("nom"), max_length=120)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    message = models.TextField(_("message"), blank=True, max_length=2000)
    preferred_slot = models.DateTimeField(_("créneau souhaité"), null=True, blank=True)
    # The test-drive slot both sides agreed on (the dealer confirmed the customer's, or the
    # customer confirmed the dealer's proposal by the signed link); the agenda shows it.
    confirmed_slot = models.DateTimeField(_("créneau confirmé"), null=True, blank=True)
    lost_reason = models.CharField(_("motif de perte"), max_length=300, blank=True)
    source = models.CharField(_("provenance"), max_length=20, choices=Source, default=Source.WEB)
    source_page = models.CharField(_("page d'origine"), max_length=300, blank=True)
    utm_source = models.CharField(_("source UTM"), max_length=100, blank=True)
    utm_medium = models.CharField(_("support UTM"), max_length=100, blank=True)
    utm_campaign = models.CharField(_("campagne UTM"), max_length=100, blank=True)
    idempotency_key = models.CharField(
        _("clé d'idempotence"), max_length=64, null=True, blank=True, unique=True
    )

    class Meta:
        verbose_name = _("demande")
        verbose_name_plural = _("demandes")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["dealer", "status", "-created_at"], name="lead_dealer_status"),
            models.Index(fields=["dealer", "confirmed_slot"], name="lead_dealer_agenda"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.name}"


class LeadEvent(models.Model):
    """One line of a lead's history: a status change, an internal note, a reply e-mailed to the
    customer, a test-drive slot proposed or confirmed. ``note`` is the text, ``by`` the author
    (none when the customer acted, e.g. confirming a slot by the signed link)."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Changement de statut")
        NOTE = "note", _("Note interne")
        REPLY = "reply", _("Réponse au client")
        SLOT_PROPOSED = "slot_proposed", _("Créneau proposé")
        SLOT_CONFIRMED = "slot_confirmed", _("Créneau confirmé")
        WON = "won", _("Gagnée")
        LOST = "lost", _("Perdue")
        # A notification that could not leave: the dealer sees it on the lead and in the list,
        # instead of it being lost in a failed background task.
        EMAIL_FAILED = "email_failed", _("E-mail non envoyé")

    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, related_name="events", verbose_name=_("demande")
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind, default=Kind.STATUS)
    from_status = models.CharField(
        _("statut avant"), max_length=20, blank=True, choices=Lead.Status
    )
    to_status = models.CharField(_("statut après"), max_length=20, choices=Lead.Status)
    by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("auteur"),
    )
    note = models.TextField(_("texte"), blank=True, max_length=2000)
    slot = models.DateTimeField(_("créneau"), null=True, blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        verbose_name = _("événement de la demande")
        verbose_name_plural = _("historique de la demande")
        ordering = ["created_at", "id"]
        constraints = [
            # A slot event without its slot would be a promise nobody can keep.
            models.CheckConstraint(
                condition=~models.Q(kind__in=["slot_proposed", "slot_confirmed"])
                | models.Q(slot__isnull=False),
                name="leadevent_slot_kind_has_slot",
            )
        ]

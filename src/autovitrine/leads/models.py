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

    dealer = models.ForeignKey("dealers.Dealer", on_delete=models.PROTECT, related_name="leads")
    vehicle = models.ForeignKey(
        "inventory.StockVehicle",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
    )
    customer = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="leads"
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind)
    status = models.CharField(_("statut"), max_length=20, choices=Status, default=Status.NEW)
    name = models.CharField(_("nom"), max_length=120)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    message = models.TextField(_("message"), blank=True, max_length=2000)
    preferred_slot = models.DateTimeField(_("créneau souhaité"), null=True, blank=True)
    source = models.CharField(_("provenance"), max_length=20, choices=Source, default=Source.WEB)
    source_page = models.CharField(_("page d'origine"), max_length=300, blank=True)
    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=100, blank=True)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("demande")
        verbose_name_plural = _("demandes")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["dealer", "status", "-created_at"], name="lead_dealer_status")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.name}"


class LeadEvent(models.Model):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True)
    note = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

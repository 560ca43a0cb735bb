"""Payments: one row per payment asked of a provider, and its history of events."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from autovitrine.core.models import TimeStampedModel
from autovitrine.core.statuses import Transitions


class Payment(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        SUCCEEDED = "succeeded", _("Payé")
        FAILED = "failed", _("Échoué")
        REFUNDED = "refunded", _("Remboursé")

    class ReviewReason(models.TextChoices):
        """Why head office must look at a payment: money arrived that no sale could take."""

        PAID_AFTER_FAILURE = "paid_after_failure", _("Payé après un échec")
        AMOUNT_MISMATCH = "amount_mismatch", _("Montant reçu différent du montant dû")
        PAID_TOO_LATE = "paid_too_late", _("Payé après la fin de la réservation ou de la commande")
        UNEXPECTED_EVENT = "unexpected_event", _("Notification inattendue du prestataire")

    class Provider(models.TextChoices):
        SIMULATED = "simulated", _("Simulateur (démonstration)")
        STRIPE = "stripe", _("Stripe")

    # Allowed status moves; anything else is refused by the services. A failed payment is
    # refunded when money arrives for it anyway (it is never attached to a sale).
    TRANSITIONS = Transitions(
        {
            Status.PENDING: {Status.SUCCEEDED, Status.FAILED},
            Status.SUCCEEDED: {Status.REFUNDED},
            Status.FAILED: {Status.REFUNDED},
            Status.REFUNDED: set(),
        }
    )

    provider = models.CharField(_("prestataire"), max_length=20, choices=Provider)
    # Known once the provider has answered; several payments may wait without one.
    provider_id = models.CharField(_("référence prestataire"), max_length=120, blank=True)
    idempotency_key = models.CharField(_("clé d'idempotence"), max_length=80, unique=True)
    purpose = models.CharField(_("objet"), max_length=30)
    reference = models.CharField(_("référence"), max_length=40, db_index=True)
    amount_cents = models.PositiveIntegerField(_("montant (centimes)"))
    currency = models.CharField(_("devise"), max_length=3, default="EUR")
    status = models.CharField(
        _("statut"), max_length=10, choices=Status, default=Status.PENDING, db_index=True
    )
    redirect_url = models.CharField(_("adresse de paiement"), max_length=500, blank=True)
    refund_id = models.CharField(_("référence du remboursement"), max_length=120, blank=True)
    # What went back to the buyer: the full amount, or less when a sum is kept (a reduced value
    # after a withdrawal, Code de la consommation L221-23).
    refunded_cents = models.PositiveIntegerField(_("montant remboursé (centimes)"), default=0)
    # What the provider says it took from the buyer (0: nothing yet). Equal to ``amount_cents``
    # for a normal payment; anything else is refunded and flagged.
    received_cents = models.PositiveIntegerField(_("montant reçu (centimes)"), default=0)
    # Set when money arrived that no sale could take, or the provider said something unexpected:
    # the payment is listed in the admin's « paiements à vérifier » until someone checks it.
    review_reason = models.CharField(
        _("à vérifier"), max_length=30, choices=ReviewReason, blank=True, db_index=True
    )
    reviewed_at = models.DateTimeField(_("vérifié le"), null=True, blank=True)
    # The last thing the buyer should read about this payment (a timeout, a refusal), in French.
    message = models.CharField(_("message"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("paiement")
        verbose_name_plural = _("paiements")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_id"],
                condition=~Q(provider_id=""),
                name="payment_unique_provider_id",
            ),
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.get_status_display()}"


class PaymentEvent(models.Model):
    class Kind(models.TextChoices):
        CREATED = "created", _("Créé")
        OPENED = "opened", _("Page de paiement ouverte")
        PROVIDER_UNAVAILABLE = "unavailable", _("Prestataire indisponible")
        PROVIDER_REFUSED = "refused", _("Refusé par le prestataire")
        SUCCEEDED = "succeeded", _("Payé")
        FAILED = "failed", _("Échoué")
        REFUNDED = "refunded", _("Remboursé")
        REFUND_FAILED = "refund_failed", _("Remboursement en échec")
        IGNORED = "ignored", _("Notification ignorée")
        FLAGGED = "flagged", _("Signalé au siège pour vérification")
        REVIEWED = "reviewed", _("Vérifié par le siège")

    payment = models.ForeignKey(
        Payment, on_delete=models.CASCADE, related_name="events", verbose_name=_("paiement")
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind)
    from_status = models.CharField(
        _("statut avant"), max_length=10, blank=True, choices=Payment.Status
    )
    to_status = models.CharField(
        _("statut après"), max_length=10, blank=True, choices=Payment.Status
    )
    # The provider's own event id: a webhook delivered twice is recorded once.
    provider_event_id = models.CharField(_("événement prestataire"), max_length=120, blank=True)
    detail = models.CharField(_("détail"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        verbose_name = _("événement du paiement")
        verbose_name_plural = _("historique du paiement")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "provider_event_id"],
                condition=~Q(provider_event_id=""),
                name="payment_event_unique_provider_event",
            )
        ]

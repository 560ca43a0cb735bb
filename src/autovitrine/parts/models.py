"""Parts and accessories: the catalogue by reference, compatibility, stock per dealer, and
reservations for pick-up (stock decremented by one conditional UPDATE, never below zero)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from autovitrine.core.models import TimeStampedModel


class Part(models.Model):
    reference = models.CharField(_("référence"), max_length=30, unique=True)
    name = models.CharField(_("désignation"), max_length=160)
    kind = models.SlugField(_("type"), max_length=40)
    is_accessory = models.BooleanField(_("accessoire"), default=False)
    price_ht = models.PositiveIntegerField(_("prix HT (centimes)"))
    picture = models.ImageField(_("photo"), upload_to="parts/", blank=True)
    universal = models.BooleanField(_("universelle (tous véhicules)"), default=False)
    # Labour to fit it at a workshop job (a tow bar: 120; mats: 0, fitted free).
    fitting_minutes = models.PositiveSmallIntegerField(_("temps de pose (min)"), default=0)

    class Meta:
        verbose_name = _("pièce")
        verbose_name_plural = _("pièces")
        # The cheapest part of a kind (a service's fixed price) is the first row of this index.
        indexes = [models.Index(fields=["kind", "price_ht", "reference"], name="part_kind_price")]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"


class Compatibility(models.Model):
    part = models.ForeignKey(
        Part, on_delete=models.CASCADE, related_name="compatibilities", verbose_name=_("pièce")
    )
    car_model = models.ForeignKey(
        "catalog.CarModel", on_delete=models.CASCADE, related_name="+", verbose_name=_("modèle")
    )
    powertrain = models.CharField(_("motorisation"), max_length=80, blank=True)
    year_from = models.PositiveSmallIntegerField(_("de"))
    year_to = models.PositiveSmallIntegerField(_("à"))

    class Meta:
        verbose_name = _("compatibilité")
        verbose_name_plural = _("compatibilités")
        indexes = [models.Index(fields=["car_model", "year_from"], name="compat_model_year")]


class Stock(models.Model):
    dealer = models.ForeignKey("dealers.Dealer", on_delete=models.CASCADE, related_name="+")
    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="stocks")
    quantity = models.IntegerField(_("quantité"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dealer", "part"], name="parts_stock_unique"),
            # The last line of defence: never below zero, whatever the code does.
            models.CheckConstraint(condition=Q(quantity__gte=0), name="parts_stock_not_negative"),
        ]


class Reservation(TimeStampedModel):
    class Status(models.TextChoices):
        HELD = "held", _("Réservée")
        COLLECTED = "collected", _("Retirée")
        RELEASED = "released", _("Libérée")

    number = models.CharField(_("numéro"), max_length=12, unique=True)
    dealer = models.ForeignKey(
        "dealers.Dealer", on_delete=models.PROTECT, related_name="+", verbose_name=_("concession")
    )
    part = models.ForeignKey(
        Part, on_delete=models.PROTECT, related_name="+", verbose_name=_("pièce")
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="part_reservations",
        verbose_name=_("client"),
    )
    quantity = models.PositiveSmallIntegerField(_("quantité"))
    price_ht = models.PositiveIntegerField(_("prix unitaire HT (centimes)"))
    status = models.CharField(
        max_length=10, choices=Status, default=Status.HELD, db_index=True, verbose_name=_("statut")
    )
    expires_at = models.DateTimeField(_("réservée jusqu'au"))
    # Set when the part is to be fitted at a workshop booking (its number) rather than picked up.
    booking_number = models.CharField(_("à monter au rendez-vous"), max_length=12, blank=True)

    class Meta:
        verbose_name = _("réservation de pièce")
        verbose_name_plural = _("réservations de pièces")
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="resa_qty")]

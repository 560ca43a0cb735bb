"""Configurator: the product data (rule base) of each model, revision by revision, and the
configurations buyers save and share."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from autovitrine.core.models import TimeStampedModel

# Share codes: 8 characters from an alphabet without look-alikes (0/O, 1/l/I), ~40 bits.
SHARE_ALPHABET = "23456789abcdefghijkmnpqrstuvwxyz"
SHARE_CODE_LENGTH = 8


def new_share_code() -> str:
    return "".join(secrets.choice(SHARE_ALPHABET) for _ in range(SHARE_CODE_LENGTH))


class ProductData(TimeStampedModel):
    """One revision of a model's rule base, as the file format holds it. Head office edits a
    draft; publishing checks it again and makes it the one buyers configure (one at a time)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        PUBLISHED = "published", _("Publiée")
        ARCHIVED = "archived", _("Archivée")

    car_model = models.ForeignKey(
        "catalog.CarModel",
        on_delete=models.PROTECT,
        related_name="product_data",
        verbose_name=_("modèle"),
    )
    revision = models.PositiveIntegerField(_("révision"))
    status = models.CharField(
        _("statut"), max_length=10, choices=Status, default=Status.DRAFT, db_index=True
    )
    document = models.JSONField(_("données produit (JSON)"))
    # What the last validation found (errors and warnings), as ``Problem.as_dict()``.
    problems = models.JSONField(_("rapport de validation"), default=list, blank=True)
    configuration_count = models.CharField(
        _("nombre de configurations valides"), max_length=80, blank=True
    )
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    published_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("données produit")
        verbose_name_plural = _("données produit")
        ordering = ["car_model", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["car_model", "revision"], name="productdata_one_revision_number"
            ),
            # Buyers configure exactly one revision per model.
            models.UniqueConstraint(
                fields=["car_model"],
                condition=Q(status="published"),
                name="productdata_one_published_per_model",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.car_model} — r{self.revision} ({self.get_status_display()})"


class SavedConfiguration(TimeStampedModel):
    """A buyer's configuration, frozen as it was priced: readable after the product data
    changes, and checked then against the current revision."""

    code = models.CharField(
        _("code de partage"), max_length=16, unique=True, default=new_share_code
    )
    product_data = models.ForeignKey(
        ProductData, on_delete=models.PROTECT, related_name="configurations"
    )
    customer = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="configurations",
    )
    # The buyer's own choices in their order, as [name, value] pairs (defaults excluded).
    choices = models.JSONField(default=list)
    # The complete configuration {name: value} and what it said when saved (labels, prices).
    configuration = models.JSONField(default=dict)
    summary = models.JSONField(default=dict)
    price_ttc = models.PositiveIntegerField(_("prix TTC"))
    co2_g_km = models.IntegerField(_("CO2 WLTP (g/km)"))

    class Meta:
        verbose_name = _("configuration enregistrée")
        verbose_name_plural = _("configurations enregistrées")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.code

"""Configurator: the product data (rule base) of each model, revision by revision, and the
configurations buyers save and share."""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from autovitrine.core.codes import public_code
from autovitrine.core.models import TimeStampedModel

# Share codes: 13 characters from an alphabet without look-alikes (0/O, 1/l/I), 65 bits
# (``core.codes``); the 8-character codes issued before still open their configuration.
SHARE_ALPHABET = "23456789abcdefghijkmnpqrstuvwxyz"


class CompactJSONEncoder(json.JSONEncoder):
    """Stored product data without the spaces ``json.dumps`` adds (a tenth of a real base)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["separators"] = (",", ":")
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


def new_share_code() -> str:
    return public_code(SHARE_ALPHABET)


class ProductData(TimeStampedModel):
    """One revision of a model's rule base, as the file format holds it. Head office edits a
    draft; publishing checks it again and makes it the one buyers configure (one at a time)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        # Compiling in the background; published once its compiled forms are stored.
        PUBLISHING = "publishing", _("Publication en cours")
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
    document = models.JSONField(_("données produit (JSON)"), encoder=CompactJSONEncoder)
    # The size of the file as head office sent it (the limit applies to it, not to a re-dump).
    source_bytes = models.PositiveIntegerField(_("taille du fichier importé (octets)"), default=0)
    # What the background compile is doing, shown in the admin while it runs or after it failed.
    compile_progress = models.CharField(_("compilation"), max_length=200, blank=True)
    # What the last validation found (errors and warnings), as ``Problem.as_dict()``.
    problems = models.JSONField(_("rapport de validation"), default=list, blank=True)
    # A decimal string: a large base counts beyond 10^100 (no column of fixed width).
    configuration_count = models.TextField(_("nombre de configurations valides"), blank=True)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    published_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("publiée par"),
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


class CompiledForm(models.Model):
    """The compiled rules of a revision for one market, in the engine's own versioned format
    (``engine.compiled_form``): a worker loads it in milliseconds instead of compiling."""

    product_data = models.ForeignKey(
        ProductData, on_delete=models.CASCADE, related_name="compiled_forms"
    )
    market = models.CharField(_("marché"), max_length=2)
    format_version = models.PositiveSmallIntegerField(_("version du format"))
    data = models.BinaryField(_("forme compilée"))
    # SHA-256 of ``data``: a form that does not match is compiled again, never used.
    checksum = models.CharField(_("somme de contrôle"), max_length=64)
    size_bytes = models.PositiveIntegerField(_("taille (octets)"))
    compile_seconds = models.FloatField(_("durée de compilation (s)"))
    diagram_nodes = models.PositiveIntegerField(_("nœuds du diagramme"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("forme compilée")
        verbose_name_plural = _("formes compilées")
        constraints = [
            models.UniqueConstraint(
                fields=["product_data", "market"], name="compiledform_one_per_market"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_data} — {self.market}"


class SelectionState(models.Model):
    """A buyer's choices so far, under a short id that every link of the page carries instead of
    the whole selection (a page of 100–300 families stays light). The id is a hash of the
    revision and the choices: the same choices always get the same id, so it is written once."""

    key = models.CharField(_("identifiant"), max_length=24, primary_key=True)
    product_data = models.ForeignKey(ProductData, on_delete=models.CASCADE, related_name="+")
    # The buyer's own choices in their order, as "name:value" tokens (as links write them).
    tokens = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("état de configuration")
        verbose_name_plural = _("états de configuration")

    def __str__(self) -> str:
        return self.key


class SavedConfiguration(TimeStampedModel):
    """A buyer's configuration, frozen as it was priced: readable after the product data
    changes, and checked then against the current revision."""

    code = models.CharField(
        _("code de partage"), max_length=16, unique=True, default=new_share_code
    )
    product_data = models.ForeignKey(
        ProductData,
        on_delete=models.PROTECT,
        related_name="configurations",
        verbose_name=_("données produit"),
    )
    customer = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="configurations",
        verbose_name=_("client"),
    )
    # The buyer's own choices in their order, as [name, value] pairs (defaults excluded).
    choices = models.JSONField(default=list, verbose_name=_("choix"))
    # The complete configuration {name: value} and what it said when saved (labels, prices).
    configuration = models.JSONField(default=dict, verbose_name=_("configuration"))
    summary = models.JSONField(default=dict, verbose_name=_("récapitulatif"))
    price_ttc = models.PositiveIntegerField(_("prix TTC"))
    co2_g_km = models.IntegerField(_("CO2 WLTP (g/km)"))

    class Meta:
        verbose_name = _("configuration enregistrée")
        verbose_name_plural = _("configurations enregistrées")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.code

"""Trade-in: the valuation rule head office tunes, the buyer's car with its estimate and offers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from autovitrine.catalog.models import CarModel, Energy
from autovitrine.core.models import TimeStampedModel
from autovitrine.core.statuses import Transitions

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Condition(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Bon")
    FAIR = "fair", _("Moyen")
    POOR = "poor", _("À rénover")


Segment = CarModel.Body


class ValuationRule(TimeStampedModel):
    """The estimate rule as data: reference value by segment, then coefficients and deductions.

    Amounts are cents; coefficients and rates are basis points (10 000 = 100 %).
    """

    name = models.CharField(_("nom"), max_length=100)
    is_active = models.BooleanField(_("en vigueur"), default=False)
    base_values = models.JSONField(
        _("valeur de référence par segment (centimes)"),
        help_text=_('Ex. {"city": 1400000, "suv": 2600000}: un véhicule neuf du segment.'),
    )
    energy_coefficients_bp = models.JSONField(
        _("coefficient par énergie (points de base)"),
        help_text=_('Ex. {"petrol": 10000, "diesel": 9000}: 10 000 = ×1.'),
    )
    yearly_depreciation_bp = models.PositiveIntegerField(
        _("décote par année d'âge (points de base)"), validators=[MaxValueValidator(5000)]
    )
    mileage_depreciation_bp_per_10k = models.PositiveIntegerField(
        _("décote par tranche de 10 000 km (points de base)"), validators=[MaxValueValidator(2000)]
    )
    max_mileage_depreciation_bp = models.PositiveIntegerField(
        _("décote kilométrique maximale (points de base)"), validators=[MaxValueValidator(9000)]
    )
    condition_coefficients_bp = models.JSONField(
        _("coefficient par état (points de base)"),
        help_text=_('Ex. {"excellent": 10500, "good": 10000, "fair": 8500, "poor": 6500}.'),
    )
    floor_cents = models.PositiveIntegerField(_("valeur plancher (centimes)"))
    resale_markup_bp = models.PositiveIntegerField(
        _("marge de revente proposée (points de base)"),
        default=2500,
        help_text=_("Prix de vente proposé en occasion = offre × (1 + marge)."),
    )

    class Meta:
        verbose_name = _("règle d'estimation de reprise")
        verbose_name_plural = _("règles d'estimation de reprise")
        ordering = ["-is_active", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="valuation_one_active_rule"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, StrOrPromise] = {}
        for field_name, keys, lowest in (
            ("base_values", Segment.values, 1),
            ("energy_coefficients_bp", Energy.values, 1),
            ("condition_coefficients_bp", Condition.values, 1),
        ):
            value = getattr(self, field_name)
            if not isinstance(value, dict) or set(value) != set(keys):
                errors[field_name] = _("Indiquez exactement les clés : %(keys)s.") % {
                    "keys": ", ".join(keys)
                }
            elif not all(isinstance(v, int) and v >= lowest for v in value.values()):
                errors[field_name] = _("Chaque valeur doit être un entier positif.")
        if errors:
            raise ValidationError(errors)


class ReferencePrice(TimeStampedModel):
    """A new-car price the estimate starts from, as head office records it: for a segment (the
    fallback), a make, a model, or a model's version; the most precise match wins."""

    segment = models.CharField(_("catégorie"), max_length=20, choices=Segment)
    make = models.CharField(_("marque"), max_length=60, blank=True)
    model_label = models.CharField(_("modèle"), max_length=80, blank=True)
    version_label = models.CharField(
        _("version"),
        max_length=120,
        blank=True,
        help_text=_(
            "Mots de la version (ex. « TCe 90 ») : reconnue si la version saisie les contient."
        ),
    )
    new_price_cents = models.PositiveIntegerField(_("prix neuf de référence TTC (centimes)"))
    source = models.CharField(
        _("source"), max_length=200, blank=True, help_text=_("Tarif constructeur, date…")
    )
    is_active = models.BooleanField(_("en vigueur"), default=True)

    class Meta:
        verbose_name = _("prix de référence")
        verbose_name_plural = _("prix de référence")
        ordering = ["segment", "make", "model_label", "version_label"]
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "make", "model_label", "version_label"],
                name="tradein_reference_price_unique",
            )
        ]

    def __str__(self) -> str:
        what = " ".join(p for p in (self.make, self.model_label, self.version_label) if p)
        return what or str(self.get_segment_display())

    def clean(self) -> None:
        if self.version_label and not self.model_label:
            raise ValidationError({"model_label": _("Une version se rattache à un modèle.")})
        if self.model_label and not self.make:
            raise ValidationError({"make": _("Un modèle se rattache à une marque.")})


class TradeIn(TimeStampedModel):
    class Status(models.TextChoices):
        ESTIMATED = "estimated", _("Estimée")
        OFFERED = "offered", _("Offre de la concession")
        ACCEPTED = "accepted", _("Offre acceptée")
        DECLINED = "declined", _("Offre refusée")
        RECEIVED = "received", _("Véhicule repris")
        CANCELLED = "cancelled", _("Annulée")

    # Allowed status moves; OFFERED → OFFERED is a revised offer.
    TRANSITIONS = Transitions(
        {
            Status.ESTIMATED: {Status.OFFERED, Status.CANCELLED},
            Status.OFFERED: {Status.OFFERED, Status.ACCEPTED, Status.DECLINED, Status.CANCELLED},
            Status.DECLINED: {Status.OFFERED, Status.CANCELLED},
            Status.ACCEPTED: {Status.RECEIVED, Status.CANCELLED},
            Status.RECEIVED: set(),
            Status.CANCELLED: set(),
        }
    )

    customer = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        related_name="trade_ins",
        verbose_name=_("client"),
    )
    # The dealer that takes the car: the delivering dealer of the order it is attached to.
    dealer = models.ForeignKey(
        "dealers.Dealer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="trade_ins",
        verbose_name=_("concession"),
    )
    rule = models.ForeignKey(
        ValuationRule, on_delete=models.PROTECT, related_name="+", verbose_name=_("barème")
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=Status, default=Status.ESTIMATED, db_index=True
    )
    make = models.CharField(_("marque"), max_length=60)
    model_label = models.CharField(_("modèle"), max_length=80)
    segment = models.CharField(_("catégorie"), max_length=20, choices=Segment)
    energy = models.CharField(_("énergie"), max_length=20, choices=Energy)
    year = models.PositiveSmallIntegerField(_("année"))
    mileage_km = models.PositiveIntegerField(_("kilométrage"))
    condition = models.CharField(_("état"), max_length=10, choices=Condition)
    plate = models.CharField(_("immatriculation"), max_length=12, blank=True)
    vin = models.CharField(_("VIN"), max_length=17, blank=True)
    estimate_cents = models.PositiveIntegerField(_("estimation (centimes)"))
    # The breakdown shown to the buyer, frozen with the estimate: [{"label": ..., "cents": ...}].
    estimate_lines = models.JSONField(_("détail de l'estimation"), default=list)
    estimate_low_cents = models.PositiveIntegerField(_("fourchette basse (centimes)"), default=0)
    estimate_high_cents = models.PositiveIntegerField(_("fourchette haute (centimes)"), default=0)
    version_label = models.CharField(_("version"), max_length=120, blank=True)
    offer_cents = models.PositiveIntegerField(_("offre (centimes)"), null=True, blank=True)
    offer_note = models.CharField(_("motif de l'offre"), max_length=300, blank=True)
    stock_vehicle = models.OneToOneField(
        "inventory.StockVehicle",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="trade_in",
        verbose_name=_("véhicule en stock"),
    )
    idempotency_key = models.CharField(
        _("clé d'idempotence"), max_length=64, null=True, blank=True, unique=True
    )

    class Meta:
        verbose_name = _("reprise")
        verbose_name_plural = _("reprises")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(plate="", vin=""), name="tradein_plate_or_vin")
        ]

    def __str__(self) -> str:
        return f"{self.make} {self.model_label} ({self.year})"

    @property
    def title(self) -> str:
        return f"{self.make} {self.model_label}"


class TradeInPhoto(models.Model):
    trade_in = models.ForeignKey(
        TradeIn, on_delete=models.CASCADE, related_name="photos", verbose_name=_("reprise")
    )
    image = models.ImageField(_("photo"), upload_to="tradein/%Y/%m/")
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["position", "id"]


class TradeInEvent(models.Model):
    trade_in = models.ForeignKey(
        TradeIn, on_delete=models.CASCADE, related_name="events", verbose_name=_("reprise")
    )
    from_status = models.CharField(
        _("statut avant"), max_length=10, blank=True, choices=TradeIn.Status
    )
    to_status = models.CharField(_("statut après"), max_length=10, choices=TradeIn.Status)
    amount_cents = models.PositiveIntegerField(_("montant (centimes)"), null=True, blank=True)
    by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("auteur")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        verbose_name = _("événement de la reprise")
        verbose_name_plural = _("historique de la reprise")
        ordering = ["created_at", "id"]

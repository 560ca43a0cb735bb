"""Dealer stock: new and used vehicles, their photos, status history and QR-code visits."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from autovitrine.catalog.models import Energy
from autovitrine.core.models import CoveringIndex, TimeStampedModel
from autovitrine.core.statuses import Transitions


class StockVehicle(TimeStampedModel):
    class Condition(models.TextChoices):
        NEW = "new", _("Neuf")
        USED = "used", _("Occasion")

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Disponible")
        RESERVED = "reserved", _("Réservé")
        SOLD = "sold", _("Vendu")
        # Owned by a live flash sale: only the sale's own moves (``vehicles_flash_sale_take``,
        # ``vehicle_flash_sale_release``) enter or leave this status.
        FLASH_SALE = "flash_sale", _("En vente flash")

    # Allowed status moves for every channel (stock page, admin, checkout); anything else is
    # refused by the service. A car in a flash sale is out of this table on purpose.
    TRANSITIONS = Transitions(
        {
            Status.AVAILABLE: {Status.RESERVED, Status.SOLD},
            Status.RESERVED: {Status.AVAILABLE, Status.SOLD},
            Status.SOLD: {Status.AVAILABLE},
            Status.FLASH_SALE: set(),
        }
    )

    dealer = models.ForeignKey(
        "dealers.Dealer",
        on_delete=models.PROTECT,
        related_name="vehicles",
        verbose_name=_("concession"),
    )
    condition = models.CharField(_("état"), max_length=10, choices=Condition)
    vin = models.CharField(_("VIN"), max_length=17, unique=True)
    # Catalog links (optional for used cars of other brands); labels are kept for every car.
    car_model = models.ForeignKey(
        "catalog.CarModel",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("modèle"),
    )
    version = models.ForeignKey(
        "catalog.Version",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("version"),
    )
    colour = models.ForeignKey(
        "catalog.Colour",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("teinte"),
    )
    options = models.ManyToManyField("catalog.Option", blank=True, related_name="+")
    make = models.CharField(_("marque"), max_length=60)
    model_label = models.CharField(_("modèle"), max_length=80)
    version_label = models.CharField(_("version"), max_length=120, blank=True)
    colour_label = models.CharField(_("couleur"), max_length=80, blank=True)
    energy = models.CharField(_("énergie"), max_length=20, choices=Energy)
    gearbox = models.CharField(_("boîte"), max_length=20, blank=True)
    power_hp = models.PositiveSmallIntegerField(_("puissance (ch)"), null=True, blank=True)
    co2_g_km = models.PositiveSmallIntegerField(_("CO2 WLTP (g/km)"), null=True, blank=True)
    mileage_km = models.PositiveIntegerField(
        _("kilométrage"), default=0, validators=[MaxValueValidator(2_000_000)]
    )
    year = models.PositiveSmallIntegerField(
        _("année"), validators=[MinValueValidator(1950), MaxValueValidator(2100)]
    )
    first_registration = models.DateField(_("première immatriculation"), null=True, blank=True)
    # The fiscal power on the registration certificate (field P.6): the carte grise tax base.
    fiscal_hp = models.PositiveSmallIntegerField(
        _("puissance fiscale (CV, certificat)"), null=True, blank=True
    )
    # CGI art. 297 A: a used car bought from a private person (or under the margin scheme) is
    # resold with VAT on the margin, the dealer's purchase price recorded; a company car bought
    # with deductible VAT is sold under normal VAT.
    vat_scheme = models.CharField(
        _("régime de TVA"),
        max_length=10,
        choices=[("normal", _("TVA sur le prix")), ("margin", _("TVA sur la marge (art. 297 A))"))],
        default="normal",
    )
    purchase_price_cents = models.PositiveIntegerField(
        _("prix d'achat (centimes)"), null=True, blank=True
    )
    price_ttc = models.PositiveIntegerField(_("prix TTC (centimes)"))
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status, default=Status.AVAILABLE, db_index=True
    )
    # The flash sale that owns the car (its id; inventory does not depend on flash sales). The
    # check ``stock_flash_sale_owner`` makes the status and the owner one rule in the database:
    # no channel can put the car anywhere without the sale letting it go.
    flash_sale_ref = models.PositiveBigIntegerField(_("vente flash"), null=True, blank=True)

    class Meta:
        verbose_name = _("véhicule en stock")
        verbose_name_plural = _("véhicules en stock")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(status="flash_sale", flash_sale_ref__isnull=False)
                    | (~models.Q(status="flash_sale") & models.Q(flash_sale_ref__isnull=True))
                ),
                name="stock_flash_sale_owner",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "dealer"], name="stock_status_dealer"),
            models.Index(fields=["status", "price_ttc"], name="stock_status_price"),
            models.Index(
                fields=["status", "car_model", "price_ttc"], name="stock_status_model_price"
            ),
            models.Index(fields=["status", "-year", "-id"], name="stock_status_newest"),
            # The search's filters, for counting matches from the index alone (PostgreSQL; the
            # covering columns are only included there).
            CoveringIndex(
                fields=["dealer"],
                covering=["energy", "condition", "price_ttc", "mileage_km", "year", "car_model"],
                condition=models.Q(status="available"),
                name="stock_available_filters",
            ),
            # A page by price or newest, read in that order with every filter checked in the
            # index alone: a selective search (new cars near a small town) walks the order far
            # before finding twenty, which cost a table read per car passed (0.7 s at worst on
            # 100,000 cars; docs/stock.md).
            CoveringIndex(
                fields=["price_ttc", "id"],
                covering=["dealer", "energy", "condition", "mileage_km", "year", "car_model"],
                condition=models.Q(status="available"),
                name="stock_available_by_price",
            ),
            CoveringIndex(
                fields=["-year", "-id"],
                covering=["dealer", "energy", "condition", "price_ttc", "mileage_km", "car_model"],
                condition=models.Q(status="available"),
                name="stock_available_by_newest",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.make} {self.model_label} {self.version_label} ({self.vin})"

    @property
    def title(self) -> str:
        return f"{self.make} {self.model_label}"


class VehiclePhoto(models.Model):
    vehicle = models.ForeignKey(
        StockVehicle, on_delete=models.CASCADE, related_name="photos", verbose_name=_("véhicule")
    )
    image = models.ImageField(_("photo"), upload_to="stock/%Y/%m/")
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["position", "id"]


class VehicleStatusEvent(models.Model):
    vehicle = models.ForeignKey(
        StockVehicle,
        on_delete=models.CASCADE,
        related_name="status_events",
        verbose_name=_("véhicule"),
    )
    from_status = models.CharField(
        max_length=10, blank=True, verbose_name=_("statut avant"), choices=StockVehicle.Status
    )
    to_status = models.CharField(
        max_length=10, verbose_name=_("statut après"), choices=StockVehicle.Status
    )
    by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("auteur")
    )
    reason = models.CharField(max_length=200, blank=True, verbose_name=_("motif"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("date"))

    class Meta:
        verbose_name = _("changement de statut")
        verbose_name_plural = _("historique du statut")
        ordering = ["created_at", "id"]


class VehicleVisit(models.Model):
    """A view of a vehicle page, with where it came from (a QR scan, a campaign, the site)."""

    class Source(models.TextChoices):
        WEB = "web", _("Site")
        QR = "qr", _("QR code")
        CAMPAIGN = "campaign", _("Campagne")

    vehicle = models.ForeignKey(StockVehicle, on_delete=models.CASCADE, related_name="visits")
    dealer = models.ForeignKey("dealers.Dealer", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=10, choices=Source)
    medium = models.CharField(max_length=60, blank=True)  # e.g. "sticker", "poster"
    campaign = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

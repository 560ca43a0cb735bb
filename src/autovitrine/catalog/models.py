"""Product data: brands, models, versions, colours, options and packs, and the environmental label."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from autovitrine.core.models import TimeStampedModel


class Energy(models.TextChoices):
    PETROL = "petrol", _("Essence")
    DIESEL = "diesel", _("Diesel")
    HYBRID = "hybrid", _("Hybride")
    PLUGIN_HYBRID = "phev", _("Hybride rechargeable")
    ELECTRIC = "electric", _("Électrique")


class Brand(TimeStampedModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("nom"), max_length=80)
    baseline = models.CharField(_("signature"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("marque")
        verbose_name_plural = _("marques")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CarModel(TimeStampedModel):
    class Body(models.TextChoices):
        CITY = "city", _("Citadine")
        HATCH = "hatch", _("Compacte")
        SUV = "suv", _("SUV")
        SEDAN = "sedan", _("Berline")
        ESTATE = "estate", _("Break")
        VAN = "van", _("Ludospace")

    brand = models.ForeignKey(
        Brand, on_delete=models.PROTECT, related_name="models", verbose_name=_("marque")
    )
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("nom"), max_length=80)
    body = models.CharField(_("carrosserie"), max_length=20, choices=Body)
    tagline = models.CharField(_("accroche"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    hero_image = models.ImageField(_("image principale"), upload_to="catalog/models/", blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    is_published = models.BooleanField(_("publié"), default=True)

    class Meta:
        verbose_name = _("modèle")
        verbose_name_plural = _("modèles")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class ModelImage(models.Model):
    car_model = models.ForeignKey(
        CarModel, on_delete=models.CASCADE, related_name="images", verbose_name=_("modèle")
    )
    image = models.ImageField(_("image"), upload_to="catalog/gallery/")
    alt = models.CharField(_("texte alternatif"), max_length=200)
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))

    class Meta:
        verbose_name = _("image du modèle")
        verbose_name_plural = _("images du modèle")
        ordering = ["position", "id"]


class Version(TimeStampedModel):
    """A trim × powertrain combination sold at a base price, with its environmental label."""

    class Gearbox(models.TextChoices):
        MANUAL = "manual", _("Manuelle")
        AUTOMATIC = "automatic", _("Automatique")

    class ConsumptionUnit(models.TextChoices):
        LITRES = "l", _("l/100 km")
        KWH = "kwh", _("kWh/100 km")

    car_model = models.ForeignKey(
        CarModel, on_delete=models.CASCADE, related_name="versions", verbose_name=_("modèle")
    )
    code = models.SlugField(_("code"), max_length=80, unique=True)
    trim = models.CharField(_("finition"), max_length=60)
    powertrain = models.CharField(_("motorisation"), max_length=80)
    energy = models.CharField(_("énergie"), max_length=20, choices=Energy)
    power_hp = models.PositiveSmallIntegerField(_("puissance (ch)"))
    gearbox = models.CharField(_("boîte"), max_length=20, choices=Gearbox)
    base_price_ht = models.PositiveIntegerField(_("prix de base HT (centimes)"))
    # Environmental label (WLTP figures, as homologated).
    co2_g_km = models.PositiveSmallIntegerField(_("CO2 WLTP (g/km)"))
    consumption_x10 = models.PositiveSmallIntegerField(
        _("consommation mixte (dixièmes)"), help_text=_("Ex. 54 pour 5,4 l/100 km")
    )
    consumption_unit = models.CharField(
        max_length=3, choices=ConsumptionUnit, default="l", verbose_name=_("unité de consommation")
    )
    electric_range_km = models.PositiveSmallIntegerField(
        _("autonomie électrique (km)"), null=True, blank=True
    )
    crit_air = models.PositiveSmallIntegerField(
        _("vignette Crit'Air"),
        validators=[MaxValueValidator(5)],
        help_text=_("0 pour les véhicules électriques (vignette verte)"),
    )
    recycled_share_pct = models.PositiveSmallIntegerField(
        _("matériaux recyclés (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    weight_kg = models.PositiveSmallIntegerField(_("masse (kg)"), null=True, blank=True)
    is_published = models.BooleanField(_("publiée"), default=True)

    class Meta:
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        ordering = ["car_model", "base_price_ht"]

    def __str__(self) -> str:
        return f"{self.trim} {self.powertrain}"


class Colour(models.Model):
    class Finish(models.TextChoices):
        SOLID = "solid", _("Opaque")
        METALLIC = "metallic", _("Métallisée")
        PEARL = "pearl", _("Nacrée")

    car_model = models.ForeignKey(
        CarModel, on_delete=models.CASCADE, related_name="colours", verbose_name=_("modèle")
    )
    code = models.SlugField(max_length=40, verbose_name=_("code"))
    name = models.CharField(_("nom"), max_length=80)
    hex_value = models.CharField(_("couleur (hex)"), max_length=7, default="#cccccc")
    finish = models.CharField(_("finition"), max_length=20, choices=Finish, default=Finish.SOLID)
    price_ht = models.PositiveIntegerField(_("prix HT (centimes)"), default=0)

    class Meta:
        verbose_name = _("teinte")
        verbose_name_plural = _("teintes")
        ordering = ["price_ht", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["car_model", "code"], name="colour_unique_code_per_model"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Option(models.Model):
    class Category(models.TextChoices):
        WHEELS = "wheels", _("Jantes")
        COMFORT = "comfort", _("Confort")
        TECH = "tech", _("Technologie")
        SAFETY = "safety", _("Sécurité")
        INTERIOR = "interior", _("Intérieur")
        EXTERIOR = "exterior", _("Extérieur")

    car_model = models.ForeignKey(
        CarModel, on_delete=models.CASCADE, related_name="options", verbose_name=_("modèle")
    )
    code = models.SlugField(max_length=60, verbose_name=_("code"))
    name = models.CharField(_("nom"), max_length=120)
    category = models.CharField(_("catégorie"), max_length=20, choices=Category)
    price_ht = models.PositiveIntegerField(_("prix HT (centimes)"), default=0)
    co2_delta_g_km = models.SmallIntegerField(_("effet CO2 (g/km)"), default=0)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["category", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["car_model", "code"], name="option_unique_code_per_model"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Pack(models.Model):
    car_model = models.ForeignKey(
        CarModel, on_delete=models.CASCADE, related_name="packs", verbose_name=_("modèle")
    )
    code = models.SlugField(max_length=60, verbose_name=_("code"))
    name = models.CharField(_("nom"), max_length=120)
    price_ht = models.PositiveIntegerField(_("prix du pack HT (centimes)"))
    options = models.ManyToManyField(Option, related_name="packs", verbose_name=_("contenu"))

    class Meta:
        verbose_name = _("pack")
        verbose_name_plural = _("packs")
        constraints = [
            models.UniqueConstraint(fields=["car_model", "code"], name="pack_unique_code_per_model")
        ]

    def __str__(self) -> str:
        return self.name


class MalusScale(models.Model):
    """The French CO2 malus scale of one year, kept as data so next year's scale is a data change."""

    year = models.PositiveSmallIntegerField(_("année"), unique=True)
    valid_from = models.DateField(_("applicable à partir du"))
    source = models.CharField(_("source"), max_length=300)
    threshold_g_km = models.PositiveSmallIntegerField(_("seuil (g/km)"))
    cap_cents = models.PositiveIntegerField(_("plafond (centimes)"))

    class Meta:
        verbose_name = _("barème du malus CO2")
        verbose_name_plural = _("barèmes du malus CO2")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"Malus {self.year}"


class MalusBracket(models.Model):
    """Amount due for exactly ``co2_g_km``; emissions above the last bracket pay the cap."""

    scale = models.ForeignKey(
        MalusScale, on_delete=models.CASCADE, related_name="brackets", verbose_name=_("barème")
    )
    co2_g_km = models.PositiveSmallIntegerField(_("CO2 (g/km)"), validators=[MinValueValidator(1)])
    amount_cents = models.PositiveIntegerField(_("montant (centimes)"))

    class Meta:
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        ordering = ["co2_g_km"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "co2_g_km"], name="malus_bracket_unique_gram")
        ]

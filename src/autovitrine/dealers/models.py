"""The dealer network: concessions and agents, where they are, when they open, who works there."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from autovitrine.core.forms import validate_single_line
from autovitrine.core.models import TimeStampedModel


class Dealer(TimeStampedModel):
    class Kind(models.TextChoices):
        CONCESSION = "concession", _("Concession")
        AGENT = "agent", _("Agent")

    brand = models.ForeignKey(
        "catalog.Brand", on_delete=models.PROTECT, related_name="dealers", verbose_name=_("marque")
    )
    code = models.SlugField(_("code"), max_length=60, unique=True)
    # Its name is in the subject of the e-mails buyers get: one line only.
    name = models.CharField(_("nom"), max_length=120, validators=[validate_single_line])
    kind = models.CharField(_("type"), max_length=20, choices=Kind, default=Kind.CONCESSION)
    street = models.CharField(_("adresse"), max_length=200)
    postcode = models.CharField(_("code postal"), max_length=5)
    city = models.CharField(_("ville"), max_length=100)
    latitude = models.FloatField(
        validators=[MinValueValidator(-90), MaxValueValidator(90)], verbose_name=_("latitude")
    )
    longitude = models.FloatField(
        validators=[MinValueValidator(-180), MaxValueValidator(180)], verbose_name=_("longitude")
    )
    phone = models.CharField(_("téléphone"), max_length=20)
    email = models.EmailField(_("e-mail"))
    sells_new = models.BooleanField(_("véhicules neufs"), default=True)
    sells_used = models.BooleanField(_("véhicules d'occasion"), default=True)
    has_workshop = models.BooleanField(_("atelier"), default=True)
    is_active = models.BooleanField(_("actif"), default=True)
    # The seller's identity on checkout pages and order forms (L221-5 and L111-1 Code de la
    # consommation, R123-237 Code de commerce): the dealer sells and delivers.
    company_name = models.CharField(_("raison sociale"), max_length=160, blank=True)
    legal_form = models.CharField(_("forme juridique"), max_length=40, blank=True)
    share_capital_eur = models.PositiveIntegerField(_("capital social (€)"), null=True, blank=True)
    rcs = models.CharField(_("RCS (ville et numéro)"), max_length=60, blank=True)
    vat_number = models.CharField(_("n° de TVA intracommunautaire"), max_length=20, blank=True)
    # The consumer mediator this dealer adheres to (L612-1, L616-1 Code de la consommation): the
    # seller's own; blank: the brand's (settings.CONSUMER_MEDIATOR). A trade mediator covers only
    # its members, so a dealer outside it names its own here.
    mediator_name = models.CharField(
        _("médiateur de la consommation"),
        max_length=160,
        blank=True,
        validators=[validate_single_line],
    )
    mediator_address = models.CharField(
        _("adresse postale du médiateur"), max_length=300, blank=True
    )
    mediator_url = models.URLField(_("site du médiateur"), blank=True)

    class Meta:
        verbose_name = _("concession")
        verbose_name_plural = _("concessions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OpeningPeriod(models.Model):
    """One opening span on a weekday (a day may have two: morning and afternoon)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("lundi")
        TUESDAY = 1, _("mardi")
        WEDNESDAY = 2, _("mercredi")
        THURSDAY = 3, _("jeudi")
        FRIDAY = 4, _("vendredi")
        SATURDAY = 5, _("samedi")
        SUNDAY = 6, _("dimanche")

    dealer = models.ForeignKey(
        Dealer,
        on_delete=models.CASCADE,
        related_name="opening_periods",
        verbose_name=_("concession"),
    )
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=Weekday)
    opens_at = models.TimeField(_("ouverture"))
    closes_at = models.TimeField(_("fermeture"))

    class Meta:
        verbose_name = _("horaire d'ouverture")
        verbose_name_plural = _("horaires d'ouverture")
        ordering = ["weekday", "opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="opening_period_closes_after_opening"
            )
        ]


class DealerStaff(TimeStampedModel):
    """Attaches a user to exactly one dealer with a role."""

    class Role(models.TextChoices):
        SALES = "sales", _("Vente")
        AFTERSALES = "aftersales", _("Après-vente")
        MANAGER = "manager", _("Direction")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="dealer_staff",
        verbose_name=_("utilisateur"),
    )
    dealer = models.ForeignKey(
        Dealer, on_delete=models.CASCADE, related_name="staff", verbose_name=_("concession")
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role, default=Role.SALES)

    class Meta:
        verbose_name = _("membre du personnel")
        verbose_name_plural = _("personnel")

    def __str__(self) -> str:
        return f"{self.user} ({self.dealer})"


class StaffEmailFailure(models.Model):
    """A message to a dealer's staff (a new order, a sold flash-sale unit, a car on its way) the
    mail server refused. The staff cannot be told by e-mail, so head office, who runs the network,
    sees it in the admin and calls the dealer; what the message said is also on the dealer's own
    screens (issue 10)."""

    dealer = models.ForeignKey(
        Dealer,
        on_delete=models.CASCADE,
        related_name="staff_email_failures",
        verbose_name=_("concession"),
    )
    recipients = models.CharField(_("destinataires"), max_length=1000)
    subject = models.CharField(_("objet"), max_length=200)
    error = models.CharField(_("erreur"), max_length=500)
    created_at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("e-mail à une concession non envoyé")
        verbose_name_plural = _("e-mails aux concessions non envoyés")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipients}"

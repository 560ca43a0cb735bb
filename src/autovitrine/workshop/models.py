"""Workshop (after-sales): owners' cars, the workshop's capacity as data, operations and bookings.

Capacity is claimed by ``CapacityClaim`` rows (one per technician, bay or loan car held for a
time range); on PostgreSQL an exclusion constraint (``btree_gist``) forbids two active claims of
one resource that overlap, see migration 0002 and ``docs/aftersales.md``."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from autovitrine.core.models import TimeStampedModel
from autovitrine.core.statuses import Transitions


def private_storage() -> Storage:
    """Photos of owners' cars and signatures are never public files: a view checks who asks."""
    return storages["private"]


class Skill(models.TextChoices):
    MECHANICS = "mechanics", _("Mécanique")
    BODY = "body", _("Carrosserie")
    HIGH_VOLTAGE = "high_voltage", _("Habilitation haute tension (VE)")


class BayKind(models.TextChoices):
    LIFT = "lift", _("Pont élévateur")
    ALIGNMENT = "alignment", _("Banc de géométrie")
    BODY = "body", _("Carrosserie")
    EV_SAFE = "ev_safe", _("Poste sécurisé VE")


class OwnedCar(TimeStampedModel):
    """A car in an owner's garage: bought on the platform or added by the owner."""

    class Source(models.TextChoices):
        ORDER = "order", _("Achetée sur AutoVitrine")
        PLATE = "plate", _("Ajoutée par immatriculation")
        VIN = "vin", _("Ajoutée par VIN")
        MANUAL = "manual", _("Ajoutée par modèle")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="garage_cars"
    )
    source = models.CharField(_("origine"), max_length=10, choices=Source)
    order_number = models.CharField(_("commande"), max_length=12, blank=True)
    plate = models.CharField(_("immatriculation"), max_length=9, blank=True)
    vin = models.CharField(_("VIN"), max_length=17, blank=True)
    car_model = models.ForeignKey(
        "catalog.CarModel", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.ForeignKey(
        "catalog.Version", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    label = models.CharField(_("véhicule"), max_length=160)
    powertrain = models.CharField(_("motorisation"), max_length=80, blank=True)
    is_electric = models.BooleanField(_("électrique"), default=False)
    year = models.PositiveSmallIntegerField(_("année"))
    mileage_km = models.PositiveIntegerField(_("kilométrage"), default=0)
    last_service_on = models.DateField(_("dernier entretien"), null=True, blank=True)
    last_service_km = models.PositiveIntegerField(
        _("kilométrage au dernier entretien"), null=True, blank=True
    )
    selling_dealer = models.ForeignKey(
        "dealers.Dealer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("véhicule du garage")
        verbose_name_plural = _("garage des propriétaires")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "plate"], condition=~Q(plate=""), name="garage_one_plate"
            ),
            models.UniqueConstraint(
                fields=["owner", "order_number"],
                condition=~Q(order_number=""),
                name="garage_one_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.plate or self.vin}".strip()


class ServiceSchedule(models.Model):
    """The manufacturer's maintenance interval for a model (and engine): every N km or M months,
    whichever comes first. An empty ``powertrain`` applies to every engine of the model."""

    car_model = models.ForeignKey(
        "catalog.CarModel", on_delete=models.CASCADE, related_name="+", verbose_name=_("modèle")
    )
    powertrain = models.CharField(_("motorisation"), max_length=80, blank=True)
    interval_km = models.PositiveIntegerField(_("tous les (km)"))
    interval_months = models.PositiveSmallIntegerField(_("ou tous les (mois)"))

    class Meta:
        verbose_name = _("plan d'entretien")
        verbose_name_plural = _("plans d'entretien")
        constraints = [
            models.UniqueConstraint(fields=["car_model", "powertrain"], name="schedule_unique")
        ]


class Operation(models.Model):
    """A workshop operation set by head office: labour time, skill, bay kind, parts needed."""

    class Kind(models.TextChoices):
        MAINTENANCE = "maintenance", _("Entretien constructeur")
        BRAKES = "brakes", _("Freinage")
        TYRES = "tyres", _("Pneumatiques")
        AIRCON = "aircon", _("Climatisation")
        PRE_CT = "pre_ct", _("Pré-contrôle technique")
        EV_BATTERY = "ev_battery", _("Bilan batterie VE")
        BODY = "body", _("Carrosserie (devis sur photos)")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("libellé"), max_length=120)
    kind = models.CharField(_("famille"), max_length=20, choices=Kind)
    labour_minutes = models.PositiveSmallIntegerField(_("temps barème (min)"))
    skill = models.CharField(_("compétence"), max_length=20, choices=Skill)
    bay_kind = models.CharField(_("poste"), max_length=20, choices=BayKind)
    mileage_km = models.PositiveIntegerField(_("révision des (km)"), null=True, blank=True)
    electric_only = models.BooleanField(_("véhicules électriques seulement"), default=False)
    is_active = models.BooleanField(_("proposée"), default=True)

    class Meta:
        verbose_name = _("opération atelier")
        verbose_name_plural = _("opérations atelier")
        ordering = ["kind", "mileage_km", "code"]

    def __str__(self) -> str:
        return self.name


class OperationPart(models.Model):
    """A part an operation needs, by kind; the exact reference is chosen by compatibility."""

    operation = models.ForeignKey(
        Operation, on_delete=models.CASCADE, related_name="parts", verbose_name=_("opération")
    )
    part_kind = models.SlugField(_("type de pièce"), max_length=40)
    quantity = models.PositiveSmallIntegerField(_("quantité"), default=1)

    class Meta:
        verbose_name = _("pièce de l'opération")
        verbose_name_plural = _("pièces de l'opération")


class WorkshopSettings(models.Model):
    """A dealer's workshop terms: hourly rate, promotion, options offered, cancel deadline."""

    dealer = models.OneToOneField(
        "dealers.Dealer", on_delete=models.CASCADE, related_name="+", verbose_name=_("concession")
    )
    hourly_rate_ht = models.PositiveIntegerField(_("taux horaire HT (centimes)"))
    labour_discount_pct = models.PositiveSmallIntegerField(_("remise main-d'œuvre (%)"), default=0)
    offers_wait = models.BooleanField(_("attente sur place"), default=True)
    wait_max_minutes = models.PositiveSmallIntegerField(_("attente max (min)"), default=90)
    offers_loan_car = models.BooleanField(_("véhicule de prêt"), default=True)
    offers_pickup = models.BooleanField(_("prise en charge à domicile"), default=False)
    pickup_price_ht = models.PositiveIntegerField(_("prise en charge HT (centimes)"), default=0)
    cancel_deadline_hours = models.PositiveSmallIntegerField(
        _("annulation possible jusqu'à (h avant)"), default=24
    )
    slot_step_minutes = models.PositiveSmallIntegerField(_("pas des créneaux (min)"), default=30)

    class Meta:
        verbose_name = _("réglages de l'atelier")
        verbose_name_plural = _("réglages des ateliers")
        constraints = [
            models.CheckConstraint(
                condition=Q(labour_discount_pct__lte=100), name="workshop_discount_pct"
            ),
            models.CheckConstraint(condition=Q(slot_step_minutes__gte=5), name="workshop_step"),
        ]


class Bay(models.Model):
    dealer = models.ForeignKey(
        "dealers.Dealer", on_delete=models.CASCADE, related_name="+", verbose_name=_("concession")
    )
    name = models.CharField(_("nom"), max_length=60)
    kind = models.CharField(_("type"), max_length=20, choices=BayKind)

    class Meta:
        verbose_name = _("poste de travail")
        verbose_name_plural = _("postes de travail")

    def __str__(self) -> str:
        return self.name


class Technician(models.Model):
    dealer = models.ForeignKey(
        "dealers.Dealer", on_delete=models.CASCADE, related_name="+", verbose_name=_("concession")
    )
    name = models.CharField(_("nom"), max_length=80)
    mechanics = models.BooleanField(_("mécanique"), default=True)
    body = models.BooleanField(_("carrosserie"), default=False)
    high_voltage = models.BooleanField(_("habilitation haute tension"), default=False)

    class Meta:
        verbose_name = _("technicien")
        verbose_name_plural = _("techniciens")

    def __str__(self) -> str:
        return self.name

    @property
    def skills(self) -> frozenset[str]:
        return frozenset(skill for skill in Skill.values if getattr(self, skill))


class TechnicianHours(models.Model):
    technician = models.ForeignKey(
        Technician, on_delete=models.CASCADE, related_name="hours", verbose_name=_("technicien")
    )
    weekday = models.PositiveSmallIntegerField(_("jour (0 = lundi)"))
    starts = models.TimeField(_("début"))
    ends = models.TimeField(_("fin"))

    class Meta:
        verbose_name = _("horaire du technicien")
        verbose_name_plural = _("horaires du technicien")
        constraints = [
            models.CheckConstraint(condition=Q(starts__lt=models.F("ends")), name="tech_hours"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="tech_weekday"),
        ]


class Absence(models.Model):
    technician = models.ForeignKey(Technician, on_delete=models.CASCADE, related_name="absences")
    starts_at = models.DateTimeField(_("du"))
    ends_at = models.DateTimeField(_("au"))
    reason = models.CharField(_("motif"), max_length=80, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=models.F("ends_at")), name="absence_order"
            )
        ]


class Closure(models.Model):
    """A day the workshop is closed (besides French public holidays, always closed)."""

    dealer = models.ForeignKey(
        "dealers.Dealer", on_delete=models.CASCADE, related_name="+", verbose_name=_("concession")
    )
    day = models.DateField(_("jour"))
    reason = models.CharField(_("motif"), max_length=80, blank=True)

    class Meta:
        # "fermeture" is also a dealer's closing time: a context keeps the two translations apart.
        verbose_name = pgettext_lazy("jour de fermeture", "fermeture")
        verbose_name_plural = pgettext_lazy("jours de fermeture", "fermetures")
        constraints = [models.UniqueConstraint(fields=["dealer", "day"], name="closure_unique")]


class LoanCar(models.Model):
    dealer = models.ForeignKey(
        "dealers.Dealer", on_delete=models.CASCADE, related_name="+", verbose_name=_("concession")
    )
    label = models.CharField(_("véhicule"), max_length=80)
    plate = models.CharField(_("immatriculation"), max_length=9)

    class Meta:
        verbose_name = _("véhicule de prêt")
        verbose_name_plural = _("véhicules de prêt")

    def __str__(self) -> str:
        return f"{self.label} ({self.plate})"


class Booking(TimeStampedModel):
    """A workshop job: booked online (held, then confirmed) or entered as a walk-in."""

    class Status(models.TextChoices):
        HELD = "held", _("Créneau réservé 5 minutes")
        CONFIRMED = "confirmed", _("Confirmé")
        RECEIVED = "received", _("Véhicule réceptionné")
        DIAGNOSIS = "diagnosis", _("Diagnostic")
        EXTRA_PROPOSED = "extra_proposed", _("Travaux supplémentaires proposés")
        IN_PROGRESS = "in_progress", _("En cours")
        READY = "ready", _("Prêt")
        COLLECTED = "collected", _("Restitué")
        CANCELLED = "cancelled", _("Annulé")
        EXPIRED = "expired", _("Réservation expirée")

    TRANSITIONS = Transitions(
        {
            "held": {"confirmed", "expired", "cancelled"},
            "confirmed": {"received", "cancelled"},
            "received": {"diagnosis", "in_progress"},
            "diagnosis": {"extra_proposed", "in_progress"},
            "extra_proposed": {"in_progress"},
            "in_progress": {"extra_proposed", "ready"},
            "ready": {"collected"},
            "collected": set(),
            "cancelled": set(),
            "expired": set(),
        }
    )
    # Statuses whose capacity claims still hold (the others released theirs).
    ACTIVE = ("held", "confirmed", "received", "diagnosis", "extra_proposed", "in_progress")

    class Option(models.TextChoices):
        DROP_OFF = "drop_off", _("Je dépose le véhicule")
        WAIT = "wait", _("J'attends sur place")
        LOAN_CAR = "loan_car", _("Véhicule de prêt")
        PICKUP = "pickup", _("Prise en charge à domicile")

    number = models.CharField(_("numéro"), max_length=12, unique=True)
    dealer = models.ForeignKey(
        "dealers.Dealer", on_delete=models.PROTECT, related_name="+", verbose_name=_("concession")
    )
    car = models.ForeignKey(
        OwnedCar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("véhicule"),
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="workshop_bookings",
        verbose_name=_("client"),
    )
    walk_in_label = models.CharField(_("véhicule (sans rendez-vous)"), max_length=120, blank=True)
    is_walk_in = models.BooleanField(_("sans rendez-vous"), default=False)
    status = models.CharField(_("statut"), max_length=20, choices=Status, db_index=True)
    option = models.CharField(_("option"), max_length=10, choices=Option, default=Option.DROP_OFF)
    starts_at = models.DateTimeField(_("dépôt"))
    ends_at = models.DateTimeField(_("fin des travaux prévue"))
    held_until = models.DateTimeField(null=True, blank=True, verbose_name=_("bloqué jusqu'au"))
    technician = models.ForeignKey(
        Technician, on_delete=models.PROTECT, related_name="+", verbose_name=_("technicien")
    )
    bay = models.ForeignKey(
        Bay, on_delete=models.PROTECT, related_name="+", verbose_name=_("poste de travail")
    )
    loan_car = models.ForeignKey(
        LoanCar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("véhicule de prêt"),
    )
    total_ht = models.PositiveIntegerField(_("total HT (centimes)"))
    total_vat = models.PositiveIntegerField(_("TVA (centimes)"))
    reminder_sent_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("rappel envoyé le")
    )
    checkin_mileage_km = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("kilométrage à la réception")
    )
    checkin_notes = models.TextField(blank=True, verbose_name=_("notes de réception"))
    checkin_signed_by = models.CharField(
        max_length=120, blank=True, verbose_name=_("réception signée par")
    )
    checkin_signature = models.FileField(
        _("signature à la réception"),
        storage=private_storage,
        upload_to="workshop/signatures/%Y/%m/",
        blank=True,
        max_length=200,
    )

    class Meta:
        verbose_name = _("rendez-vous atelier")
        verbose_name_plural = _("rendez-vous atelier")
        indexes = [models.Index(fields=["dealer", "starts_at"], name="booking_dealer_day")]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=models.F("ends_at")), name="booking_order"
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def total_ttc(self) -> int:
        return self.total_ht + self.total_vat


class BookingLine(models.Model):
    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="lines", verbose_name=_("rendez-vous")
    )
    operation = models.ForeignKey(
        Operation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opération"),
    )
    label = models.CharField(_("libellé"), max_length=160)
    quantity = models.PositiveSmallIntegerField(default=1, verbose_name=_("quantité"))
    amount_ht = models.PositiveIntegerField(_("montant HT (centimes)"))
    is_extra = models.BooleanField(_("travaux supplémentaires"), default=False)
    part_reservation = models.CharField(
        _("réservation de pièce"), max_length=12, blank=True
    )  # a part the owner added, held in the dealer's stock until the job (parts app)

    class Meta:
        verbose_name = _("opération du rendez-vous")
        verbose_name_plural = _("opérations du rendez-vous")


class BookingEvent(models.Model):
    # Not a booking status: one of the booking's e-mails did not leave (badged in the planning).
    EMAIL_FAILED = "email_failed"

    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="events", verbose_name=_("rendez-vous")
    )
    status = models.CharField(max_length=20, verbose_name=_("statut"))
    note = models.CharField(max_length=300, blank=True, verbose_name=_("note"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("date"))

    class Meta:
        verbose_name = _("événement du rendez-vous")
        verbose_name_plural = _("historique du rendez-vous")

    @property
    def status_label(self) -> str:
        """The status as the owner reads it (the row keeps the stable code)."""
        if self.status in Booking.Status.values:
            return str(Booking.Status(self.status).label)
        if self.status == self.EMAIL_FAILED:
            return str(_("E-mail non envoyé"))
        return self.status


class CapacityClaim(models.Model):
    """One resource (``tech:<id>``, ``bay:<id>``, ``loan:<id>``) held for ``[starts_at,
    ends_at)`` by a booking. Never two overlapping for one resource: the database says so."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="claims")
    dealer = models.ForeignKey("dealers.Dealer", on_delete=models.CASCADE, related_name="+")
    resource = models.CharField(max_length=20)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["dealer", "starts_at"], name="claim_dealer_start"),
            models.Index(fields=["resource", "starts_at"], name="claim_resource_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=models.F("ends_at")), name="claim_order"
            )
        ]


class ExtraWorkQuote(TimeStampedModel):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposé")
        ACCEPTED = "accepted", _("Accepté")
        REFUSED = "refused", _("Refusé")

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="quotes")
    description = models.CharField(_("travaux"), max_length=200)
    amount_ht = models.PositiveIntegerField(_("montant HT (centimes)"))
    # The time the work adds to the job: reserved in the plan when proposed (the job's claims
    # grow), given back if the owner refuses.
    labour_minutes = models.PositiveSmallIntegerField(_("temps de travail (min)"), default=0)
    status = models.CharField(max_length=10, choices=Status, default=Status.PROPOSED)
    answered_at = models.DateTimeField(null=True, blank=True)


class BookingPhoto(models.Model):
    """A photo of the job: taken by the workshop (check-in, damage, worn parts) or sent by the
    owner (e.g. the damage to estimate before a bodywork job)."""

    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="photos", verbose_name=_("rendez-vous")
    )
    image = models.FileField(
        _("photo"), storage=private_storage, upload_to="workshop/%Y/%m/", max_length=200
    )
    caption = models.CharField(_("légende"), max_length=120)
    by_owner = models.BooleanField(_("envoyée par le client"), default=False)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("date"))

    class Meta:
        verbose_name = _("photo du rendez-vous")
        verbose_name_plural = _("photos du rendez-vous")

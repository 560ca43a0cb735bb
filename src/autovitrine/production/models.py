"""Production and tracking: plants, lines, stations, transport legs, the factory's and carriers'
events, each factory order's progress and its ETA history."""

from __future__ import annotations

from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def private_storage() -> Storage:
    """The storage of documents never served as public files (``STORAGES["private"]``)."""
    return storages["private"]


class Plant(models.Model):
    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("nom"), max_length=100)
    city = models.CharField(_("ville"), max_length=100)
    # When the observed durations of its stations and legs were last measured (periodic task).
    durations_observed_at = models.DateTimeField(
        _("durées observées mesurées le"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("usine")
        verbose_name_plural = _("usines")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Line(models.Model):
    plant = models.ForeignKey(
        Plant, on_delete=models.CASCADE, related_name="lines", verbose_name=_("usine")
    )
    code = models.SlugField(_("code"), max_length=20)
    name = models.CharField(_("nom"), max_length=100)

    class Meta:
        verbose_name = _("ligne de production")
        verbose_name_plural = _("lignes de production")
        ordering = ["plant", "code"]
        constraints = [
            models.UniqueConstraint(fields=["plant", "code"], name="production_line_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.plant} — {self.name}"


class Station(models.Model):
    """A step of a line; ``typical_minutes`` runs from entering this station to entering the
    next one (the wait in between included), ``spread_minutes`` is its standard deviation."""

    line = models.ForeignKey(
        Line, on_delete=models.CASCADE, related_name="stations", verbose_name=_("ligne")
    )
    position = models.PositiveSmallIntegerField(_("ordre"))
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("nom affiché à l'acheteur"), max_length=100)
    typical_minutes = models.PositiveIntegerField(_("durée habituelle (minutes)"))
    spread_minutes = models.PositiveIntegerField(_("écart type (minutes)"), default=0)
    # Measured on past runs by ``services.step_durations_refresh`` (outliers and quality holds
    # left out); the ETA blends them with the configured duration (``eta.blend``).
    observed_runs = models.PositiveIntegerField(_("passages mesurés"), default=0)
    observed_mean_hours = models.FloatField(_("durée observée (heures)"), null=True, blank=True)
    observed_spread_hours = models.FloatField(
        _("écart type observé (heures)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("poste")
        verbose_name_plural = _("postes")
        ordering = ["line", "position"]
        constraints = [
            models.UniqueConstraint(fields=["line", "code"], name="production_station_code"),
            models.UniqueConstraint(fields=["line", "position"], name="production_station_pos"),
        ]

    def __str__(self) -> str:
        return self.name


class Carrier(models.Model):
    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("nom"), max_length=100)

    class Meta:
        verbose_name = _("transporteur")
        verbose_name_plural = _("transporteurs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TransportLeg(models.Model):
    """One leg of the way from a plant to the dealers (plant → hub → dealer), in order."""

    class Mode(models.TextChoices):
        ROAD = "road", _("route")
        RAIL = "rail", _("rail")
        SEA = "sea", _("mer")

    plant = models.ForeignKey(
        Plant, on_delete=models.CASCADE, related_name="legs", verbose_name=_("usine")
    )
    position = models.PositiveSmallIntegerField(_("ordre"))
    code = models.SlugField(_("code"), max_length=30, unique=True)
    origin = models.CharField(_("départ"), max_length=100)
    destination = models.CharField(_("arrivée"), max_length=100)
    mode = models.CharField(_("mode"), max_length=5, choices=Mode)
    carrier = models.ForeignKey(
        Carrier, on_delete=models.PROTECT, related_name="legs", verbose_name=_("transporteur")
    )
    typical_hours = models.PositiveIntegerField(_("durée habituelle (heures)"))
    spread_hours = models.PositiveIntegerField(_("écart type (heures)"), default=0)
    # Measured on past runs by ``services.step_durations_refresh`` (outliers and quality holds
    # left out); the ETA blends them with the configured duration (``eta.blend``).
    observed_runs = models.PositiveIntegerField(_("passages mesurés"), default=0)
    observed_mean_hours = models.FloatField(_("durée observée (heures)"), null=True, blank=True)
    observed_spread_hours = models.FloatField(
        _("écart type observé (heures)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("étape de transport")
        verbose_name_plural = _("étapes de transport")
        ordering = ["plant", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plant", "position"], name="production_leg_pos")
        ]

    def __str__(self) -> str:
        return f"{self.origin} → {self.destination} ({self.get_mode_display()})"


class ApiCredential(models.Model):
    """A key of the ingestion API, for one plant or one carrier. The secret shown once at
    creation is not stored: the database keeps its SHA-256, which is the HMAC signing key."""

    key_id = models.CharField(_("identifiant de clé"), max_length=40, unique=True)
    secret_hash = models.CharField(_("empreinte du secret"), max_length=64)
    label = models.CharField(_("libellé"), max_length=100)
    plant = models.ForeignKey(
        Plant, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("usine")
    )
    carrier = models.ForeignKey(
        Carrier, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("transporteur")
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("clé d'API usine ou transporteur")
        verbose_name_plural = _("clés d'API usines et transporteurs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(plant__isnull=False, carrier__isnull=True)
                | Q(plant__isnull=True, carrier__isnull=False),
                name="production_credential_one_owner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.key_id})"


class EventKind(models.TextChoices):
    VIN_ASSIGNED = "vin_assigned", _("VIN attribué")
    BUILD_WEEK_PLANNED = "build_week_planned", _("Semaine de fabrication planifiée")
    STATION_ENTERED = "station_entered", _("Entrée au poste")
    STATION_LEFT = "station_left", _("Sortie du poste")
    QUALITY_HOLD = "quality_hold", _("Blocage qualité")
    QUALITY_RELEASE = "quality_release", _("Levée du blocage qualité")
    LEFT_PLANT = "left_plant", _("Sortie d'usine")
    TRANSPORT_CHECKPOINT = "transport_checkpoint", _("Point de passage du transport")
    ARRIVED_AT_DEALER = "arrived_at_dealer", _("Arrivée à la concession")


class OrderProgress(models.Model):
    """Where a factory order's car is. ``rank`` only grows: a late event never moves it back."""

    order = models.OneToOneField(
        "orders.Order",
        on_delete=models.CASCADE,
        related_name="production_progress",
        verbose_name=_("commande"),
    )
    vin = models.CharField(_("VIN"), max_length=17, unique=True)
    plant = models.ForeignKey(Plant, on_delete=models.PROTECT, verbose_name=_("usine"))
    line = models.ForeignKey(Line, on_delete=models.PROTECT, verbose_name=_("ligne"))
    build_week = models.CharField(_("semaine de fabrication"), max_length=8, blank=True)
    rank = models.PositiveIntegerField(_("rang d'avancement"), default=0)
    stage_kind = models.CharField(_("dernière étape"), max_length=30, blank=True)
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("poste")
    )
    leg = models.ForeignKey(
        TransportLeg, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("transport")
    )
    stage_at = models.DateTimeField(_("depuis le"), null=True, blank=True)
    on_hold = models.BooleanField(_("bloquée (qualité)"), default=False)
    hold_reason = models.CharField(_("motif du blocage"), max_length=300, blank=True)
    hold_reason_public = models.BooleanField(_("motif visible de l'acheteur"), default=False)
    hold_changed_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("blocage modifié le")
    )
    carrier_eta = models.DateTimeField(_("ETA du transporteur"), null=True, blank=True)
    plant_eta = models.DateTimeField(_("ETA de l'usine"), null=True, blank=True)
    eta_from = models.DateField(_("arrivée prévue à partir du"), null=True, blank=True)
    eta_to = models.DateField(_("arrivée prévue au plus tard le"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrivée à la concession"), null=True, blank=True)
    # The id of the order's latest event, written by the batch that holds this row locked: each
    # live message carries the id before it, so a stream can tell a gap from a late message.
    last_event_id = models.BigIntegerField(_("dernier événement"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("modifié le"))

    class Meta:
        verbose_name = _("avancement d'une commande")
        verbose_name_plural = _("avancement des commandes")
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.vin


class ProductionEvent(models.Model):
    """An accepted event, kept once (``event_id`` is unique); ``public`` is what the buyer's
    live timeline receives, and the answer a second delivery gets is rebuilt from the row."""

    event_id = models.CharField(_("identifiant de l'événement"), max_length=64, unique=True)
    kind = models.CharField(_("type"), max_length=30, choices=EventKind)
    progress = models.ForeignKey(
        OrderProgress, on_delete=models.CASCADE, related_name="events", verbose_name=_("suivi")
    )
    occurred_at = models.DateTimeField(_("survenu le"))
    received_at = models.DateTimeField(_("reçu le"), auto_now_add=True)
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("poste")
    )
    leg = models.ForeignKey(
        TransportLeg, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("transport")
    )
    credential = models.ForeignKey(
        ApiCredential, on_delete=models.PROTECT, verbose_name=_("clé d'API")
    )
    data = models.JSONField(_("contenu"), default=dict)
    public = models.JSONField(_("message du suivi"), default=dict)

    class Meta:
        verbose_name = _("événement de production")
        verbose_name_plural = _("événements de production")
        ordering = ["progress", "id"]
        indexes = [models.Index(fields=["progress", "id"], name="production_event_stream")]

    def __str__(self) -> str:
        return f"{self.event_id} ({self.kind})"


class EtaChange(models.Model):
    class Reason(models.TextChoices):
        INITIAL = "initial", _("première estimation")
        PROGRESS = "progress", _("avancement de la fabrication")
        QUALITY_HOLD = "quality_hold", _("contrôle qualité")
        PLANT = "plant", _("planning de l'usine")
        CARRIER = "carrier", _("estimation du transporteur")
        TRANSPORT_DELAY = "transport_delay", _("retard de transport")
        ARRIVED = "arrived", _("arrivée à la concession")

    progress = models.ForeignKey(
        OrderProgress, on_delete=models.CASCADE, related_name="eta_changes", verbose_name=_("suivi")
    )
    eta_from = models.DateField(_("à partir du"))
    eta_to = models.DateField(_("au plus tard le"))
    reason = models.CharField(_("motif"), max_length=20, choices=Reason)
    created_at = models.DateTimeField(_("le"))

    class Meta:
        verbose_name = _("changement d'ETA")
        verbose_name_plural = _("historique des ETA")
        ordering = ["progress", "created_at", "id"]


class Notification(models.Model):
    """A milestone e-mail owed to the buyer, at most once per milestone (the unique key): a
    replayed or duplicated event never sends a second one."""

    class Milestone(models.TextChoices):
        LEFT_PLANT = "left_plant", _("sortie d'usine")
        ETA_CHANGED = "eta_changed", _("date d'arrivée décalée de plus de 2 jours")
        ARRIVED = "arrived", _("arrivée à la concession")
        HANDOVER_MOVED = "handover_moved", _("remise des clés à replanifier (retard)")

    progress = models.ForeignKey(
        OrderProgress, on_delete=models.CASCADE, related_name="notifications"
    )
    milestone = models.CharField(_("étape"), max_length=20, choices=Milestone)
    key = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Why the e-mail did not leave (empty: it did, or is still to be sent); head office's page
    # lists these so that someone tells the buyer by other means.
    email_error = models.CharField(_("e-mail non envoyé"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("notification de suivi")
        verbose_name_plural = _("notifications de suivi")
        constraints = [
            models.UniqueConstraint(fields=["progress", "key"], name="production_notify_once")
        ]


# --- Handover at the dealer -----------------------------------------------------------------


class HalfDay(models.TextChoices):
    MORNING = "am", _("matin")
    AFTERNOON = "pm", _("après-midi")


class HandoverCapacity(models.Model):
    """How many handovers a dealer can make in one half-day of the week: as many as it has both
    a handover bay and a member of staff for (``min(bays, staff)``), set by the dealer."""

    dealer = models.ForeignKey(
        "dealers.Dealer",
        on_delete=models.CASCADE,
        related_name="handover_capacities",
        verbose_name=_("concession"),
    )
    weekday = models.PositiveSmallIntegerField(_("jour (0 = lundi)"))
    half_day = models.CharField(_("demi-journée"), max_length=2, choices=HalfDay)
    bays = models.PositiveSmallIntegerField(_("espaces de livraison"), default=0)
    staff = models.PositiveSmallIntegerField(_("personnes pour les remises"), default=0)

    class Meta:
        verbose_name = _("capacité de remise des clés")
        verbose_name_plural = _("capacités de remise des clés")
        ordering = ["dealer", "weekday", "half_day"]
        constraints = [
            models.UniqueConstraint(
                fields=["dealer", "weekday", "half_day"], name="production_handover_capacity"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="production_capacity_day"),
        ]

    @property
    def places(self) -> int:
        return min(self.bays, self.staff)


class Handover(models.Model):
    """The handover of one order's car: the to-do list the dealer ticks, and when it was done."""

    order = models.OneToOneField(
        "orders.Order",
        on_delete=models.CASCADE,
        related_name="handover",
        verbose_name=_("commande"),
    )
    # Balance received (transfer, bank cheque) or financing accepted by the lender (loan).
    balance_means = models.CharField(_("solde : moyen de paiement"), max_length=12, blank=True)
    balance_confirmed_at = models.DateTimeField(_("solde confirmé le"), null=True, blank=True)
    balance_confirmed_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    id_checked_at = models.DateTimeField(_("pièce d'identité vérifiée le"), null=True, blank=True)
    id_checked_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(_("remise effectuée le"), null=True, blank=True)
    done_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("remise des clés")
        verbose_name_plural = _("remises des clés")

    def __str__(self) -> str:
        return str(self.order)


# A booking holds its seat while it is one of these (the unique constraints' condition).
HOLDING_BOOKING_STATUSES = ("booked", "offered", "done")


class HandoverBooking(models.Model):
    """A handover slot: one seat (1…places) of a dealer's half-day. The database holds each seat
    once and each order in one slot at most, so concurrent buyers never overbook a half-day."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("réservé")
        # Booked for the buyer when the ETA slipped past their slot: theirs to confirm or change.
        OFFERED = "offered", _("proposé après un retard")
        DONE = "done", _("remise effectuée")
        # The car could no longer be there in time: the seat went back to the calendar.
        SLIPPED = "slipped", _("annulé (retard de livraison)")
        CHANGED = "changed", _("remplacé par un autre créneau")

    handover = models.ForeignKey(
        Handover, on_delete=models.CASCADE, related_name="bookings", verbose_name=_("remise")
    )
    dealer = models.ForeignKey(
        "dealers.Dealer", on_delete=models.CASCADE, related_name="+", verbose_name=_("concession")
    )
    day = models.DateField(_("jour"))
    half_day = models.CharField(_("demi-journée"), max_length=2, choices=HalfDay)
    seat = models.PositiveSmallIntegerField(_("place"))
    status = models.CharField(_("statut"), max_length=10, choices=Status, default=Status.BOOKED)
    created_at = models.DateTimeField(_("réservé le"), auto_now_add=True)
    changed_at = models.DateTimeField(_("modifié le"), null=True, blank=True)

    class Meta:
        verbose_name = _("créneau de remise")
        verbose_name_plural = _("créneaux de remise")
        ordering = ["day", "half_day", "seat"]
        constraints = [
            models.UniqueConstraint(
                fields=["dealer", "day", "half_day", "seat"],
                condition=Q(status__in=HOLDING_BOOKING_STATUSES),
                name="production_handover_one_per_seat",
            ),
            models.UniqueConstraint(
                fields=["handover"],
                condition=Q(status__in=HOLDING_BOOKING_STATUSES),
                name="production_handover_one_slot",
            ),
            models.CheckConstraint(condition=Q(seat__gte=1), name="production_handover_seat"),
        ]
        indexes = [models.Index(fields=["dealer", "day"], name="production_handover_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.get_half_day_display()} #{self.seat}"


class HandoverDocument(models.Model):
    """A document the buyer uploads before the handover, kept in the private storage and served
    only to the buyer and the delivering dealer's staff."""

    class Kind(models.TextChoices):
        INSURANCE = "insurance", _("attestation d'assurance")
        REGISTRATION = "registration", _("certificat d'immatriculation de la reprise")
        NON_PLEDGE = "non_pledge", _("certificat de situation administrative (non-gage)")

    handover = models.ForeignKey(
        Handover, on_delete=models.CASCADE, related_name="documents", verbose_name=_("remise")
    )
    kind = models.CharField(_("document"), max_length=20, choices=Kind)
    file = models.FileField(_("fichier"), storage=private_storage, upload_to="handover/%Y/%m/")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(_("taille (octets)"))
    uploaded_at = models.DateTimeField(_("déposé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("document de remise")
        verbose_name_plural = _("documents de remise")
        constraints = [
            models.UniqueConstraint(fields=["handover", "kind"], name="production_handover_doc")
        ]


class StationPhoto(models.Model):
    """A photo the plant attaches to a station event: re-encoded without metadata, kept in the
    private storage, shown to those who may follow the order through short-lived signed URLs."""

    event = models.OneToOneField(
        ProductionEvent,
        on_delete=models.CASCADE,
        related_name="photo",
        verbose_name=_("événement"),
    )
    file = models.FileField(_("fichier"), storage=private_storage, upload_to="stations/%Y/%m/")
    content_type = models.CharField(max_length=20)
    width = models.PositiveIntegerField(_("largeur"))
    height = models.PositiveIntegerField(_("hauteur"))
    uploaded_at = models.DateTimeField(_("reçue le"), auto_now_add=True)

    class Meta:
        verbose_name = _("photo de poste")
        verbose_name_plural = _("photos de poste")

    def __str__(self) -> str:
        return str(self.event)


# Milestones the buyer may turn off; a handover moved by a delay is always told (it needs them).
OPTIONAL_MILESTONES = ("left_plant", "eta_changed", "arrived")


class TrackingPreferences(models.Model):
    """The milestone e-mails the buyer chose (every one until they choose)."""

    order = models.OneToOneField(
        "orders.Order",
        on_delete=models.CASCADE,
        related_name="tracking_preferences",
        verbose_name=_("commande"),
    )
    email_milestones = models.JSONField(_("étapes annoncées par e-mail"), default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("préférences de suivi")
        verbose_name_plural = _("préférences de suivi")


class PushSubscription(models.Model):
    """A browser's Web Push subscription (its push service's endpoint and encryption keys), for
    a buyer who opted in; dropped when the push service says it is gone."""

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="+", verbose_name=_("compte")
    )
    endpoint = models.URLField(_("adresse du service de push"), max_length=800, unique=True)
    p256dh = models.CharField(max_length=120)
    auth = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("abonnement Web Push")
        verbose_name_plural = _("abonnements Web Push")

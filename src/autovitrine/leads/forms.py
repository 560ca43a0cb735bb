"""The public lead form: a question, a test-drive request or a call-back, checked in French."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from autovitrine.core import forms as core_forms
from autovitrine.core.forms import validate_single_line
from autovitrine.core.phones import french_phone_normalize
from autovitrine.dealers.selectors import dealer_for_page
from autovitrine.inventory.selectors import StockStatus, vehicle_for_page

from .models import Lead
from .services import LeadSource, lead_create

if TYPE_CHECKING:
    from autovitrine.dealers.models import Dealer
    from autovitrine.inventory.models import StockVehicle

# How far ahead a test drive can be booked online; beyond that the dealer's plans are unknown.
TEST_DRIVE_HORIZON = dt.timedelta(days=60)

# French numbers: 0 then 9 digits, or +33 / 0033 (and an optional "(0)") then 9 digits.

# The `src` marker of a page's query string, mapped to where the lead came from.
_SOURCES_FROM_PAGE = {
    "qr": Lead.Source.QR,
    "campaign": Lead.Source.CAMPAIGN,
}


_STALE_PAGE = {
    "invalid": _("Le formulaire est incomplet : rechargez la page et réessayez."),
    "min_value": _("Le formulaire est incomplet : rechargez la page et réessayez."),
    "max_length": _("Le formulaire est incomplet : rechargez la page et réessayez."),
}


# When a buyer wants to be called back; kept in the lead's message (a lead has no such field).
CALLBACK_WINDOWS = [
    ("morning", _("Le matin (9 h – 12 h)")),
    ("midday", _("Le midi (12 h – 14 h)")),
    ("afternoon", _("L'après-midi (14 h – 18 h)")),
    ("evening", _("En fin de journée (18 h – 20 h)")),
]


class LeadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Votre demande"),
        choices=Lead.Kind.choices,
        initial=Lead.Kind.QUESTION,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choisissez le type de demande."),
            "invalid_choice": _("Type de demande inconnu."),
        },
    )
    preferred_slot = forms.DateTimeField(
        label=_("Créneau souhaité pour l'essai"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        error_messages={"invalid": _("Indiquez une date et une heure valides.")},
    )
    callback_window = forms.ChoiceField(
        label=_("Quand vous rappeler ?"),
        required=False,
        choices=[("", _("Peu importe")), *CALLBACK_WINDOWS],
        error_messages={"invalid_choice": _("Choisissez un moment dans la liste.")},
    )
    name = forms.CharField(
        label=_("Nom"),
        max_length=120,
        validators=[validate_single_line],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={
            "required": _("Indiquez votre nom."),
            "max_length": _("Le nom est trop long (120 caractères au plus)."),
        },
    )
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        help_text=_("Un e-mail ou un téléphone : au moins l'un des deux."),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "invalid": _("Indiquez une adresse e-mail valide, par ex. nom@exemple.fr.")
        },
    )
    phone = forms.CharField(
        label=_("Téléphone"),
        required=False,
        help_text=_("Indispensable pour être rappelé."),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel", "inputmode": "tel"}),
        error_messages={"max_length": _("Ce numéro est trop long.")},
    )
    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=1800,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _("Le message est trop long (1 800 caractères au plus).")},
    )
    consent = forms.BooleanField(
        label=_(
            "J'accepte que la concession me contacte au sujet de cette demande "
            "et que mes coordonnées soient conservées à cette fin."
        ),
        error_messages={"required": _("Votre accord est nécessaire pour envoyer la demande.")},
    )
    # Hidden fields: a tampered value is a stale page, not something the buyer can fix by hand.
    # The vehicle (by id) decides the dealer; the dealer's code is for leads from its own page.
    vehicle = core_forms.IntegerField(
        required=False,
        min_value=1,
        max_value=core_forms.MAX_ROW_ID,
        widget=forms.HiddenInput,
        error_messages=_STALE_PAGE,
    )
    dealer = forms.SlugField(
        required=False, max_length=60, widget=forms.HiddenInput, error_messages=_STALE_PAGE
    )
    # Tracking markers are kept as sent (the service trims them to the column sizes).
    src = forms.CharField(required=False, widget=forms.HiddenInput)
    page = forms.CharField(required=False, widget=forms.HiddenInput)
    utm_source = forms.CharField(required=False, widget=forms.HiddenInput)
    utm_medium = forms.CharField(required=False, widget=forms.HiddenInput)
    utm_campaign = forms.CharField(required=False, widget=forms.HiddenInput)
    idempotency_key = forms.UUIDField(
        required=False,
        widget=forms.HiddenInput,
        error_messages=_STALE_PAGE,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The car and dealer the lead goes to, known once the form is valid.
        self.target_vehicle: StockVehicle | None = None
        self.target_dealer: Dealer | None = None
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", str(uuid.uuid4()))

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"].strip()
        if not raw:
            return ""
        normalized = french_phone_normalize(raw)
        if normalized is None:
            raise forms.ValidationError(
                _("Indiquez un numéro français à 10 chiffres, par ex. 06 12 34 56 78."),
                code="phone",
            )
        return normalized

    def clean_preferred_slot(self) -> dt.datetime | None:
        slot = self.cleaned_data["preferred_slot"]
        if slot is None or self.data.get(self.add_prefix("kind")) != Lead.Kind.TEST_DRIVE:
            return None
        now = timezone.now()
        if slot <= now:
            raise forms.ValidationError(
                _("Le créneau d'essai doit être dans le futur."), code="slot_past"
            )
        if slot > now + TEST_DRIVE_HORIZON:
            raise forms.ValidationError(
                _("Choisissez un créneau dans les 60 prochains jours."), code="slot_too_far"
            )
        return slot

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kind = data.get("kind")
        if "email" in data and "phone" in data and not (data["email"] or data["phone"]):
            self.add_error("email", _("Indiquez un e-mail ou un téléphone."))
        if kind == Lead.Kind.CALLBACK and "phone" in data and not data["phone"]:
            self.add_error("phone", _("Indiquez un numéro pour être rappelé."))
        if kind == Lead.Kind.TEST_DRIVE and "preferred_slot" in data and not data["preferred_slot"]:
            self.add_error("preferred_slot", _("Choisissez un créneau pour l'essai."))
        if "vehicle" in data and "dealer" in data:
            self._clean_target(data["vehicle"], data["dealer"])
        slot = data.get("preferred_slot")
        if slot and self.target_dealer is not None and not self._open_at(slot):
            self.add_error(
                "preferred_slot",
                _("La concession est fermée à ce moment-là : choisissez un créneau d'ouverture."),
            )
        return data

    def _clean_target(self, vehicle_id: int | None, dealer_code: str) -> None:
        """A vehicle still for sale (the lead goes to its dealer), or an active dealer."""
        if vehicle_id:
            vehicle = vehicle_for_page(vehicle_id)
            if vehicle is None:
                raise forms.ValidationError(
                    _("Ce véhicule n'est plus en ligne."), code="vehicle_unknown"
                )
            if vehicle.status == StockStatus.SOLD:
                raise forms.ValidationError(
                    _("Ce véhicule vient d'être vendu : la concession ne peut plus le proposer."),
                    code="vehicle_sold",
                )
            self.target_vehicle, self.target_dealer = vehicle, vehicle.dealer
        elif dealer_code:
            self.target_dealer = dealer_for_page(dealer_code)
            if self.target_dealer is None:
                raise forms.ValidationError(
                    _("Cette concession n'existe pas ou n'est plus en ligne."),
                    code="dealer_unknown",
                )
        else:
            raise forms.ValidationError(
                _("Cette demande ne vise aucune concession : repartez de la page du véhicule."),
                code="no_target",
            )

    def _open_at(self, slot: dt.datetime) -> bool:
        """Whether the dealer is open then; a dealer without published hours takes any slot."""
        assert self.target_dealer is not None
        periods = list(self.target_dealer.opening_periods.all())
        local = timezone.localtime(slot)
        return not periods or any(
            period.weekday == local.weekday() and period.opens_at <= local.time() < period.closes_at
            for period in periods
        )

    def page_errors(self) -> list[str]:
        """Errors to show above the form: the form's own and those of its hidden fields."""
        errors = [str(error) for error in self.non_field_errors()]
        for field in self.hidden_fields():
            errors.extend(str(error) for error in field.errors if str(error) not in errors)
        return errors

    def lead_message(self) -> str:
        """The buyer's message, preceded by the call-back window when one was chosen."""
        message = self.cleaned_data["message"].strip()
        window = self.cleaned_data.get("callback_window")
        if self.cleaned_data["kind"] == Lead.Kind.CALLBACK and window:
            label = dict(CALLBACK_WINDOWS)[window]
            prefix = str(_("Rappel souhaité : %(window)s")) % {"window": label}
            message = f"{prefix}\n{message}" if message else prefix
        return message

    def lead_source(self) -> LeadSource:
        data = self.cleaned_data
        source = _SOURCES_FROM_PAGE.get(data["src"], Lead.Source.WEB)
        if source == Lead.Source.WEB and data["utm_campaign"]:
            source = Lead.Source.CAMPAIGN
        return LeadSource(
            source=source,
            page=data["page"],
            utm_source=data["utm_source"],
            utm_medium=data["utm_medium"],
            utm_campaign=data["utm_campaign"],
        )

    def idempotency_key_value(self) -> str | None:
        key = self.cleaned_data.get("idempotency_key")
        return str(key) if key else None

    def create_lead(
        self,
        *,
        customer: Any,
        extra_message: str = "",
        origin: LeadSource | None = None,
        idempotency_key: str | None = None,
    ) -> Lead:
        """The lead this valid form describes, sent to its dealer; the page's own origin and
        key unless the caller (the API) has its own."""
        assert self.target_dealer is not None
        data = self.cleaned_data
        return lead_create(
            dealer_id=self.target_dealer.pk,
            vehicle_id=self.target_vehicle.pk if self.target_vehicle else None,
            kind=data["kind"],
            name=data["name"],
            email=data["email"],
            phone=data["phone"],
            message="\n\n".join(filter(None, [self.lead_message(), extra_message])),
            preferred_slot=data["preferred_slot"],
            customer=customer,
            origin=origin or self.lead_source(),
            idempotency_key=idempotency_key or self.idempotency_key_value(),
        )

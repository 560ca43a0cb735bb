"""Workshop forms: add a car to the garage, choose operations, check a car in, extra work."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from autovitrine.catalog.selectors import stock_form_versions
from autovitrine.core import forms as core_forms
from autovitrine.core.vin import validate_vin

from .selectors import validate_plate


class AddCarForm(forms.Form):
    plate = forms.CharField(label=_("Immatriculation (AA-123-AA)"), max_length=12, required=False)
    vin = forms.CharField(label=_("ou VIN (17 caractères)"), max_length=20, required=False)
    version = forms.ModelChoiceField(
        label=_("Modèle et version"), queryset=stock_form_versions(), required=False
    )
    year = core_forms.IntegerField(
        label=_("Année de mise en circulation"),
        min_value=1950,
        validators=[core_forms.NotAfterYearValidator(years_ahead=1)],
    )
    mileage_km = core_forms.IntegerField(
        label=_("Kilométrage"), min_value=0, max_value=core_forms.MAX_MILEAGE_KM
    )
    last_service_on = forms.DateField(
        label=_("Date du dernier entretien"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    last_service_km = core_forms.IntegerField(
        label=_("Kilométrage au dernier entretien"),
        min_value=0,
        max_value=core_forms.MAX_MILEAGE_KM,
        required=False,
    )

    def clean_plate(self) -> str:
        raw = self.cleaned_data["plate"]
        return validate_plate(raw) if raw.strip() else ""

    def clean_vin(self) -> str:
        raw = self.cleaned_data["vin"]
        return validate_vin(raw) if raw.strip() else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("plate") or data.get("vin") or data.get("version")):
            raise ValidationError(_("Indiquez l'immatriculation, le VIN ou le modèle du véhicule."))
        return data


class CheckInForm(forms.Form):
    mileage_km = core_forms.IntegerField(
        label=_("Kilométrage"), min_value=0, max_value=core_forms.MAX_MILEAGE_KM
    )
    notes = forms.CharField(
        label=_("Dommages constatés"), required=False, widget=forms.Textarea, max_length=2000
    )
    signed_by = forms.CharField(label=_("Signature du client (nom)"), max_length=120)
    # The drawing from the tablet (signature.js), a PNG data URL; absent without JavaScript.
    signature = forms.CharField(required=False, widget=forms.HiddenInput, max_length=400_000)

    def clean_signature(self) -> bytes | None:
        import base64
        import binascii

        raw = self.cleaned_data["signature"]
        prefix = "data:image/png;base64,"
        if not raw:
            return None
        if not raw.startswith(prefix):
            raise ValidationError(_("Signature illisible : signez à nouveau."))
        try:
            return base64.b64decode(raw[len(prefix) :], validate=True)
        except (binascii.Error, ValueError) as error:
            raise ValidationError(_("Signature illisible : signez à nouveau.")) from error


class ExtraWorkForm(forms.Form):
    description = forms.CharField(label=_("Travaux supplémentaires"), max_length=200)
    amount_eur = core_forms.DecimalField(
        label=_("Montant HT (€)"), min_value=1, max_digits=8, decimal_places=2
    )
    labour_minutes = core_forms.IntegerField(
        label=_("Temps de travail en plus (min)"),
        min_value=0,
        max_value=480,
        initial=0,
        required=False,
        help_text=_("Réservé dans le planning dès l'envoi du devis, rendu si le client refuse."),
    )


class WalkInForm(forms.Form):
    label = forms.CharField(label=_("Véhicule"), max_length=120)
    starts_at = forms.DateTimeField(
        label=_("Début"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class WorkshopTermsForm(forms.Form):
    """A dealer's own terms: its hourly rate and promotion, options, cancel deadline (prices HT
    in euros here, stored in cents)."""

    hourly_rate_eur = core_forms.DecimalField(
        label=_("Taux horaire main-d'œuvre HT (€)"),
        min_value=20,
        max_value=500,
        max_digits=6,
        decimal_places=2,
        localize=True,  # « 25,50 » as French owners type it
    )
    labour_discount_pct = core_forms.IntegerField(
        label=_("Promotion sur la main-d'œuvre (%)"), min_value=0, max_value=50
    )
    offers_wait = forms.BooleanField(label=_("Attente sur place"), required=False)
    wait_max_minutes = core_forms.IntegerField(
        label=_("Attente sur place : travaux de (min) au plus"), min_value=15, max_value=240
    )
    offers_loan_car = forms.BooleanField(label=_("Véhicule de prêt"), required=False)
    offers_pickup = forms.BooleanField(label=_("Prise en charge à domicile"), required=False)
    pickup_price_eur = core_forms.DecimalField(
        label=_("Prix de la prise en charge HT (€)"),
        min_value=0,
        max_value=500,
        max_digits=6,
        decimal_places=2,
        localize=True,  # « 25,50 » as French owners type it
    )
    cancel_deadline_hours = core_forms.IntegerField(
        label=_("Annulation ou déplacement en ligne jusqu'à (heures avant)"),
        min_value=0,
        max_value=168,
    )
    slot_step_minutes = forms.TypedChoiceField(
        label=_("Pas des créneaux"),
        choices=[(15, _("15 min")), (30, _("30 min")), (60, _("1 h"))],
        coerce=int,
    )

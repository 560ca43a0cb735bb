"""The buyer's trade-in form: the car, its condition, plate or VIN, photos."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from autovitrine.catalog.selectors import Energy
from autovitrine.core import forms as core_forms

from .models import Condition, Segment
from .services import MAX_MILEAGE_KM, MAX_PHOTOS, OLDEST_YEAR, TradeInInput


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos in one input; each is checked by the service (real image, size)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultiplePhotoField, self).clean(item, initial) for item in files]


# The service says the same (``tradein_validate``): one message whoever refuses first.
MILEAGE_ABSURD = _("Kilométrage invraisemblable : saisissez un nombre entre 0 et 999 999 km.")


class TradeInForm(forms.Form):
    make = forms.CharField(label=_("Marque"), max_length=60)
    model_label = forms.CharField(label=_("Modèle"), max_length=80)
    version = forms.CharField(
        label=_("Version (facultatif)"),
        max_length=120,
        required=False,
        help_text=_("Ex. « 1.0 TCe 90 Zen » : l'estimation est plus précise."),
    )
    segment = forms.ChoiceField(label=_("Catégorie"), choices=Segment.choices)
    energy = forms.ChoiceField(label=_("Énergie"), choices=Energy.choices)
    year = core_forms.IntegerField(
        label=_("Année de première immatriculation"),
        min_value=OLDEST_YEAR,
        validators=[
            core_forms.NotAfterYearValidator(
                message=_("L'année ne peut pas être dans le futur (%(limit_value)s au plus).")
            )
        ],
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "min_value": _("Nous reprenons les véhicules de %(limit_value)s et après."),
        },
    )
    mileage_km = core_forms.IntegerField(
        label=_("Kilométrage"),
        min_value=0,
        max_value=MAX_MILEAGE_KM,
        error_messages={"min_value": MILEAGE_ABSURD, "max_value": MILEAGE_ABSURD},
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    condition = forms.ChoiceField(
        label=_("État général"), choices=Condition.choices, widget=forms.RadioSelect
    )
    plate = forms.CharField(
        label=_("Immatriculation"),
        max_length=20,
        required=False,
        help_text=_("Ex. AB-123-CD. Ou indiquez le VIN."),
    )
    vin = forms.CharField(label=_("VIN (facultatif)"), max_length=25, required=False)
    photos = MultiplePhotoField(
        label=_("Photos (facultatif)"),
        required=False,
        help_text=_("Jusqu'à %(n)d photos : extérieur, intérieur, compteur.") % {"n": MAX_PHOTOS},
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.attrs["max"] = timezone.localdate().year
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
            self.initial.setdefault("condition", Condition.GOOD)

    def to_input(self) -> TradeInInput:
        data = self.cleaned_data
        return TradeInInput(
            make=data["make"],
            model_label=data["model_label"],
            segment=data["segment"],
            energy=data["energy"],
            year=data["year"],
            mileage_km=data["mileage_km"],
            condition=data["condition"],
            plate=data["plate"],
            vin=data["vin"],
            version=data.get("version") or "",
        )

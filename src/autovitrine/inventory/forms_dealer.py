"""Forms of the dealer's stock pages: filters, the vehicle form (with photos) and the status form."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from autovitrine.catalog.selectors import (
    USED_CAR_MAKES,
    Energy,
    Option,
    no_colours,
    no_options,
    stock_form_versions,
    version_colours,
    version_options,
)
from autovitrine.core.money import format_eur, parse_eur_to_cents
from autovitrine.core.vin import validate_vin, vin_check_warning

from .models import StockVehicle, VehiclePhoto
from .services import VehicleData, photo_validate

if TYPE_CHECKING:
    from autovitrine.catalog.models import Colour, Version

# A new car may have been driven to the showroom, no more.
NEW_VEHICLE_MAX_KM = 100
MAX_PRICE_CENTS = 10_000_000 * 100
MAX_PHOTOS_PER_UPLOAD = 20
OLDEST_REGISTRATION = dt.date(1950, 1, 1)
# A car has one set of wheels: these option categories are one choice, not a checklist.
EXCLUSIVE_OPTION_CATEGORIES = (Option.Category.WHEELS,)
NORTH_AMERICAN_VIN_REGIONS = "12345"


class StockFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Statut"),
        required=False,
        choices=[("", _("Tous"))] + list(StockVehicle.Status.choices),
    )
    q = forms.CharField(
        label=_("VIN ou modèle"),
        required=False,
        max_length=80,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def search(self, vehicles: QuerySet[StockVehicle]) -> QuerySet[StockVehicle]:
        """Narrow a dealer's stock to the typed VIN fragment or model name."""
        text = self.cleaned_data.get("q", "").strip() if self.is_valid() else ""
        if not text:
            return vehicles
        return vehicles.filter(
            Q(vin__icontains="".join(text.split()))
            | Q(model_label__icontains=text)
            | Q(version_label__icontains=text)
        )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input; each must pass ``photo_validate``, or none is kept."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        uploads = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if len(uploads) > MAX_PHOTOS_PER_UPLOAD:
            raise ValidationError(
                _("Envoyez au plus %(max)d photos à la fois.") % {"max": MAX_PHOTOS_PER_UPLOAD},
                code="photo_count",
            )
        errors: list[ValidationError] = []
        for upload in uploads:
            try:
                super().clean(upload)
                photo_validate(upload)
            except ValidationError as exc:
                errors.extend(
                    ValidationError(
                        _("%(name)s : %(error)s") % {"name": upload.name, "error": message},
                        code=exc.code,
                    )
                    for message in exc.messages
                )
        if errors:
            raise ValidationError(errors)
        return uploads


class KilometresField(forms.IntegerField):
    """An integer typed the French way: "12 500" is read as 12500."""

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = "".join(value.split())
        return super().to_python(value)


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Version) -> str:
        return f"{obj.car_model.name} — {obj}"


class VehicleForm(forms.Form):
    condition = forms.ChoiceField(
        label=_("État"), choices=StockVehicle.Condition.choices, widget=forms.RadioSelect
    )
    vin = forms.CharField(
        label=_("VIN"),
        max_length=40,
        help_text=_("17 caractères, sans I, O ni Q (case E de la carte grise)."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    version = VersionChoiceField(
        label=_("Version"),
        queryset=stock_form_versions().order_by(
            "car_model__position", "car_model__name", "base_price_ht"
        ),
        empty_label=_("Choisissez une version"),
        required=False,
        help_text=_("Pour une occasion d'une autre marque, laissez vide et remplissez ci-dessous."),
    )
    make = forms.ChoiceField(
        label=_("Marque (occasion hors catalogue)"),
        required=False,
        choices=[("", _("Choisissez une marque"))] + [(make, make) for make in USED_CAR_MAKES],
    )
    model_label = forms.CharField(label=_("Modèle"), required=False, max_length=80)
    version_label = forms.CharField(
        label=_("Version (finition, motorisation)"), required=False, max_length=120
    )
    energy = forms.ChoiceField(
        label=_("Énergie"), required=False, choices=[("", "—"), *Energy.choices]
    )
    gearbox = forms.ChoiceField(
        label=_("Boîte"),
        required=False,
        choices=[("", "—"), ("manuelle", _("Manuelle")), ("automatique", _("Automatique"))],
    )
    power_hp = forms.IntegerField(
        label=_("Puissance (ch)"), required=False, min_value=1, max_value=2000
    )
    colour_label = forms.CharField(label=_("Couleur"), required=False, max_length=80)
    colour = forms.ModelChoiceField(
        label=_("Couleur"),
        required=False,
        queryset=no_colours(),
        empty_label=_("Non précisée"),
    )
    options = forms.ModelMultipleChoiceField(
        label=_("Options"),
        required=False,
        queryset=no_options(),
        widget=forms.CheckboxSelectMultiple,
    )
    mileage_km = KilometresField(
        label=_("Kilométrage (km)"),
        min_value=0,
        max_value=2_000_000,
        error_messages={
            "invalid": _("Saisissez un kilométrage en chiffres, par exemple 12 500."),
            "min_value": _("Le kilométrage ne peut pas être négatif."),
            "max_value": _("Le kilométrage ne peut pas dépasser 2 000 000 km."),
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    first_registration = forms.DateField(
        label=_("Première immatriculation"),
        required=False,
        help_text=_("Obligatoire pour un véhicule d'occasion."),
        error_messages={"invalid": _("Saisissez une date valide, par exemple 15/03/2022.")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    price = forms.CharField(
        label=_("Prix TTC (€)"),
        max_length=20,
        help_text=_("Par exemple 23 490 ou 23 490,50."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    photos = PhotosField(
        label=_("Ajouter des photos"),
        required=False,
        help_text=_(
            "JPEG, PNG ou WebP, plusieurs à la fois ; la première sert de photo principale."
        ),
    )

    def __init__(
        self,
        *args: Any,
        vehicle: StockVehicle | None = None,
        extras_url: str = "",
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.vehicle = vehicle
        self.vin_warning = ""
        if vehicle is not None and vehicle.version_id is None:
            # A trade-in taken back keeps the make its owner typed until someone corrects it.
            current = _listed_make(vehicle.make)
            make_field = cast(forms.ChoiceField, self.fields["make"])
            if current and current not in USED_CAR_MAKES:
                # Django keeps the list of pairs given to the field above (the stubs allow more).
                listed = cast("list[tuple[str, Any]]", make_field.choices)
                make_field.choices = [*listed, (current, current)]
        version_id = self._chosen_version_id()
        if version_id is not None:
            # Only the colours and options of the chosen version's model are offered.
            colours = cast(forms.ModelChoiceField, self.fields["colour"])
            colours.queryset = version_colours(version_id)
            options = cast(forms.ModelMultipleChoiceField, self.fields["options"])
            options.queryset = version_options(version_id)
        else:
            self.fields["colour"].help_text = _("Choisissez d'abord la version.")
            self.fields["options"].help_text = _("Choisissez d'abord la version.")
        if extras_url:
            # htmx reloads the colours and options when the version changes.
            self.fields["version"].widget.attrs.update(
                {
                    "hx-get": extras_url,
                    "hx-trigger": "change",
                    "hx-target": "#version-extras",
                    "hx-select": "#version-extras",
                    "hx-swap": "outerHTML",
                }
            )
        self.existing_photos: list[VehiclePhoto] = list(vehicle.photos.all()) if vehicle else []
        for index, photo in enumerate(self.existing_photos, start=1):
            self.fields[f"photo_{photo.pk}_position"] = forms.IntegerField(
                label=_("Ordre de la photo %(n)d") % {"n": index},
                min_value=1,
                max_value=99,
                initial=index,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
            self.fields[f"photo_{photo.pk}_delete"] = forms.BooleanField(
                label=_("Supprimer la photo %(n)d") % {"n": index}, required=False
            )

    @classmethod
    def initial_for(cls, vehicle: StockVehicle) -> dict[str, Any]:
        return {
            "condition": vehicle.condition,
            "vin": vehicle.vin,
            "version": vehicle.version_id,
            "colour": vehicle.colour_id,
            "options": [option.pk for option in vehicle.options.all()],
            "mileage_km": vehicle.mileage_km,
            "first_registration": vehicle.first_registration,
            "price": format_eur(vehicle.price_ttc).replace("\u00a0€", ""),
            "description": vehicle.description,
            **(
                {
                    "make": _listed_make(vehicle.make),
                    "model_label": vehicle.model_label,
                    "version_label": vehicle.version_label,
                    "energy": vehicle.energy,
                    "gearbox": vehicle.gearbox,
                    "power_hp": vehicle.power_hp,
                    "colour_label": vehicle.colour_label,
                }
                if vehicle.version_id is None
                else {}
            ),
        }

    def _chosen_version_id(self) -> int | None:
        raw = self.data.get(self.add_prefix("version")) if self.is_bound else None
        if raw is None:
            raw = self.initial.get("version")
        try:
            return int(raw) if raw not in (None, "") else None
        except (TypeError, ValueError):
            return None

    @property
    def photo_fields(self) -> list[tuple[VehiclePhoto, forms.BoundField, forms.BoundField]]:
        return [
            (photo, self[f"photo_{photo.pk}_position"], self[f"photo_{photo.pk}_delete"])
            for photo in self.existing_photos
        ]

    def clean_vin(self) -> str:
        vin = validate_vin(self.cleaned_data["vin"])
        warning = vin_check_warning(vin)
        if warning and vin[0] in NORTH_AMERICAN_VIN_REGIONS:
            # There the check digit is compulsory: a mismatch is a typing error.
            raise ValidationError(warning, code="vin_check_digit")
        self.vin_warning = warning
        return vin

    def clean_options(self) -> list[Option]:
        options = list(self.cleaned_data.get("options") or [])
        for category in EXCLUSIVE_OPTION_CATEGORIES:
            chosen = [option for option in options if option.category == category]
            if len(chosen) > 1:
                raise ValidationError(
                    _("Une seule option « %(category)s » à la fois : %(names)s.")
                    % {
                        "category": Option.Category(category).label,
                        "names": ", ".join(option.name for option in chosen),
                    },
                    code="options_exclusive",
                )
        return options

    def clean_price(self) -> int:
        try:
            cents = parse_eur_to_cents(self.cleaned_data["price"])
        except ValueError:
            raise ValidationError(
                _("Saisissez un prix en euros, par exemple 23 490 ou 23 490,50."),
                code="price_invalid",
            ) from None
        if cents <= 0:
            raise ValidationError(_("Le prix doit être supérieur à 0 €."), code="price_zero")
        if cents > MAX_PRICE_CENTS:
            raise ValidationError(
                _("Le prix ne peut pas dépasser 10 000 000 €."), code="price_too_high"
            )
        return cents

    def clean_first_registration(self) -> dt.date | None:
        day = self.cleaned_data["first_registration"]
        if day is not None and day > timezone.localdate():
            raise ValidationError(
                _("La première immatriculation ne peut pas être dans le futur."),
                code="registration_future",
            )
        if day is not None and day < OLDEST_REGISTRATION:
            raise ValidationError(
                _("La première immatriculation ne peut pas être antérieure à 1950."),
                code="registration_too_old",
            )
        return day

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        condition = cleaned.get("condition")
        mileage = cleaned.get("mileage_km")
        if not cleaned.get("version") and "version" not in self.errors:
            self._check_free_car(cleaned, condition)
        if condition == StockVehicle.Condition.NEW and mileage and mileage > NEW_VEHICLE_MAX_KM:
            self.add_error(
                "mileage_km",
                ValidationError(
                    _(
                        "Un véhicule neuf ne dépasse pas %(max)d km : "
                        "vérifiez le kilométrage ou choisissez « Occasion »."
                    )
                    % {"max": NEW_VEHICLE_MAX_KM},
                    code="new_mileage",
                ),
            )
        # A typo'd date already has its own message; only a blank one is "missing".
        registration_blank = (
            "first_registration" in cleaned and cleaned["first_registration"] is None
        )
        if condition == StockVehicle.Condition.USED and registration_blank:
            self.add_error(
                "first_registration",
                ValidationError(
                    _("Indiquez la première immatriculation d'un véhicule d'occasion."),
                    code="registration_required",
                ),
            )
        return cleaned

    def _check_free_car(self, cleaned: dict[str, Any], condition: str | None) -> None:
        """Without a catalogue version the car is described by hand: only a used one may be."""
        if condition != StockVehicle.Condition.USED:
            self.add_error(
                "version",
                ValidationError(
                    _("Choisissez la version du catalogue (un véhicule neuf en a toujours une)."),
                    code="version_required",
                ),
            )
            return
        for name, message in (
            ("make", _("Choisissez la marque, ou une version du catalogue.")),
            ("model_label", _("Indiquez le modèle.")),
            ("energy", _("Indiquez l'énergie.")),
        ):
            if not cleaned.get(name):
                self.add_error(name, ValidationError(message, code=f"{name}_required"))

    def photo_order(self) -> list[int]:
        """The existing photos to keep, in the order typed (ties keep the current order)."""
        kept = [
            (self.cleaned_data[f"photo_{photo.pk}_position"], index, photo.pk)
            for index, photo in enumerate(self.existing_photos)
            if not self.cleaned_data.get(f"photo_{photo.pk}_delete")
        ]
        return [photo_id for _position, _index, photo_id in sorted(kept)]

    def vehicle_data(self) -> VehicleData:
        """The cleaned form as the service's input; labels and figures come from the catalog, or
        from what was typed for a used car of another make."""
        version: Version | None = self.cleaned_data.get("version")
        if version is None:
            return self._free_vehicle_data()
        colour: Colour | None = self.cleaned_data.get("colour")
        options = list(self.cleaned_data.get("options") or [])
        registration: dt.date | None = self.cleaned_data.get("first_registration")
        co2 = version.co2_g_km + sum(option.co2_delta_g_km for option in options)
        return VehicleData(
            condition=self.cleaned_data["condition"],
            vin=self.cleaned_data["vin"],
            make=version.car_model.brand.name,
            model_label=version.car_model.name,
            version_label=str(version),
            colour_label=colour.name if colour else "",
            energy=version.energy,
            gearbox=version.gearbox,
            power_hp=version.power_hp,
            co2_g_km=max(co2, 0),
            year=registration.year if registration else timezone.localdate().year,
            price_ttc=self.cleaned_data["price"],
            mileage_km=self.cleaned_data["mileage_km"],
            first_registration=registration,
            description=self.cleaned_data.get("description", ""),
            car_model_id=version.car_model_id,
            version_id=version.pk,
            colour_id=colour.pk if colour else None,
        )

    def _free_vehicle_data(self) -> VehicleData:
        data = self.cleaned_data
        registration: dt.date | None = data.get("first_registration")
        return VehicleData(
            condition=data["condition"],
            vin=data["vin"],
            make=data["make"],
            model_label=data["model_label"].strip(),
            version_label=data.get("version_label", "").strip(),
            colour_label=data.get("colour_label", "").strip(),
            energy=data["energy"],
            gearbox=data.get("gearbox", ""),
            power_hp=data.get("power_hp"),
            year=registration.year if registration else timezone.localdate().year,
            price_ttc=data["price"],
            mileage_km=data["mileage_km"],
            first_registration=registration,
            description=data.get("description", ""),
        )

    def add_service_error(self, error: ValidationError) -> None:
        """Show a service's refusal next to its field: its code says which (``vin_…``, ``photo_…``)."""
        code = getattr(error, "code", None) or ""
        field = "vin" if code.startswith("vin") else "photos" if code.startswith("photo") else None
        self.add_error(field, error)


def _listed_make(typed: str) -> str:
    """The controlled list's spelling of a typed make ("peugeot" → "Peugeot"), else as typed."""
    by_key = {make.casefold(): make for make in USED_CAR_MAKES}
    return by_key.get(typed.strip().casefold(), typed.strip())


class VehicleStatusForm(forms.Form):
    """Offers the moves allowed from the status on screen; ``expected_status`` is that status, so
    a change made meanwhile by a colleague is refused rather than overridden."""

    to_status = forms.ChoiceField(label=_("Nouveau statut"), choices=StockVehicle.Status.choices)
    expected_status = forms.ChoiceField(
        choices=StockVehicle.Status.choices, widget=forms.HiddenInput
    )
    reason = forms.CharField(
        label=_("Motif (facultatif)"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, vehicle: StockVehicle, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("initial", {"expected_status": vehicle.status})
        super().__init__(*args, **kwargs)
        allowed = StockVehicle.TRANSITIONS.targets(vehicle.status)
        self.fields["to_status"].widget.choices = [
            (value, label) for value, label in StockVehicle.Status.choices if value in allowed
        ]

"""Head-office form to set up a flash sale from exact stock vehicles (one VIN per line)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from autovitrine.catalog.selectors import brands_by_name
from autovitrine.core import forms as core_forms
from autovitrine.core.money import format_eur
from autovitrine.dealers.selectors import active_dealers
from autovitrine.inventory.selectors import available_vehicles_to_pick

from .services import RESERVED_SLUGS, SaleData

DEFAULT_ADMISSION_MINUTES = 2


class SaleForm(forms.Form):
    brand = forms.ModelChoiceField(label=_("Marque"), queryset=brands_by_name())
    title = forms.CharField(label=_("Titre"), max_length=120)
    slug = forms.SlugField(
        label=_("Adresse de la page"),
        max_length=80,
        help_text=_("Lettres minuscules, chiffres et tirets, par exemple terra-juin."),
    )
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    price = core_forms.EuroField(label=_("Prix TTC (€)"), positive=True)
    deposit = core_forms.EuroField(label=_("Acompte TTC (€)"), positive=True)
    opens_at = forms.DateTimeField(
        label=_("Ouverture (heure de Paris)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": _("Saisissez une date et une heure valides.")},
    )
    hold_minutes = core_forms.IntegerField(
        label=_("Durée de réservation (minutes)"),
        min_value=1,
        max_value=60,
        initial=10,
        help_text=_("Temps laissé à l'acheteur pour payer l'acompte."),
    )
    admission_minutes = core_forms.IntegerField(
        label=_("Délai pour réserver une fois admis (minutes)"),
        min_value=1,
        max_value=10,
        initial=DEFAULT_ADMISSION_MINUTES,
        required=False,
        help_text=_("Laissé vide : %(n)d minutes.") % {"n": DEFAULT_ADMISSION_MINUTES},
    )
    limit_per_customer = core_forms.IntegerField(
        label=_("Voitures par client"), min_value=1, max_value=5, initial=1
    )
    dealer_choice_allowed = forms.BooleanField(
        label=_("Le client choisit la concession de livraison"), required=False
    )
    search = forms.CharField(
        label=_("Chercher un modèle, une version ou un VIN"),
        required=False,
        max_length=80,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    search_dealer = forms.ModelChoiceField(
        label=_("Concession"),
        required=False,
        queryset=active_dealers().order_by("city", "name"),
        empty_label=_("Toutes les concessions"),
    )
    vehicles = forms.MultipleChoiceField(
        label=_("Véhicules disponibles à mettre en vente"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    vins = forms.CharField(
        label=_("Autres VIN (un par ligne, facultatif)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
    )

    # The picker's filter fields, shown apart from the sale's own fields.
    PICKER_FIELDS = ("search", "search_dealer", "vehicles", "vins")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        text, dealer_id, brand_id = "", None, None
        if self.is_bound:
            text = str(self.data.get("search", ""))[:80]
            dealer_id = _int_or_none(self.data.get("search_dealer"))
            brand_id = _int_or_none(self.data.get("brand"))
        picked = set(self["vehicles"].data or ()) if self.is_bound else set()
        found = list(available_vehicles_to_pick(text=text, dealer_id=dealer_id, brand_id=brand_id))
        found_vins = {vehicle.vin for vehicle in found}
        # Cars already ticked stay listed (and ticked) whatever the new search shows.
        kept = (
            [
                vehicle
                for vehicle in available_vehicles_to_pick(limit=1000)
                if vehicle.vin in picked and vehicle.vin not in found_vins
            ]
            if picked - found_vins
            else []
        )
        cast(forms.MultipleChoiceField, self.fields["vehicles"]).choices = [
            (
                vehicle.vin,
                f"{vehicle.make} {vehicle.model_label} {vehicle.version_label} — "
                f"{vehicle.vin} — {vehicle.dealer.name} ({vehicle.dealer.city}) — "
                f"{format_eur(vehicle.price_ttc)}",
            )
            for vehicle in [*kept, *found]
        ]

    def show_without_errors(self) -> None:
        """Render the typed values as they are, without validating them."""
        self._errors = forms.utils.ErrorDict()
        self.cleaned_data = {}

    @property
    def sale_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in self.PICKER_FIELDS]

    def clean_opens_at(self) -> dt.datetime:
        opens_at: dt.datetime = self.cleaned_data["opens_at"]
        if opens_at <= timezone.now():
            raise forms.ValidationError(
                _("L'ouverture doit être dans le futur."), code="opens_in_past"
            )
        return opens_at

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(_("Cette adresse est réservée."), code="slug")
        return slug

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        price, deposit = cleaned.get("price"), cleaned.get("deposit")
        if price and deposit and deposit > price:
            self.add_error("deposit", _("L'acompte ne peut pas dépasser le prix."))
        if not self.errors and not self.vin_list():
            self.add_error("vehicles", _("Cochez au moins un véhicule (ou tapez son VIN)."))
        return cleaned

    def sale_data(self) -> SaleData:
        data = self.cleaned_data
        return SaleData(
            brand_id=data["brand"].pk,
            title=data["title"],
            slug=data["slug"],
            description=data["description"],
            price_ttc=data["price"],
            deposit_ttc=data["deposit"],
            opens_at=data["opens_at"],
            hold_seconds=data["hold_minutes"] * 60,
            admission_seconds=(data["admission_minutes"] or DEFAULT_ADMISSION_MINUTES) * 60,
            limit_per_customer=data["limit_per_customer"],
            dealer_choice_allowed=data["dealer_choice_allowed"],
            pow_difficulty_bits=settings.FLASH_SALE_POW_DIFFICULTY_BITS,
        )

    def vin_list(self) -> list[str]:
        typed = [line.strip() for line in self.cleaned_data["vins"].splitlines() if line.strip()]
        return list(dict.fromkeys([*self.cleaned_data["vehicles"], *typed]))


def _int_or_none(raw: Any) -> int | None:
    try:
        return int(raw) if raw not in (None, "") else None
    except (TypeError, ValueError):
        return None

"""Head-office form to set up a flash sale from exact stock vehicles (one VIN per line)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from autovitrine.catalog.selectors import brands_by_name
from autovitrine.core.money import parse_eur_to_cents

from .services import RESERVED_SLUGS, SaleData


class EuroField(forms.CharField):
    """An amount typed the French way (``24 990``, ``990,50 €``), cleaned to integer cents."""

    def clean(self, value: str) -> int:  # type: ignore[override]
        text = super().clean(value)
        try:
            cents = parse_eur_to_cents(text)
        except ValueError as exc:
            raise forms.ValidationError(
                _("Montant invalide : écrivez par exemple 24 990 ou 990,50."), code="amount"
            ) from exc
        if cents <= 0:
            raise forms.ValidationError(_("Le montant doit être positif."), code="amount")
        return cents


class SaleForm(forms.Form):
    brand = forms.ModelChoiceField(label=_("Marque"), queryset=brands_by_name())
    title = forms.CharField(label=_("Titre"), max_length=120)
    slug = forms.SlugField(
        label=_("Adresse de la page"),
        max_length=80,
        help_text=_("Lettres minuscules, chiffres et tirets, par exemple terra-juin."),
    )
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    price = EuroField(label=_("Prix TTC (€)"))
    deposit = EuroField(label=_("Acompte TTC (€)"))
    opens_at = forms.DateTimeField(
        label=_("Ouverture"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    hold_minutes = forms.IntegerField(
        label=_("Durée de réservation (minutes)"), min_value=1, max_value=60, initial=10
    )
    limit_per_customer = forms.IntegerField(
        label=_("Voitures par client"), min_value=1, max_value=5, initial=1
    )
    dealer_choice_allowed = forms.BooleanField(
        label=_("Le client choisit la concession de livraison"), required=False
    )
    pow_difficulty_bits = forms.IntegerField(
        label=_("Difficulté anti-robot (bits)"),
        min_value=0,
        max_value=24,
        initial=16,
        help_text=_("16 demande environ une seconde de calcul à un téléphone."),
    )
    vins = forms.CharField(
        label=_("VIN des véhicules (un par ligne)"),
        widget=forms.Textarea(attrs={"rows": 8, "autocomplete": "off", "spellcheck": "false"}),
    )

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
            limit_per_customer=data["limit_per_customer"],
            dealer_choice_allowed=data["dealer_choice_allowed"],
            pow_difficulty_bits=data["pow_difficulty_bits"],
        )

    def vin_list(self) -> list[str]:
        return [line for line in self.cleaned_data["vins"].splitlines() if line.strip()]

"""Forms of the purchase pages: checkout identity and dealer, dealer actions, financing."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from autovitrine.core import forms as core_forms
from autovitrine.core.money import format_eur
from autovitrine.dealers.selectors import DealerChoice

from .models import Order
from .services import TRADE_IN_RESALE_MAX_CENTS, BuyerIdentity, identity_validate


class CheckoutForm(forms.Form):
    first_name = forms.CharField(
        label=_("Prénom"),
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Nom"), max_length=80, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    email = forms.CharField(
        label=_("E-mail"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = forms.CharField(
        label=_("Téléphone"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel", "inputmode": "tel"}),
    )
    street = forms.CharField(
        label=_("Adresse"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    postcode = forms.CharField(
        label=_("Code postal"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    city = forms.CharField(
        label=_("Ville"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    dealer = core_forms.IntegerField(
        label=_("Concession de livraison"),
        help_text=_("La plus proche de chez vous en premier ; celle du véhicule par défaut."),
        min_value=1,
        max_value=core_forms.MAX_ROW_ID,
        widget=forms.Select,
    )
    trade_in = forms.TypedChoiceField(
        label=_("Reprise de votre véhicule"),
        coerce=int,
        empty_value=None,
        required=False,
    )
    accept = forms.BooleanField(
        label=_("J'ai pris connaissance du récapitulatif et des conditions de vente."),
        error_messages={"required": _("Cochez cette case pour commander.")},
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(
        self,
        *args: Any,
        dealer_choices: list[DealerChoice],
        trade_in_choices: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["dealer"].widget.choices = [
            (choice.dealer.pk, choice.label) for choice in dealer_choices
        ]
        cast(forms.ChoiceField, self.fields["trade_in"]).choices = [
            ("", _("Pas de reprise")),
            *trade_in_choices,
        ]
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    def clean(self) -> dict[str, Any]:
        """Identity rules are the service's; run them here too so every error shows at once."""
        super().clean()
        cleaned = self.cleaned_data
        names = BuyerIdentity.__slots__
        if all(name in cleaned for name in names):
            try:
                normalized = identity_validate(BuyerIdentity(**{n: cleaned[n] for n in names}))
            except forms.ValidationError as exc:
                for field, errors in exc.error_dict.items():
                    self.add_error(field, errors)
            else:
                cleaned.update({n: getattr(normalized, n) for n in names})
        return cleaned

    def identity(self) -> BuyerIdentity:
        return BuyerIdentity(**{n: self.cleaned_data[n] for n in BuyerIdentity.__slots__})


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus (communiqué à l'acheteur)"),
        max_length=250,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TradeInOfferForm(forms.Form):
    amount = core_forms.EuroField(label=_("Offre de reprise (€)"), required=False)
    note = forms.CharField(
        label=_("Motif, si l'offre diffère de l'estimation"),
        max_length=250,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, estimate_cents: int = 0, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if estimate_cents:
            self.initial.setdefault("amount", format_eur(estimate_cents).replace("\u00a0€", ""))


class DeliverForm(forms.Form):
    trade_in_vin = forms.CharField(
        label=_("VIN du véhicule repris (case E de la carte grise)"), max_length=20, required=False
    )
    trade_in_price = core_forms.EuroField(
        label=_("Prix de revente proposé (€)"),
        required=False,
        max_cents=TRADE_IN_RESALE_MAX_CENTS,
    )
    # L221-24: a refund after a withdrawal goes back by the means the balance was paid with.
    balance_means = forms.ChoiceField(
        label=_("Moyen de paiement du solde"),
        choices=[
            (value, label)
            for value, label in Order.PaymentMeans.choices
            if value != Order.PaymentMeans.CARD
        ],
        initial=Order.PaymentMeans.TRANSFER,
        required=False,
    )


class ReturnForm(forms.Form):
    """The dealer records a withdrawn car's return (L221-23: reduced value with its reason)."""

    mileage_km = core_forms.IntegerField(
        label=_("Kilométrage au retour (km)"), min_value=0, max_value=core_forms.MAX_MILEAGE_KM
    )
    condition = forms.CharField(label=_("État du véhicule au retour"), max_length=500)
    reduced_value = core_forms.EuroField(
        label=_("Dépréciation retenue (€), pour manipulations au-delà de l'essai nécessaire"),
        required=False,
    )
    reduced_value_reason = forms.CharField(
        label=_("Motif de la dépréciation"), max_length=300, required=False
    )


class FinancingForm(forms.Form):
    KINDS = [("loan", _("Crédit classique")), ("lease", _("Location avec option d'achat (LOA)"))]

    kind = forms.ChoiceField(label=_("Formule"), choices=KINDS, initial="loan")
    price = core_forms.EuroField(label=_("Prix du véhicule (€)"))
    down_payment = core_forms.EuroField(label=_("Apport ou premier loyer (€)"), required=False)
    months = core_forms.IntegerField(
        label=_("Durée (mois)"), min_value=1, max_value=120, initial=48
    )
    rate = core_forms.DecimalField(
        label=_("Taux débiteur annuel fixe (%)"),
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=2,
        initial=Decimal("4.90"),
        localize=True,
    )
    option_price = core_forms.EuroField(label=_("Option d'achat finale, LOA (€)"), required=False)
    fees = core_forms.EuroField(label=_("Frais de dossier (€)"), required=False)
    insurance = core_forms.EuroField(
        label=_("Assurance emprunteur (€ par mois)"),
        required=False,
        help_text=_("Comptée dans le TAEG si le prêteur l'exige."),
    )
    insurance_required = forms.BooleanField(
        label=_("Assurance exigée par le prêteur"), required=False
    )
    # Where the simulator was opened from (kept through the htmx requests).
    vehicule = core_forms.IntegerField(
        required=False, min_value=1, max_value=core_forms.MAX_ROW_ID, widget=forms.HiddenInput
    )
    configuration = forms.CharField(required=False, max_length=16, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        # Each field names the paragraph where its error appears (swapped in place by htmx).
        for name, field in self.fields.items():
            if not field.widget.is_hidden:
                described = f"error-{name}"
                if field.help_text:
                    described += f" id_{name}_helptext"
                field.widget.attrs["aria-describedby"] = described

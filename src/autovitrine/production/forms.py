"""Forms of the handover: the buyer's documents, the dealer's capacity and the handover itself."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from autovitrine.core import forms as core_forms
from autovitrine.orders.services import TRADE_IN_RESALE_MAX_CENTS

from .models import HalfDay, HandoverDocument

WEEKDAYS = (
    _("Lundi"),
    _("Mardi"),
    _("Mercredi"),
    _("Jeudi"),
    _("Vendredi"),
    _("Samedi"),
    _("Dimanche"),
)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=HandoverDocument.Kind.choices)
    file = forms.FileField(
        label=_("Fichier (PDF, JPEG ou PNG, 5 Mo au plus)"),
        widget=forms.FileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )

    def __init__(self, *args: Any, kinds: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kinds is not None:
            field = self.fields["kind"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [c for c in HandoverDocument.Kind.choices if c[0] in kinds]


class CapacityForm(forms.Form):
    """Bays and staff for each half-day of the week; 0 means no handover then."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for weekday, day_name in enumerate(WEEKDAYS):
            for half_day, half_label in HalfDay.choices:
                for what, label in (("bays", _("espaces")), ("staff", _("personnes"))):
                    self.fields[f"{what}_{weekday}_{half_day}"] = core_forms.IntegerField(
                        label=f"{day_name} {half_label} : {label}",
                        min_value=0,
                        max_value=50,
                        required=False,
                        initial=0,
                    )

    def grid(self) -> list[dict[str, Any]]:
        """One row per half-day with its two bound fields, for the template."""
        return [
            {
                "day": day_name,
                "half": half_label,
                "bays": self[f"bays_{weekday}_{half_day}"],
                "staff": self[f"staff_{weekday}_{half_day}"],
            }
            for weekday, day_name in enumerate(WEEKDAYS)
            for half_day, half_label in HalfDay.choices
        ]

    def rows(self) -> list[tuple[int, str, int, int]]:
        data = self.cleaned_data
        return [
            (
                weekday,
                half_day,
                data.get(f"bays_{weekday}_{half_day}") or 0,
                data.get(f"staff_{weekday}_{half_day}") or 0,
            )
            for weekday in range(7)
            for half_day in HalfDay.values
        ]


class CompleteForm(forms.Form):
    MEANS = (
        ("transfer", _("Virement reçu")),
        ("bank_cheque", _("Chèque de banque reçu")),
        ("loan", _("Financement accepté (versement de l'organisme de crédit)")),
    )
    trade_in_vin = forms.CharField(label=_("VIN de la reprise"), max_length=17, required=False)
    trade_in_price = core_forms.IntegerField(
        label=_("Prix de revente de la reprise (centimes TTC)"),
        min_value=0,
        max_value=TRADE_IN_RESALE_MAX_CENTS,
        required=False,
    )

"""The dealer locator form: a French city or postcode, or the browser's position, and services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from autovitrine.core.forms import NearPlaceFormMixin

SERVICE_CHOICES = [
    ("new", _("Véhicules neufs")),
    ("used", _("Occasions")),
    ("workshop", _("Atelier")),
]
POSITION_UNREADABLE = _(
    "Votre position n'a pas pu être lue : indiquez une ville ou un code postal."
)


def _position_field(limit: int) -> forms.FloatField:
    return forms.FloatField(
        required=False,
        min_value=-limit,
        max_value=limit,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": POSITION_UNREADABLE,
            "min_value": POSITION_UNREADABLE,
            "max_value": POSITION_UNREADABLE,
        },
    )


class DealerLocatorForm(NearPlaceFormMixin, forms.Form):
    place = forms.CharField(
        label=_("Ville ou code postal"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "address-level2",
                "placeholder": _("Ex. Lyon ou 69007"),
                "enterkeyhint": "search",
            }
        ),
        error_messages={"max_length": _("Le lieu est trop long (100 caractères au plus).")},
    )
    # Filled by the « Autour de moi » button from the browser's position.
    lat = _position_field(90)
    lng = _position_field(180)
    services = forms.MultipleChoiceField(
        label=_("Services recherchés"),
        required=False,
        choices=SERVICE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choisissez des services dans la liste.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        position_errors = self.has_error("lat") or self.has_error("lng")
        if not position_errors and (data.get("lat") is None) != (data.get("lng") is None):
            self.add_error("lat", POSITION_UNREADABLE)
        return data

    def error_summary(self) -> list[tuple[str, str]]:
        """(id of the field to jump to, or "" for the hidden position, message), each message once."""
        summary: dict[str, str] = {}
        for name, errors in self.errors.items():
            field_id = (
                self[name].auto_id if name in self.fields and not self[name].is_hidden else ""
            )
            for error in errors:
                summary.setdefault(str(error), field_id)
        return [(field_id, message) for message, field_id in summary.items()]

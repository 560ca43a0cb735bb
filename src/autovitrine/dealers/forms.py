"""The dealer locator form: a French city or postcode, or the browser's position, and services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from autovitrine.core.forms import NearPlaceForm

SERVICE_CHOICES = [
    ("new", _("Véhicules neufs")),
    ("used", _("Occasions")),
    ("workshop", _("Atelier")),
]


class DealerLocatorForm(NearPlaceForm):
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

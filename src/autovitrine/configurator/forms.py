"""Forms of the configurator pages: send a saved configuration to a dealer, upload product data."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from autovitrine.dealers.selectors import DealerChoice
from autovitrine.leads.forms import LeadForm

from .engine import MAX_BYTES
from .engine.fileformat import megabytes


class ConfigurationLeadForm(LeadForm):
    """The lead form, with the dealer chosen in a list (nearest to the postcode first)."""

    postcode = forms.CharField(
        label=_("Votre code postal"),
        required=False,
        max_length=10,
        help_text=_("Pour voir les concessions les plus proches en premier."),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    dealer = forms.ChoiceField(  # type: ignore[assignment]
        label=_("Concession"),
        error_messages={
            "required": _("Choisissez une concession."),
            "invalid_choice": _("Choisissez une concession dans la liste."),
        },
    )

    def __init__(self, *args: Any, dealer_choices: list[DealerChoice], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["dealer"].choices = [  # type: ignore[attr-defined]
            (choice.dealer.code, choice.label) for choice in dealer_choices
        ]
        self.fields["message"].label = _("Votre message (facultatif)")


class ProductDataUploadForm(forms.Form):
    """A rule base file for the admin's import; the size is checked before it is read."""

    file = forms.FileField(
        label=_("Fichier de données produit (JSON)"),
        help_text=_("Format documenté dans docs/configurator.md ; 16 Mo au plus."),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("Le fichier fait %(size)s : %(limit)s au plus.")
                % {"size": megabytes(upload.size), "limit": megabytes(MAX_BYTES)},
                code="too_large",
            )
        return upload.read()

"""Form pieces shared by the searches near a place (dealer locator, stock search)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .places import Place, resolve_place


class NearPlaceFormMixin:
    """For a form with a ``place`` field (a French city or postcode, resolved offline) and hidden
    ``lat``/``lng`` fields (the browser's position)."""

    cleaned_data: dict[str, Any]
    resolved_place: Place | None = None

    def clean_place(self) -> str:
        text = " ".join(self.cleaned_data["place"].split())
        if text:
            self.resolved_place = resolve_place(text)
            if self.resolved_place is None:
                raise forms.ValidationError(
                    _(
                        "Nous ne trouvons pas « %(place)s » : indiquez une ville ou un code postal "
                        "français."
                    ),
                    code="unknown_place",
                    params={"place": text},
                )
        return text

    def position(self) -> tuple[float, float] | None:
        lat, lng = self.cleaned_data.get("lat"), self.cleaned_data.get("lng")
        return (lat, lng) if lat is not None and lng is not None else None

    def origin(self) -> tuple[float, float] | None:
        """Where distances are measured from: the place typed, else the browser's position."""
        if self.resolved_place is not None:
            return self.resolved_place.latitude, self.resolved_place.longitude
        return self.position()

    def origin_label(self) -> str:
        if self.resolved_place is not None:
            return self.resolved_place.label
        return str(_("votre position")) if self.origin() else ""


SINGLE_LINE_PATTERN = r"^[^\r\n]*$"


def validate_single_line(value: str) -> None:
    """A name or a subject is one line: a line break there could add an e-mail header."""
    if "\r" in value or "\n" in value:
        raise forms.ValidationError(_("Pas de retour à la ligne dans ce champ."), code="line_break")

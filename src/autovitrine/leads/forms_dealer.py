"""Forms of the dealer's lead pages: the status filter and the status/note update."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Lead


class LeadFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Statut"),
        required=False,
        choices=[("", _("Toutes"))] + list(Lead.Status.choices),
    )


class LeadStatusForm(forms.Form):
    """Offers only the moves allowed from the lead's status, but accepts any known status so a
    stale page reaches ``lead_set_status`` and gets its message rather than a generic one."""

    to_status = forms.ChoiceField(label=_("Statut"), choices=Lead.Status.choices)
    note = forms.CharField(
        label=_("Note interne"),
        required=False,
        max_length=2000,
        help_text=_("Visible seulement par la concession."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, lead: Lead, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("initial", {"to_status": lead.status})
        super().__init__(*args, **kwargs)
        self.lead = lead
        allowed = Lead.TRANSITIONS.targets(lead.status)
        current_label = _("Inchangé (%(status)s)") % {"status": lead.get_status_display()}
        widget = self.fields["to_status"].widget
        widget.choices = [(lead.status, current_label)] + [
            (value, label) for value, label in Lead.Status.choices if value in allowed
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("to_status") == self.lead.status and not cleaned.get("note", "").strip():
            raise forms.ValidationError(
                _("Choisissez un nouveau statut ou écrivez une note."), code="nothing_to_do"
            )
        return cleaned


class LeadReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Votre réponse au client"),
        max_length=2000,
        help_text=_("Envoyée par e-mail au client et gardée dans l'historique."),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Écrivez votre réponse.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("prefix", "reply")
        super().__init__(*args, **kwargs)


class LeadSlotForm(forms.Form):
    slot = forms.DateTimeField(
        label=_("Nouveau créneau (heure de Paris)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "required": _("Choisissez la date et l'heure de l'essai."),
            "invalid": _("Saisissez une date et une heure valides."),
        },
    )
    text = forms.CharField(
        label=_("Message (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("prefix", "slot")
        super().__init__(*args, **kwargs)


class LeadCloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Issue"),
        choices=[("won", _("Gagnée (vente conclue)")), ("lost", _("Perdue"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez gagnée ou perdue.")},
    )
    reason = forms.CharField(
        label=_("Motif"),
        required=False,
        max_length=300,
        help_text=_("Obligatoire pour une demande perdue (prix, délai, autre marque…)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("prefix", "close")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("outcome") == "lost" and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Indiquez pourquoi la demande est perdue."))
        return cleaned

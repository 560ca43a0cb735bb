"""Forms of the community pages: they parse; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from autovitrine.core import forms as core_forms

from .models import Category, Collaborator, Idea, Report
from .services import STATUS_CHOICES_BY_HEAD_OFFICE


class ProfileForm(forms.Form):
    public_name = forms.CharField(
        label=_("Nom public"),
        max_length=30,
        help_text=_("Affiché avec vos idées ; votre e-mail n'est jamais montré."),
    )
    bio = forms.CharField(
        label=_("Présentation"),
        max_length=280,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    avatar = forms.ImageField(label=_("Avatar"), required=False)
    digest = forms.ChoiceField(label=_("Résumé par e-mail"), choices=Collaborator.Digest.choices)


class JoinForm(forms.Form):
    accept_terms = forms.BooleanField(label=_("J'accepte le règlement de la campagne"))
    accept_licence = forms.BooleanField(label=_("J'accepte la licence de mes contributions"))


class IdeaForm(forms.Form):
    title = forms.CharField(label=_("Titre"), min_length=5, max_length=140)
    body = forms.CharField(
        label=_("Votre idée"),
        min_length=10,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown accepté : **gras**, *italique*, listes, liens."),
    )
    category = forms.ChoiceField(label=_("Catégorie"), choices=Category.choices)
    tags = forms.CharField(
        label=_("Étiquettes"),
        required=False,
        max_length=200,
        help_text=_("Séparées par des virgules, cinq au plus."),
    )
    images = forms.FileField(label=_("Image"), required=False)

    def __init__(self, *args, campaign=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if campaign is not None and campaign.categories:
            self.fields["category"].choices = [
                (c, label) for c, label in Category.choices if c in campaign.categories
            ]

    def tag_list(self) -> list[str]:
        return [t for t in self.cleaned_data.get("tags", "").split(",") if t.strip()]


class IdeaEditForm(forms.Form):
    title = forms.CharField(label=_("Titre"), min_length=5, max_length=140)
    body = forms.CharField(
        label=_("Votre idée"),
        min_length=10,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    note = forms.CharField(label=_("Note publique (modération)"), required=False, max_length=280)


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Votre commentaire"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    parent = core_forms.IntegerField(
        required=False, min_value=1, max_value=core_forms.MAX_ROW_ID, widget=forms.HiddenInput
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Statut officiel"),
        choices=[(s.value, s.label) for s in STATUS_CHOICES_BY_HEAD_OFFICE],
    )
    answer = forms.CharField(
        label=_("Réponse publique"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class MergeForm(forms.Form):
    target = core_forms.IntegerField(
        label=_("Numéro de l'idée qui reste"), min_value=1, max_value=core_forms.MAX_ROW_ID
    )


class LinkForm(forms.Form):
    model_code = forms.CharField(label=_("Code du modèle"), max_length=40)
    family = forms.CharField(label=_("Famille (configurateur)"), max_length=80)
    value = forms.CharField(label=_("Valeur"), max_length=120)


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label=_("Raison"), choices=Report.Reason.choices)
    detail = forms.CharField(label=_("Précisions"), required=False, max_length=500)


class HideForm(forms.Form):
    note = forms.CharField(label=_("Raison (publique)"), max_length=280)


SORT_CHOICES = [
    ("trending", _("Tendance")),
    ("new", _("Nouvelles")),
    ("top", _("Les plus votées")),
    ("discussed", _("Les plus discutées")),
]


class ListFilterForm(forms.Form):
    sort = forms.ChoiceField(label=_("Trier"), choices=SORT_CHOICES, required=False)
    category = forms.ChoiceField(
        label=_("Catégorie"), choices=[("", _("Toutes"))] + Category.choices, required=False
    )
    status = forms.ChoiceField(
        label=_("Statut"),
        choices=[("", _("Tous"))]
        + [
            (s.value, s.label)
            for s in Idea.Status
            if s not in (Idea.Status.PENDING, Idea.Status.MERGED)
        ],
        required=False,
    )
    owners = forms.BooleanField(label=_("Votées par des propriétaires"), required=False)

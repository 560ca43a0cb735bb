"""Head-office admin for the community: campaigns are edited here; ideas, votes and the
moderation log are written by the services (read-only here, acted on from the idea page)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from autovitrine.core.admin_access import HeadOfficeAdmin

from .models import Campaign, Category, Collaborator, Idea, ModerationAction

RESERVED_SLUGS = {
    "profil", "membres", "notifications", "moderation", "desabonnement", "idees", "commentaires",
}  # fmt: skip


class CampaignForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        label=_("catégories"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Campaign
        fields = (  # noqa: RUF012
            "slug", "title", "theme", "car_model", "categories", "rules", "terms_version",
            "licence", "licence_version", "image", "ideas_open_at", "votes_open_at",
            "results_at", "closed_at", "pre_moderation",
        )  # fmt: skip

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(_("Cette adresse est réservée."))
        return slug


@admin.register(Campaign)
class CampaignAdmin(HeadOfficeAdmin):
    form = CampaignForm
    list_display = ("title", "slug", "car_model", "ideas_open_at", "votes_open_at", "closed_at")
    prepopulated_fields = {"slug": ("title",)}  # noqa: RUF012


class ReadOnly(HeadOfficeAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Idea)
class IdeaAdmin(ReadOnly):
    list_display = (
        "title",
        "campaign",
        "status",
        "vote_count",
        "owner_vote_count",
        "comment_count",
    )
    list_filter = ("campaign", "status", "category")
    search_fields = ("title",)
    list_select_related = ("campaign",)


@admin.register(Collaborator)
class CollaboratorAdmin(ReadOnly):
    list_display = ("public_name", "created_at", "banned_until", "banned_forever")
    search_fields = ("public_name",)


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnly):
    list_display = ("created_at", "actor", "action", "idea", "note")
    list_select_related = ("actor", "idea")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

"""Head-office admin for the dealer network: dealers, their opening hours and their staff."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from autovitrine.accounts.admin import HeadOfficeAdmin, HeadOfficeTabularInline
from autovitrine.accounts.models import User

from .models import Dealer, DealerStaff, OpeningPeriod


class OpeningPeriodInline(HeadOfficeTabularInline):
    model = OpeningPeriod
    fields = ("weekday", "opens_at", "closes_at")
    extra = 0


class StaffFormSet(BaseInlineFormSet):
    """Only « personnel concession » accounts work at a dealer."""

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            user = (form.cleaned_data or {}).get("user")
            kept = user is not None and not form.cleaned_data.get("DELETE")
            if kept and user.kind != User.Kind.DEALER:
                form.add_error(
                    "user",
                    ValidationError(
                        gettext("« %(email)s » n'est pas un compte « Personnel concession ».")
                        % {"email": user.email},
                        code="not_dealer_staff",
                    ),
                )


class StaffInline(HeadOfficeTabularInline):
    model = DealerStaff
    formset = StaffFormSet
    fields = ("user", "role")
    autocomplete_fields = ("user",)
    extra = 0


@admin.register(Dealer)
class DealerAdmin(HeadOfficeAdmin):
    list_display = (
        "name",
        "kind",
        "city",
        "postcode",
        "phone",
        "sells_new",
        "sells_used",
        "has_workshop",
        "is_active",
    )
    list_filter = ("kind", "is_active", "brand", "sells_new", "sells_used", "has_workshop")
    list_select_related = ("brand",)
    search_fields = ("name", "code", "city", "postcode")
    autocomplete_fields = ("brand",)
    prepopulated_fields = {"code": ("name",)}
    fieldsets = (
        (None, {"fields": ("brand", "name", "code", "kind", "is_active")}),
        (_("Adresse"), {"fields": ("street", ("postcode", "city"), ("latitude", "longitude"))}),
        (_("Contact"), {"fields": ("phone", "email")}),
        (_("Services"), {"fields": ("sells_new", "sells_used", "has_workshop")}),
    )
    inlines = (OpeningPeriodInline, StaffInline)

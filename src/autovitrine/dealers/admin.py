"""Head-office admin for the dealer network: dealers, their opening hours and their staff."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from autovitrine.accounts.selectors import is_dealer_account
from autovitrine.core.admin_access import HeadOfficeAdmin, HeadOfficeTabularInline

from .models import Dealer, DealerStaff, OpeningPeriod, StaffEmailFailure


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
            if user is None or form.cleaned_data.get("DELETE"):
                continue
            if not is_dealer_account(user):
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


class DealerAttachmentFormSet(BaseInlineFormSet):
    """A « personnel concession » account belongs to exactly one dealer; other accounts to none."""

    def clean(self) -> None:
        super().clean()
        attached = any(
            form.cleaned_data and not form.cleaned_data.get("DELETE") for form in self.forms
        )
        is_dealer_kind = is_dealer_account(self.instance)
        if is_dealer_kind and not attached:
            raise ValidationError(
                gettext("Rattachez ce membre du personnel à sa concession."),
                code="dealer_required",
            )
        if attached and not is_dealer_kind:
            raise ValidationError(
                gettext(
                    "Seul un compte « Personnel concession » peut être rattaché à une concession."
                ),
                code="dealer_forbidden",
            )


class DealerAttachmentInline(HeadOfficeTabularInline):
    model = DealerStaff
    formset = DealerAttachmentFormSet
    fields = ("dealer", "role")
    autocomplete_fields = ("dealer",)
    extra = 1
    max_num = 1
    verbose_name = _("concession de rattachement")
    verbose_name_plural = _("concession de rattachement (personnel concession uniquement)")


# The account page of a dealer's staff member shows the dealer it is attached to: the dealers app
# adds that inline to the accounts app's user admin (registered first, see INSTALLED_APPS) rather
# than the accounts app knowing about dealers.
_user_admin = admin.site.get_model_admin(get_user_model())
type(_user_admin).inlines = (*_user_admin.inlines, DealerAttachmentInline)


@admin.register(StaffEmailFailure)
class StaffEmailFailureAdmin(HeadOfficeAdmin):
    """Messages to dealers' staff the mail server refused: head office calls the dealer."""

    list_display = ("created_at", "dealer", "subject", "recipients", "error")
    list_filter = ("dealer",)
    readonly_fields = ("dealer", "recipients", "subject", "error", "created_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # written by the e-mail task only

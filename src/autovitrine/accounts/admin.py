"""Head-office admin for accounts, and the access rule every admin page of the project follows.

The Django admin is the head office's back office: only active staff who are head office (or
superusers) may use it, whatever model permissions they hold. Dealer staff run their day in the
dealer space, never here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from autovitrine.dealers.models import DealerStaff

from .models import User


def is_head_office_request(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and getattr(user, "is_head_office", False))


class HeadOfficeAccess:
    """Admin permissions for head office only (model permissions are not used)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_head_office_request(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_head_office_request(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_head_office_request(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_head_office_request(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_head_office_request(request)


class HeadOfficeAdmin(HeadOfficeAccess, admin.ModelAdmin):
    pass


class HeadOfficeTabularInline(HeadOfficeAccess, admin.TabularInline):
    pass


class ReadOnlyTabularInline(HeadOfficeTabularInline):
    """History rows (status events): shown, never typed in by hand."""

    extra = 0
    can_delete = False
    template = "admin/autovitrine/readonly_tabular.html"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "kind", "first_name", "last_name")

    def clean_email(self) -> str:
        return User.objects.normalize_email(self.cleaned_data["email"].strip()).lower()


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        return User.objects.normalize_email(self.cleaned_data["email"].strip()).lower()


class DealerAttachmentFormSet(BaseInlineFormSet):
    """A « personnel concession » account belongs to exactly one dealer; other accounts to none."""

    def clean(self) -> None:
        super().clean()
        attached = any(
            form.cleaned_data and not form.cleaned_data.get("DELETE") for form in self.forms
        )
        is_dealer_kind = self.instance.kind == User.Kind.DEALER
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


@admin.register(User)
class UserAdmin(HeadOfficeAccess, DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    inlines = (DealerAttachmentInline,)
    list_display = ("email", "first_name", "last_name", "kind", "dealer", "is_staff", "is_active")
    list_filter = ("kind", "is_staff", "is_active")
    list_select_related = ("dealer_staff__dealer",)
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)
    show_full_result_count = False
    readonly_fields = ("last_login", "date_joined")
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "kind",
                    "first_name",
                    "last_name",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return self.add_fieldsets
        fieldsets: list[tuple[Any, dict[str, Any]]] = [
            (None, {"fields": ("email", "password")}),
            (_("Identité"), {"fields": ("first_name", "last_name", "phone")}),
            (_("Accès"), {"fields": ("kind", "is_active", "is_staff")}),
            (_("Dates"), {"fields": ("last_login", "date_joined")}),
        ]
        if request.user.is_superuser:
            # Only a superuser hands out superuser rights or raw permissions.
            fieldsets.insert(
                3,
                (_("Droits avancés"), {"fields": ("is_superuser", "groups", "user_permissions")}),
            )
        return fieldsets

    @admin.display(description=_("concession"), ordering="dealer_staff__dealer__name")
    def dealer(self, user: User) -> str:
        staff = getattr(user, "dealer_staff", None)
        return staff.dealer.name if staff is not None else "—"

"""Head-office admin for accounts; the access rule every admin page follows is in
``core.admin_access``, the dealer attachment inline in ``dealers.admin``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from autovitrine.core.admin_access import HeadOfficeAccess, HeadOfficeAdmin

from .models import AccountEmailFailure, User


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


@admin.register(User)
class UserAdmin(HeadOfficeAccess, DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
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


@admin.register(AccountEmailFailure)
class AccountEmailFailureAdmin(HeadOfficeAdmin):
    """Account e-mails the mail server refused: head office sees a relay down or a bad address
    and can help the customer (an unactivated account cannot be told by e-mail)."""

    list_display = ("created_at", "address", "subject", "error", "shown_at")
    list_filter = ("shown_at",)
    search_fields = ("address",)
    readonly_fields = ("user", "address", "subject", "error", "created_at", "shown_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # written by the e-mail task only

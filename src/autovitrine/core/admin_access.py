"""The access rule every admin page of the project follows.

The Django admin is the head office's back office: only active staff who are head office (or
superusers) may use it, whatever model permissions they hold. Dealer staff run their day in the
dealer space, never here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from . import forms as ascii_forms

# Number columns are typed in the admin with the fields that read ASCII digits only, as on the
# site: ``int`` and ``Decimal`` would read full-width « ２０２０ » (issue 10).
_ASCII_NUMBER_FIELDS: tuple[tuple[type[models.Field[Any, Any]], type[Any]], ...] = (
    (models.IntegerField, ascii_forms.IntegerField),
    (models.DecimalField, ascii_forms.DecimalField),
    (models.FloatField, ascii_forms.FloatField),
)


def is_head_office_request(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and getattr(user, "is_head_office", False))


class HeadOfficeAccess:
    """Admin permissions for head office only (model permissions are not used); number fields
    read ASCII digits only."""

    def formfield_for_dbfield(
        self, db_field: models.Field[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        if not db_field.choices:
            for column, form_class in _ASCII_NUMBER_FIELDS:
                if isinstance(db_field, column):
                    kwargs.setdefault("form_class", form_class)
                    break
        return super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]

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

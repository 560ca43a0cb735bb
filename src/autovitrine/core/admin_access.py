"""The access rule every admin page of the project follows.

The Django admin is the head office's back office: only active staff who are head office (or
superusers) may use it, whatever model permissions they hold. Dealer staff run their day in the
dealer space, never here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest


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

"""Head-office admin for parts: the catalogue and compatibility are edited here; reservations
(written by services) are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from autovitrine.core.admin_access import HeadOfficeAdmin, HeadOfficeTabularInline

from .models import Compatibility, Part, Reservation


class CompatibilityInline(HeadOfficeTabularInline):
    model = Compatibility
    extra = 0


@admin.register(Part)
class PartAdmin(HeadOfficeAdmin):
    list_display = ("reference", "name", "kind", "is_accessory", "price_ht", "fitting_minutes")
    list_filter = ("is_accessory", "kind")
    search_fields = ("reference", "name")
    show_full_result_count = False
    inlines = (CompatibilityInline,)


@admin.register(Reservation)
class ReservationAdmin(HeadOfficeAdmin):
    list_display = ("number", "created_at", "status", "dealer", "part", "quantity", "expires_at")
    list_filter = ("status",)
    list_select_related = ("dealer", "part")
    search_fields = ("number",)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

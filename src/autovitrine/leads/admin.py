"""Head-office admin for leads: read-only (dealers answer them in their space); removal allowed."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from autovitrine.core.admin_access import HeadOfficeAdmin, ReadOnlyTabularInline

from .models import Lead, LeadEvent


class LeadEventInline(ReadOnlyTabularInline):
    model = LeadEvent
    fields = ("created_at", "from_status", "to_status", "by", "note")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[LeadEvent]:
        return super().get_queryset(request).select_related("by")


@admin.register(Lead)
class LeadAdmin(HeadOfficeAdmin):
    list_display = ("created_at", "kind", "status", "dealer", "name", "email", "phone", "source")
    list_filter = ("status", "kind", "source", "dealer")
    list_select_related = ("dealer",)
    search_fields = ("name", "email", "phone")
    show_full_result_count = False
    inlines = (LeadEventInline,)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

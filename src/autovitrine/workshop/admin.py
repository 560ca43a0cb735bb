"""Head-office admin for the workshop: operations, schedules and workshops' capacity are edited
here; bookings (written by services) are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from autovitrine.core.admin_access import (
    HeadOfficeAdmin,
    HeadOfficeTabularInline,
    ReadOnlyTabularInline,
)

from .models import (
    Bay,
    Booking,
    BookingEvent,
    BookingLine,
    Closure,
    LoanCar,
    Operation,
    OperationPart,
    ServiceSchedule,
    Technician,
    TechnicianHours,
    WorkshopSettings,
)


class OperationPartInline(HeadOfficeTabularInline):
    model = OperationPart
    extra = 0


@admin.register(Operation)
class OperationAdmin(HeadOfficeAdmin):
    list_display = ("code", "name", "kind", "labour_minutes", "skill", "bay_kind", "is_active")
    list_filter = ("kind", "skill", "bay_kind", "is_active")
    search_fields = ("code", "name")
    inlines = (OperationPartInline,)


@admin.register(ServiceSchedule)
class ServiceScheduleAdmin(HeadOfficeAdmin):
    list_display = ("car_model", "powertrain", "interval_km", "interval_months")


@admin.register(WorkshopSettings)
class WorkshopSettingsAdmin(HeadOfficeAdmin):
    list_display = ("dealer", "hourly_rate_ht", "labour_discount_pct", "cancel_deadline_hours")
    list_select_related = ("dealer",)


class TechnicianHoursInline(HeadOfficeTabularInline):
    model = TechnicianHours
    extra = 0


@admin.register(Technician)
class TechnicianAdmin(HeadOfficeAdmin):
    list_display = ("name", "dealer", "mechanics", "body", "high_voltage")
    list_filter = ("high_voltage",)
    list_select_related = ("dealer",)
    inlines = (TechnicianHoursInline,)


@admin.register(Bay)
class BayAdmin(HeadOfficeAdmin):
    list_display = ("name", "kind", "dealer")
    list_select_related = ("dealer",)


@admin.register(LoanCar)
class LoanCarAdmin(HeadOfficeAdmin):
    list_display = ("label", "plate", "dealer")
    list_select_related = ("dealer",)


@admin.register(Closure)
class ClosureAdmin(HeadOfficeAdmin):
    list_display = ("day", "dealer", "reason")


class BookingLineInline(ReadOnlyTabularInline):
    model = BookingLine
    fields = ("label", "quantity", "amount_ht", "is_extra")
    readonly_fields = fields


class BookingEventInline(ReadOnlyTabularInline):
    model = BookingEvent
    fields = ("created_at", "status", "note")
    readonly_fields = fields


@admin.register(Booking)
class BookingAdmin(HeadOfficeAdmin):
    list_display = ("number", "starts_at", "status", "dealer", "customer", "option")
    list_filter = ("status", "option", "is_walk_in")
    list_select_related = ("dealer", "customer")
    search_fields = ("number", "customer__email")
    show_full_result_count = False
    inlines = (BookingLineInline, BookingEventInline)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

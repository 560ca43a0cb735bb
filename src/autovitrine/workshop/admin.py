"""Head-office admin for the workshop: operations, schedules and workshops' capacity are edited
here; bookings (written by services) are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

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
    BookingPhoto,
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


class PhotoPreview:
    @admin.display(description=_("photo"))
    def preview(self, photo: BookingPhoto) -> SafeString:
        """The picture through the workshop's own view (private storage, never a public URL):
        head office is allowed there when it names the dealer."""
        url = reverse(
            "workshop:dealer_photo", kwargs={"number": photo.booking.number, "photo_id": photo.pk}
        )
        url = f"{url}?concession={photo.booking.dealer.code}"
        return format_html(
            '<a href="{}"><img src="{}" alt="{}" width="120" loading="lazy"></a>',
            url,
            url,
            photo.caption,
        )


class BookingPhotoInline(PhotoPreview, ReadOnlyTabularInline):
    model = BookingPhoto
    fields = ("preview", "caption", "by_owner", "created_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("booking__dealer")


@admin.register(BookingPhoto)
class BookingPhotoAdmin(PhotoPreview, HeadOfficeAdmin):
    list_display = ("preview", "booking", "caption", "by_owner", "created_at")
    list_filter = ("by_owner",)
    list_select_related = ("booking__dealer",)
    search_fields = ("booking__number",)
    show_full_result_count = False
    fields = ("preview", "booking", "caption", "by_owner", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Booking)
class BookingAdmin(HeadOfficeAdmin):
    list_display = ("number", "starts_at", "status", "dealer", "customer", "option")
    list_filter = ("status", "option", "is_walk_in")
    list_select_related = ("dealer", "customer")
    search_fields = ("number", "customer__email")
    show_full_result_count = False
    inlines = (BookingLineInline, BookingPhotoInline, BookingEventInline)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

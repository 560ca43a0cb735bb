"""Admin views of flash sales; every change goes through the services (status tables, events)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import services
from .models import FlashSale, Hold, Purchase, QueueEntry, SaleEvent, SaleUnit


class SaleUnitInline(admin.TabularInline):
    model = SaleUnit
    fields = ("stock_vehicle", "dealer", "status", "holder", "held_until", "sold_to")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FlashSale)
class FlashSaleAdmin(admin.ModelAdmin):
    list_display = ("title", "brand", "opens_at", "status")
    list_filter = ("status", "brand")
    search_fields = ("title", "slug")
    readonly_fields = ("status", "opened_at", "created_by")
    inlines = [SaleUnitInline]

    def has_add_permission(self, request) -> bool:
        # Sales are created from their exact VINs on the head-office page (reserves the stock).
        return False


@admin.register(QueueEntry)
class QueueEntryAdmin(admin.ModelAdmin):
    list_display = ("customer", "sale", "status", "pre_queue", "joined_at", "client_ip")
    list_filter = ("status", "pre_queue", "sale")
    search_fields = ("customer__email", "client_ip")
    readonly_fields = [f.name for f in QueueEntry._meta.fields]
    actions = ["remove_from_queue"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Retirer de la file (abus)"))
    def remove_from_queue(self, request, queryset) -> None:
        for entry in queryset:
            services.queue_entry_remove(
                sale_id=entry.sale_id, entry_id=entry.pk, by=request.user, reason="admin"
            )
        self.message_user(request, _("Comptes retirés de la file."), messages.SUCCESS)


@admin.register(Hold)
class HoldAdmin(admin.ModelAdmin):
    list_display = ("ref", "sale", "customer", "status", "expires_at")
    list_filter = ("status", "sale")
    readonly_fields = [f.name for f in Hold._meta.fields]


@admin.register(Purchase)
class PurchaseAdmin(admin.ModelAdmin):
    list_display = ("reference", "sale", "customer", "status", "amount_ttc", "settled_at")
    list_filter = ("status", "sale")
    search_fields = ("reference", "customer__email", "payment_ref")
    readonly_fields = [f.name for f in Purchase._meta.fields]


@admin.register(SaleEvent)
class SaleEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "sale", "subject", "subject_id", "from_status", "to_status")
    list_filter = ("subject", "sale")
    readonly_fields = [f.name for f in SaleEvent._meta.fields]

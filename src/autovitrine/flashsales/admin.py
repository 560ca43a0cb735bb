"""Admin views of flash sales for head office: read-only (every change goes through the
services and the head-office pages, which keep status tables and events); links to those pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from autovitrine.core.admin_access import HeadOfficeAdmin, ReadOnlyTabularInline
from autovitrine.core.money import format_eur

from . import services
from .models import FlashSale, Hold, Purchase, QueueEntry, SaleEvent, SaleUnit


class ReadOnlyAdmin(HeadOfficeAdmin):
    """Written only by the services: shown, never added, edited or removed here."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields] + list(self.readonly_fields)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SaleUnitInline(ReadOnlyTabularInline):
    model = SaleUnit
    fields = ("stock_vehicle", "dealer", "status", "holder", "held_until", "sold_to", "sold_at")
    readonly_fields = fields


class PurchaseInline(ReadOnlyTabularInline):
    model = Purchase
    fields = ("reference", "customer", "delivering_dealer", "amount_ttc", "status", "settled_at")
    readonly_fields = fields


@admin.register(FlashSale)
class FlashSaleAdmin(ReadOnlyAdmin):
    list_display = ("title", "brand", "opens_at", "status", "office_link")
    list_filter = ("status", "brand")
    search_fields = ("title", "slug")
    readonly_fields = ("office_link",)
    exclude = ("pow_difficulty_bits",)
    inlines = (SaleUnitInline, PurchaseInline)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in FlashSale._meta.fields if f.name != "pow_difficulty_bits"] + [
            "office_link"
        ]

    @admin.display(description=_("page du siège"))
    def office_link(self, obj: FlashSale) -> str:
        url = reverse("flashsales:office_sale", kwargs={"slug": obj.slug})
        return format_html('<a href="{}">{}</a>', url, _("Gérer la vente"))


@admin.register(QueueEntry)
class QueueEntryAdmin(ReadOnlyAdmin):
    list_display = ("customer", "sale", "status", "pre_queue", "joined_at", "client_ip")
    list_filter = ("status", "pre_queue", "sale")
    search_fields = ("customer__email", "client_ip")
    actions = ("remove_from_queue",)

    @admin.action(description=_("Retirer de la file (abus)"), permissions=["view"])
    def remove_from_queue(self, request: HttpRequest, queryset: Any) -> None:
        for entry in queryset:
            services.queue_entry_remove(
                sale_id=entry.sale_id, entry_id=entry.pk, by=request.user, reason="admin"
            )
        self.message_user(request, _("Comptes retirés de la file."), messages.SUCCESS)


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = ("ref", "sale", "customer", "status", "expires_at")
    list_filter = ("status", "sale")


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "sale",
        "customer",
        "delivering_dealer",
        "status",
        "amount_eur",
        "settled_at",
    )
    list_filter = ("status", "sale", "delivering_dealer")
    search_fields = ("reference", "customer__email", "payment_ref")
    readonly_fields = ("amount_eur",)

    @admin.display(description=_("acompte TTC"), ordering="amount_ttc")
    def amount_eur(self, obj: Purchase) -> str:
        return format_eur(obj.amount_ttc)


# The status table each kind of event is about, to name its statuses in French.
STATUSES_OF_SUBJECT: dict[str, Any] = {
    SaleEvent.Subject.SALE: FlashSale.Status,
    SaleEvent.Subject.UNIT: SaleUnit.Status,
    SaleEvent.Subject.HOLD: Hold.Status,
    SaleEvent.Subject.PURCHASE: Purchase.Status,
    SaleEvent.Subject.QUEUE: QueueEntry.Status,
}


def _status_label(event: SaleEvent, status: str) -> str:
    statuses = STATUSES_OF_SUBJECT.get(event.subject)
    if not status or statuses is None or status not in statuses.values:
        return status or "-"
    return str(statuses(status).label)


@admin.register(SaleEvent)
class SaleEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "sale", "subject", "subject_id", "from_label", "to_label")
    readonly_fields = ("from_label", "to_label")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        codes = ("from_status", "to_status")
        return [name for name in super().get_readonly_fields(request, obj) if name not in codes]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_readonly_fields(request, obj)

    @admin.display(description=_("statut avant"), ordering="from_status")
    def from_label(self, obj: SaleEvent) -> str:
        return _status_label(obj, obj.from_status)

    @admin.display(description=_("statut après"), ordering="to_status")
    def to_label(self, obj: SaleEvent) -> str:
        return _status_label(obj, obj.to_status)

    list_filter = ("subject", "sale")

"""Payments and refunds in the admin: read-only history for head office (only the payment
services and the provider's webhooks write them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from autovitrine.core.admin_access import HeadOfficeAdmin, ReadOnlyTabularInline
from autovitrine.core.money import format_eur

from .models import Payment, PaymentEvent

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class PaymentEventInline(ReadOnlyTabularInline):
    model = PaymentEvent
    fields = ("created_at", "kind", "from_status", "to_status", "provider_event_id", "detail")
    readonly_fields = fields


class RefundedFilter(admin.SimpleListFilter):
    title = _("remboursement")
    parameter_name = "rembourse"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, StrOrPromise]]:
        return [("oui", _("Remboursés")), ("non", _("Non remboursés"))]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() == "oui":
            return queryset.filter(status=Payment.Status.REFUNDED)
        if self.value() == "non":
            return queryset.exclude(status=Payment.Status.REFUNDED)
        return queryset


@admin.register(Payment)
class PaymentAdmin(HeadOfficeAdmin):
    list_display = (
        "reference",
        "created_at",
        "purpose",
        "amount_eur",
        "status",
        "provider",
        "refund_id",
        "order_link",
    )
    list_filter = (
        "status",
        RefundedFilter,
        "provider",
        "purpose",
        ("created_at", admin.DateFieldListFilter),
    )
    date_hierarchy = "created_at"
    search_fields = ("reference", "provider_id", "refund_id")
    show_full_result_count = False
    inlines = (PaymentEventInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Payment._meta.fields] + ["amount_eur", "order_link"]

    @admin.display(description=_("montant"), ordering="amount_cents")
    def amount_eur(self, obj: Payment) -> str:
        return format_eur(obj.amount_cents)

    @admin.display(description=_("commande ou achat"))
    def order_link(self, obj: Payment) -> str:
        # The reference is the order number (deposits) or the flash-sale purchase's reference.
        url = f"{reverse('admin:orders_order_changelist')}?{urlencode({'q': obj.reference})}"
        return format_html('<a href="{}">{}</a>', url, obj.reference)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

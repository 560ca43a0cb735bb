"""Orders in the admin: head office finds them (status, dealer, date) and reads them with their
timeline and deposit payment; every change goes through the services, so nothing is editable."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from autovitrine.core.admin_access import HeadOfficeAdmin, ReadOnlyTabularInline
from autovitrine.core.money import format_eur

from .models import Order, OrderEvent

if TYPE_CHECKING:
    from django.db.models import Field

MONEY_FIELDS = (
    "price_ht",
    "vat_cents",
    "price_ttc",
    "malus_cents",
    "registration_cents",
    "total_ttc",
    "deposit_cents",
    "trade_in_cents",
    "commission_cents",
)


class OrderEventInline(ReadOnlyTabularInline):
    model = OrderEvent
    fields = ("created_at", "from_status", "to_status", "by", "note")
    readonly_fields = fields


class StatusWithCounts(admin.ChoicesFieldListFilter):
    """The status filter with each status's count, the other filters applied, always shown:
    one aggregate query (Django's facet counts, for this filter only; the dealer and date
    filters keep theirs behind « Afficher les nombres »)."""

    def choices(self, changelist: Any) -> Any:
        counts = self.get_facet_queryset(changelist)
        statuses = list(enumerate(self.field.flatchoices))
        total = sum(counts[f"{i}__c"] for i, _choice in statuses)
        yield {
            "selected": self.lookup_val is None,
            "query_string": changelist.get_query_string(
                remove=[self.lookup_kwarg, self.lookup_kwarg_isnull]
            ),
            "display": f"{_('Toutes')} ({total})",
        }
        for i, (value, title) in statuses:
            yield {
                "selected": self.lookup_val is not None and str(value) in self.lookup_val,
                "query_string": changelist.get_query_string(
                    {self.lookup_kwarg: value}, [self.lookup_kwarg_isnull]
                ),
                "display": f"{title} ({counts[f'{i}__c']})",
            }


def _euros(field: str) -> Any:
    # MONEY_FIELDS name the order's own columns, never a reverse relation.
    column = cast("Field[Any, Any]", Order._meta.get_field(field))

    @admin.display(description=column.verbose_name, ordering=field)
    def shown(obj: Order) -> str:
        return format_eur(getattr(obj, field))

    shown.__name__ = f"{field}_eur"
    return shown


@admin.register(Order)
class OrderAdmin(HeadOfficeAdmin):
    list_display = (
        "number",
        "created_at",
        "status",
        "kind",
        "dealer",
        "vehicle_label",
        "buyer",
        "total_eur",
        "deposit_link",
    )
    list_filter = (
        ("status", StatusWithCounts),
        "kind",
        "dealer",
        ("created_at", admin.DateFieldListFilter),
    )
    date_hierarchy = "created_at"
    list_select_related = ("dealer", "deposit_payment")
    search_fields = ("number", "email", "last_name", "vehicle_label")
    show_full_result_count = False
    inlines = (OrderEventInline,)
    fieldsets = (
        (None, {"fields": ("number", "kind", "status", "dealer", "customer", "created_at")}),
        (_("Véhicule"), {"fields": ("vehicle_label", "stock_vehicle", "trade_in")}),
        (
            _("Acheteur"),
            {"fields": ("first_name", "last_name", "email", "phone", "street", "postcode", "city")},
        ),
        (
            _("Montants"),
            {"fields": (*(f"{name}_eur" for name in MONEY_FIELDS), "deposit_link")},
        ),
        (_("Dates"), {"fields": ("contract_at", "delivered_at", "cancel_reason")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return (
            [f.name for f in Order._meta.fields]
            + [f"{name}_eur" for name in MONEY_FIELDS]
            + ["deposit_link", "buyer"]
        )

    @admin.display(description=_("acheteur"), ordering="last_name")
    def buyer(self, obj: Order) -> str:
        return obj.buyer_name

    @admin.display(description=_("total TTC"), ordering="total_ttc")
    def total_eur(self, obj: Order) -> str:
        return format_eur(obj.total_ttc)

    @admin.display(description=_("paiement de l'acompte"))
    def deposit_link(self, obj: Order) -> str:
        payment = obj.deposit_payment
        if payment is None:
            return "—"
        url = reverse("admin:payments_payment_change", args=[payment.pk])
        return format_html(
            '<a href="{}">{} — {}</a>',
            url,
            format_eur(payment.amount_cents),
            payment.get_status_display(),
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


for _name in MONEY_FIELDS:
    setattr(OrderAdmin, f"{_name}_eur", staticmethod(_euros(_name)))

"""Head office tunes the trade-in valuation data here; trade-ins themselves are read-only history."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from autovitrine.core.admin_access import HeadOfficeAdmin, ReadOnlyTabularInline
from autovitrine.core.money import format_eur

from .models import ReferencePrice, TradeIn, TradeInEvent, ValuationRule


@admin.register(ValuationRule)
class ValuationRuleAdmin(HeadOfficeAdmin):
    list_display = ("name", "is_active", "yearly_depreciation_bp", "floor_cents", "updated_at")


@admin.register(ReferencePrice)
class ReferencePriceAdmin(HeadOfficeAdmin):
    """The new prices trade-in estimates start from (docs/tradein.md): one per segment at least,
    and any make, model or version head office wants estimated more precisely."""

    list_display = (
        "__str__",
        "segment",
        "make",
        "model_label",
        "version_label",
        "price_eur",
        "is_active",
        "updated_at",
    )
    list_filter = ("segment", "is_active")
    search_fields = ("make", "model_label", "version_label")

    @admin.display(description=_("prix neuf TTC"), ordering="new_price_cents")
    def price_eur(self, obj: ReferencePrice) -> str:
        return format_eur(obj.new_price_cents)


class TradeInEventInline(ReadOnlyTabularInline):
    model = TradeInEvent
    fields = ("created_at", "from_status", "to_status", "amount_cents", "by", "note")
    readonly_fields = fields


@admin.register(TradeIn)
class TradeInAdmin(HeadOfficeAdmin):
    list_display = (
        "__str__",
        "created_at",
        "customer",
        "dealer",
        "status",
        "estimate_eur",
        "offer_eur",
    )
    list_filter = (
        "status",
        "dealer",
        "energy",
        "segment",
        ("created_at", admin.DateFieldListFilter),
    )
    list_select_related = ("customer", "dealer")
    search_fields = ("make", "model_label", "plate", "vin", "customer__email")
    show_full_result_count = False
    inlines = (TradeInEventInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in TradeIn._meta.fields] + ["estimate_eur", "offer_eur"]

    @admin.display(description=_("estimation"), ordering="estimate_cents")
    def estimate_eur(self, obj: TradeIn) -> str:
        return format_eur(obj.estimate_cents)

    @admin.display(description=_("offre"), ordering="offer_cents")
    def offer_eur(self, obj: TradeIn) -> str:
        return format_eur(obj.offer_cents) if obj.offer_cents is not None else "—"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

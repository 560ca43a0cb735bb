"""Head office tunes the trade-in rule here; trade-ins themselves are read-only history."""

from django.contrib import admin

from .models import TradeIn, TradeInEvent, ValuationRule


@admin.register(ValuationRule)
class ValuationRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "yearly_depreciation_bp", "floor_cents", "updated_at"]


class TradeInEventInline(admin.TabularInline):
    model = TradeInEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "amount_cents", "by", "note", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(TradeIn)
class TradeInAdmin(admin.ModelAdmin):
    list_display = ["__str__", "customer", "dealer", "status", "estimate_cents", "offer_cents"]
    list_filter = ["status", "energy", "segment"]
    readonly_fields = [f.name for f in TradeIn._meta.fields]
    inlines = [TradeInEventInline]

"""Orders in the admin: head office reads them with their timeline; changes go through services."""

from django.contrib import admin

from .models import Order, OrderEvent


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "by", "note", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "kind",
        "status",
        "dealer",
        "vehicle_label",
        "total_ttc",
        "created_at",
    ]
    list_filter = ["status", "kind", "dealer"]
    search_fields = ["number", "email", "last_name", "vehicle_label"]
    readonly_fields = [f.name for f in Order._meta.fields]
    inlines = [OrderEventInline]

    def has_add_permission(self, request):
        return False

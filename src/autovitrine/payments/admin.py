"""Payments in the admin: read-only history for head office."""

from django.contrib import admin

from .models import Payment, PaymentEvent


class PaymentEventInline(admin.TabularInline):
    model = PaymentEvent
    extra = 0
    can_delete = False
    readonly_fields = [
        "kind",
        "from_status",
        "to_status",
        "provider_event_id",
        "detail",
        "created_at",
    ]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["reference", "provider", "amount_cents", "status", "created_at"]
    list_filter = ["status", "provider", "purpose"]
    search_fields = ["reference", "provider_id"]
    readonly_fields = [f.name for f in Payment._meta.fields]
    inlines = [PaymentEventInline]

    def has_add_permission(self, request):
        return False

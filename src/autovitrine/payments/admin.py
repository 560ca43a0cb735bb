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
from django.utils.translation import ngettext

from autovitrine.core.admin_access import HeadOfficeAdmin, ReadOnlyTabularInline
from autovitrine.core.money import format_eur

from .models import Payment, PaymentEvent
from .services import PURPOSE_LABELS, payment_mark_reviewed

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


class ToReviewFilter(admin.SimpleListFilter):
    """Money that arrived but that no sale could take, or a provider's unexpected word: head
    office checks each one (the refund, the buyer) and marks it checked."""

    title = _("paiements à vérifier")
    parameter_name = "a_verifier"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("oui", _("Paiements à vérifier")), ("verifies", _("Déjà vérifiés"))]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        flagged = queryset.exclude(review_reason="")
        if self.value() == "oui":
            return flagged.filter(reviewed_at__isnull=True)
        if self.value() == "verifies":
            return flagged.filter(reviewed_at__isnull=False)
        return queryset


class PurposeFilter(admin.SimpleListFilter):
    title = _("objet")
    parameter_name = "objet"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return sorted(PURPOSE_LABELS.items(), key=lambda item: str(item[1]))

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        return queryset.filter(purpose=self.value()) if self.value() else queryset


# Amounts are read in euros; the integer cents stay the services' business.
CENTS_FIELDS = ("amount_cents", "refunded_cents", "received_cents")


@admin.register(Payment)
class PaymentAdmin(HeadOfficeAdmin):
    list_display = (
        "reference",
        "created_at",
        "purpose_label",
        "amount_eur",
        "status",
        "review_reason",
        "provider",
        "refund_id",
        "order_link",
    )
    list_filter = (
        ToReviewFilter,
        "status",
        RefundedFilter,
        "provider",
        PurposeFilter,
        ("created_at", admin.DateFieldListFilter),
    )
    date_hierarchy = "created_at"
    search_fields = ("reference", "provider_id", "refund_id")
    show_full_result_count = False
    inlines = (PaymentEventInline,)
    actions = ("mark_reviewed",)

    @admin.action(description=_("Marquer comme vérifiés"))
    def mark_reviewed(self, request: HttpRequest, queryset: Any) -> None:
        done = payment_mark_reviewed(
            payment_ids=queryset.values_list("pk", flat=True), by=request.user
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d paiement marqué comme vérifié.",
                "%(count)d paiements marqués comme vérifiés.",
                done,
            )
            % {"count": done},
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        shown = ("purpose_label" if f.name == "purpose" else f.name for f in Payment._meta.fields)
        return [name for name in shown if name not in CENTS_FIELDS] + [
            "amount_eur",
            "received_eur",
            "refunded_eur",
            "order_link",
        ]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_readonly_fields(request, obj)

    @admin.display(description=_("objet"), ordering="purpose")
    def purpose_label(self, obj: Payment) -> str:
        return str(PURPOSE_LABELS.get(obj.purpose, obj.purpose))

    @admin.display(description=_("montant reçu"), ordering="received_cents")
    def received_eur(self, obj: Payment) -> str:
        return format_eur(obj.received_cents)

    @admin.display(description=_("montant remboursé"), ordering="refunded_cents")
    def refunded_eur(self, obj: Payment) -> str:
        return format_eur(obj.refunded_cents)

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

"""Head-office admin for dealer stock; statuses move only through ``vehicle_set_status``.

Lists stay fast at 100,000 vehicles: the dealer comes in the same query, the full-count query is
skipped, a complete VIN is looked up through its unique index, and related fields use
autocompletion instead of rendering every catalog row in a select.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from autovitrine.core.admin_access import (
    HeadOfficeAdmin,
    HeadOfficeTabularInline,
    ReadOnlyTabularInline,
)
from autovitrine.core.money import format_eur
from autovitrine.core.vin import VIN_PATTERN, normalize_vin, validate_vin

from .models import StockVehicle, VehiclePhoto, VehicleStatusEvent
from .services import VehicleData, vehicle_create, vehicle_set_status

# Everything the admin form may write; the status is left to ``vehicle_set_status``.
EDITABLE_COLUMNS = [
    field.name
    for field in StockVehicle._meta.concrete_fields
    if not field.primary_key and field.name not in {"status", "created_at"}
]


class VehiclePhotoInline(HeadOfficeTabularInline):
    model = VehiclePhoto
    fields = ("preview", "image", "position")
    readonly_fields = ("preview",)
    extra = 0

    @admin.display(description=_("aperçu"))
    def preview(self, photo: VehiclePhoto) -> str:
        if not photo.image:
            return "—"
        return format_html('<img src="{}" alt="" width="120">', photo.image.url)


class StatusEventInline(ReadOnlyTabularInline):
    model = VehicleStatusEvent
    fields = ("created_at", "from_status", "to_status", "by", "reason")
    readonly_fields = fields
    verbose_name = _("changement de statut")
    verbose_name_plural = _("historique des statuts")

    def get_queryset(self, request: HttpRequest) -> QuerySet[VehicleStatusEvent]:
        return super().get_queryset(request).select_related("by")


class StockVehicleForm(forms.ModelForm):
    # Wider than the 17 characters stored: a VIN typed with spaces is normalized, then checked.
    vin = forms.CharField(label=_("VIN"), max_length=40)

    class Meta:
        model = StockVehicle
        fields = ("vin",)  # the admin adds the other fields of its fieldsets

    def clean_vin(self) -> str:
        return validate_vin(self.cleaned_data["vin"])


def _set_status(
    admin_page: StockVehicleAdmin, request: HttpRequest, queryset: QuerySet, to_status: str
) -> None:
    moved, refused = 0, []
    for vehicle_id, vin in queryset.order_by("pk").values_list("pk", "vin"):
        try:
            vehicle_set_status(
                vehicle_id=vehicle_id,
                to_status=to_status,
                by=request.user,
                reason=gettext("Administration (siège)"),
            )
        except ValidationError:
            refused.append(vin)
        else:
            moved += 1
    label = StockVehicle.Status(to_status).label
    if moved:
        admin_page.message_user(
            request,
            ngettext(
                "%(n)d véhicule passé au statut « %(status)s ».",
                "%(n)d véhicules passés au statut « %(status)s ».",
                moved,
            )
            % {"n": moved, "status": label},
            messages.SUCCESS,
        )
    if refused:
        admin_page.message_user(
            request,
            gettext("Changement impossible depuis leur statut actuel : %(vins)s.")
            % {"vins": ", ".join(refused)},
            messages.WARNING,
        )


@admin.register(StockVehicle)
class StockVehicleAdmin(HeadOfficeAdmin):
    form = StockVehicleForm
    list_display = (
        "vin",
        "title",
        "version_label",
        "dealer",
        "condition",
        "energy",
        "status",
        "price",
        "year",
        "mileage_km",
    )
    list_filter = ("status", "condition", "energy", "dealer")
    list_select_related = ("dealer",)
    search_fields = ("^vin",)
    search_help_text = _("VIN complet, ou son début")
    show_full_result_count = False
    autocomplete_fields = ("dealer", "car_model", "version", "colour", "options")
    readonly_fields = ("status", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("dealer", "condition", "vin", "status")}),
        (
            _("Véhicule"),
            {
                "fields": (
                    ("car_model", "version", "colour"),
                    ("make", "model_label"),
                    ("version_label", "colour_label"),
                    ("energy", "gearbox", "power_hp", "co2_g_km"),
                    "options",
                )
            },
        ),
        (
            _("Annonce"),
            {
                "fields": (
                    ("year", "first_registration", "mileage_km"),
                    "price_ttc",
                    "description",
                    ("created_at", "updated_at"),
                )
            },
        ),
    )
    inlines = (VehiclePhotoInline, StatusEventInline)
    actions = ("mark_available", "mark_reserved", "mark_sold")

    @admin.display(description=_("véhicule"), ordering="model_label")
    def title(self, vehicle: StockVehicle) -> str:
        return vehicle.title

    @admin.display(description=_("prix TTC"), ordering="price_ttc")
    def price(self, vehicle: StockVehicle) -> str:
        return format_eur(vehicle.price_ttc)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        vin = normalize_vin(search_term)
        if VIN_PATTERN.match(vin):
            return queryset.filter(vin=vin), False
        return super().get_search_results(request, queryset, search_term)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            obj.save(update_fields=EDITABLE_COLUMNS)
            return
        data = VehicleData(
            **{field.name: getattr(obj, field.name) for field in dataclasses.fields(VehicleData)}
        )
        created = vehicle_create(dealer_id=obj.dealer_id, data=data, by=request.user)
        # The admin then saves options and photos on ``obj``: make it the row the service wrote.
        obj.pk = created.pk
        obj.created_at, obj.updated_at = created.created_at, created.updated_at
        obj._state.adding = False

    @admin.action(description=_("Remettre en vente (disponible)"))
    def mark_available(self, request: HttpRequest, queryset: QuerySet) -> None:
        _set_status(self, request, queryset, StockVehicle.Status.AVAILABLE)

    @admin.action(description=_("Marquer comme réservé"))
    def mark_reserved(self, request: HttpRequest, queryset: QuerySet) -> None:
        _set_status(self, request, queryset, StockVehicle.Status.RESERVED)

    @admin.action(description=_("Marquer comme vendu"))
    def mark_sold(self, request: HttpRequest, queryset: QuerySet) -> None:
        _set_status(self, request, queryset, StockVehicle.Status.SOLD)

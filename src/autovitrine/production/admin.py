"""Head office's back office for production: plants, lines, stations and transport legs as data,
the API keys of plants and carriers (created with a secret shown once, revoked), and read-only
progress, events and ETA history (written by the ingestion services only)."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from autovitrine.core.admin_access import (
    HeadOfficeAdmin,
    HeadOfficeTabularInline,
    ReadOnlyTabularInline,
)

from . import services
from .models import (
    ApiCredential,
    Carrier,
    EtaChange,
    Line,
    OrderProgress,
    Plant,
    ProductionEvent,
    Station,
    TransportLeg,
)

# Measured by the periodic task, never typed in.
OBSERVED = ("observed_runs", "observed_mean_hours", "observed_spread_hours")


class LineInline(HeadOfficeTabularInline):
    model = Line
    extra = 0


class LegInline(HeadOfficeTabularInline):
    model = TransportLeg
    extra = 0
    readonly_fields = OBSERVED


@admin.register(Plant)
class PlantAdmin(HeadOfficeAdmin):
    list_display = ("name", "code", "city")
    readonly_fields = ("durations_observed_at",)
    inlines = [LineInline, LegInline]


class StationInline(HeadOfficeTabularInline):
    model = Station
    extra = 0
    readonly_fields = OBSERVED


@admin.register(Line)
class LineAdmin(HeadOfficeAdmin):
    list_display = ("name", "plant", "code")
    list_filter = ("plant",)
    inlines = [StationInline]


@admin.register(Carrier)
class CarrierAdmin(HeadOfficeAdmin):
    list_display = ("name", "code")


@admin.register(TransportLeg)
class TransportLegAdmin(HeadOfficeAdmin):
    list_display = ("__str__", "plant", "position", "carrier", "typical_hours", "spread_hours")
    list_filter = ("plant", "mode", "carrier")
    readonly_fields = OBSERVED


@admin.register(ApiCredential)
class ApiCredentialAdmin(HeadOfficeAdmin):
    """A key is created here (its secret displayed once) and revoked, never edited."""

    list_display = ("label", "key_id", "plant", "carrier", "created_at", "revoked_at")
    list_filter = ("revoked_at",)
    fields = ("label", "plant", "carrier", "key_id", "created_at", "revoked_at")
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ("key_id", "created_at", "revoked_at")
        return self.fields

    def save_model(self, request: HttpRequest, obj: ApiCredential, form: Any, change: bool) -> None:
        if change:
            return
        credential, secret = services.credential_create(
            label=obj.label, plant_id=obj.plant_id, carrier_id=obj.carrier_id
        )
        obj.pk = credential.pk
        obj.key_id = credential.key_id
        messages.warning(
            request,
            _(
                "Clé %(key)s créée. Secret (affiché une seule fois, à transmettre à son "
                "destinataire) : %(secret)s"
            )
            % {"key": credential.key_id, "secret": secret},
        )

    @admin.action(description=_("Révoquer les clés sélectionnées"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        count = sum(
            services.credential_revoke(credential_id=pk)
            for pk in queryset.values_list("pk", flat=True)
        )
        messages.success(request, _("%(n)d clé(s) révoquée(s).") % {"n": count})

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(ReadOnlyTabularInline):
    model = ProductionEvent
    fields = ("occurred_at", "kind", "station", "leg", "event_id", "received_at")
    readonly_fields = fields


class EtaInline(ReadOnlyTabularInline):
    model = EtaChange
    fields = ("created_at", "eta_from", "eta_to", "reason")
    readonly_fields = fields


@admin.register(OrderProgress)
class OrderProgressAdmin(HeadOfficeAdmin):
    list_display: tuple[str, ...] = (
        "vin",
        "order",
        "plant",
        "stage_kind",
        "station",
        "leg",
        "on_hold",
        "eta_to",
    )
    list_filter: ClassVar[tuple[str, ...]] = ("plant", "on_hold", "stage_kind")
    search_fields = ("vin", "order__number")
    inlines = [EventInline, EtaInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CsvImportForm(forms.Form):
    credential = forms.ModelChoiceField(
        label=_("Au nom de la clé"),
        queryset=ApiCredential.objects.filter(revoked_at__isnull=True),
        help_text=_("La clé de l'usine (ou du transporteur) dont le fichier vient."),
    )
    file = forms.FileField(
        label=_("Fichier CSV"),
        help_text=_(
            "UTF-8, virgules ou points-virgules ; en-tête : id, kind, occurred_at, puis vin ou "
            "order et les champs utiles (line, station, leg, week, place, reason, "
            "reason_public, eta), comme dans l'API."
        ),
    )


@admin.register(ProductionEvent)
class ProductionEventAdmin(OrderProgressAdmin):
    list_display = ("event_id", "kind", "progress", "occurred_at", "received_at", "credential")
    list_filter = ("kind",)
    search_fields = ("event_id", "progress__vin")
    inlines = []
    change_list_template = "admin/production/productionevent/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_csv),
                name="production_productionevent_import",
            ),
            *super().get_urls(),
        ]

    def import_csv(self, request: HttpRequest) -> HttpResponse:
        """Plants without an API send their events as a CSV file: the same validation as the
        API, and a report of every rejected line."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = CsvImportForm(request.POST or None, request.FILES or None)
        report = None
        status = 200
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = services.events_import_csv(
                    credential=form.cleaned_data["credential"],
                    data=upload.read(services.MAX_CSV_BYTES + 1),
                )
            except ValidationError as exc:
                form.add_error("file", exc.messages)
        if request.method == "POST" and report is None:
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Importer des événements (CSV)"),
            "form": form,
            "report": report,
        }
        return TemplateResponse(
            request, "admin/production/productionevent/import.html", context, status=status
        )

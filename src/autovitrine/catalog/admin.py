"""Head-office admin for product data: brands, models, versions, colours, options, packs, malus scales."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from autovitrine.core.admin_access import HeadOfficeAdmin, HeadOfficeTabularInline
from autovitrine.core.money import Price, format_eur

from .models import (
    Brand,
    CarModel,
    Colour,
    MalusBracket,
    MalusScale,
    ModelImage,
    Option,
    Pack,
    Version,
)


def _ttc(cents_ht: int) -> str:
    return format_eur(Price.from_ht(cents_ht).ttc)


@admin.register(Brand)
class BrandAdmin(HeadOfficeAdmin):
    list_display = ("name", "code", "baseline")
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}


class VersionInline(HeadOfficeTabularInline):
    model = Version
    fields = (
        "code",
        "trim",
        "powertrain",
        "energy",
        "power_hp",
        "gearbox",
        "base_price_ht",
        "co2_g_km",
        "consumption_x10",
        "consumption_unit",
        "crit_air",
        "is_published",
    )
    extra = 0
    show_change_link = True


class ModelImageInline(HeadOfficeTabularInline):
    model = ModelImage
    fields = ("image", "alt", "position")
    extra = 0


@admin.register(CarModel)
class CarModelAdmin(HeadOfficeAdmin):
    list_display = ("name", "brand", "body", "version_count", "position", "is_published")
    list_filter = ("brand", "body", "is_published")
    list_select_related = ("brand",)
    list_editable = ("position", "is_published")
    search_fields = ("name", "code")
    autocomplete_fields = ("brand",)
    prepopulated_fields = {"code": ("name",)}
    inlines = (VersionInline, ModelImageInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[CarModel]:
        return super().get_queryset(request).annotate(version_count=Count("versions"))

    @admin.display(description=_("versions"), ordering="version_count")
    def version_count(self, car_model: Any) -> int:
        return car_model.version_count


@admin.register(Version)
class VersionAdmin(HeadOfficeAdmin):
    list_display = (
        "__str__",
        "car_model",
        "energy",
        "power_hp",
        "price_ttc",
        "co2_g_km",
        "crit_air",
        "is_published",
    )
    list_filter = ("energy", "gearbox", "car_model__brand", "car_model", "is_published")
    list_select_related = ("car_model",)
    search_fields = ("code", "trim", "powertrain", "car_model__name")
    autocomplete_fields = ("car_model",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "car_model",
                    "code",
                    "trim",
                    "powertrain",
                    "energy",
                    "power_hp",
                    "gearbox",
                )
            },
        ),
        (_("Prix"), {"fields": ("base_price_ht",)}),
        (
            _("Étiquette environnementale"),
            {
                "fields": (
                    "co2_g_km",
                    ("consumption_x10", "consumption_unit"),
                    "electric_range_km",
                    "crit_air",
                    "recycled_share_pct",
                    "weight_kg",
                )
            },
        ),
        (_("Publication"), {"fields": ("is_published",)}),
    )

    @admin.display(description=_("prix TTC"), ordering="base_price_ht")
    def price_ttc(self, version: Version) -> str:
        return _ttc(version.base_price_ht)


@admin.register(Colour)
class ColourAdmin(HeadOfficeAdmin):
    list_display = ("name", "car_model", "finish", "hex_value", "price_ttc")
    list_filter = ("finish", "car_model")
    list_select_related = ("car_model",)
    search_fields = ("name", "code", "car_model__name")
    autocomplete_fields = ("car_model",)

    @admin.display(description=_("prix TTC"), ordering="price_ht")
    def price_ttc(self, colour: Colour) -> str:
        return _ttc(colour.price_ht)


@admin.register(Option)
class OptionAdmin(HeadOfficeAdmin):
    list_display = ("name", "car_model", "category", "price_ttc", "co2_delta_g_km")
    list_filter = ("category", "car_model")
    list_select_related = ("car_model",)
    search_fields = ("name", "code", "car_model__name")
    autocomplete_fields = ("car_model",)

    @admin.display(description=_("prix TTC"), ordering="price_ht")
    def price_ttc(self, option: Option) -> str:
        return _ttc(option.price_ht)


@admin.register(Pack)
class PackAdmin(HeadOfficeAdmin):
    list_display = ("name", "car_model", "price_ttc")
    list_filter = ("car_model",)
    list_select_related = ("car_model",)
    search_fields = ("name", "code", "car_model__name")
    autocomplete_fields = ("car_model", "options")

    @admin.display(description=_("prix TTC"), ordering="price_ht")
    def price_ttc(self, pack: Pack) -> str:
        return _ttc(pack.price_ht)


class MalusBracketInline(HeadOfficeTabularInline):
    model = MalusBracket
    fields = ("co2_g_km", "amount_cents")
    extra = 0


@admin.register(MalusScale)
class MalusScaleAdmin(HeadOfficeAdmin):
    list_display = ("year", "valid_from", "threshold_g_km", "cap", "bracket_count", "source")
    search_fields = ("year", "source")
    inlines = (MalusBracketInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[MalusScale]:
        return super().get_queryset(request).annotate(bracket_count=Count("brackets"))

    @admin.display(description=_("plafond"), ordering="cap_cents")
    def cap(self, scale: MalusScale) -> str:
        return format_eur(scale.cap_cents)

    @admin.display(description=_("tranches"), ordering="bracket_count")
    def bracket_count(self, scale: Any) -> int:
        return scale.bracket_count

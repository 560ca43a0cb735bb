"""Reads on the catalog: the range, a model's versions, and the environmental label of a car."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Min, Prefetch, QuerySet
from django.utils import timezone

from autovitrine.core.money import Price

from .makes import USED_CAR_MAKES  # noqa: F401  (the controlled list of used-car makes)
from .models import Brand, CarModel, Colour, Energy, MalusBracket, MalusScale, Option, Version
from .picture import stock_car_svg  # noqa: F401  (a stock car's drawing, for its result card)

# French CO2 label classes (arrêté du 10 avril 2003, as displayed in showrooms), upper bounds.
ENERGY_CLASS_BOUNDS: tuple[tuple[str, int], ...] = (
    ("A", 100),
    ("B", 120),
    ("C", 140),
    ("D", 160),
    ("E", 200),
    ("F", 250),
)
ENERGY_CLASSES = ("A", "B", "C", "D", "E", "F", "G")


def energy_class(co2_g_km: int) -> str:
    for letter, upper in ENERGY_CLASS_BOUNDS:
        if co2_g_km <= upper:
            return letter
    return "G"


def malus_scale_on(day: dt.date | None = None) -> MalusScale | None:
    day = day or timezone.localdate()
    return (
        MalusScale.objects.filter(valid_from__lte=day)
        .prefetch_related(Prefetch("brackets", queryset=MalusBracket.objects.order_by("co2_g_km")))
        .order_by("-valid_from")
        .first()
    )


def malus_scale_of_year_exists(year: int) -> bool:
    """Whether the CO2 scale of ``year`` is loaded (a later registration has no known scale)."""
    return MalusScale.objects.filter(year=year).exists()


def malus_amount(co2_g_km: int, scale: MalusScale | None) -> int:
    """Malus in cents for a CO2 figure under ``scale`` (0 below the threshold, the cap above)."""
    if scale is None or co2_g_km < scale.threshold_g_km:
        return 0
    amount = 0
    for bracket in scale.brackets.all():  # ordered by grams; the last one at or below wins
        if bracket.co2_g_km > co2_g_km:
            break
        amount = bracket.amount_cents
    last = max((b.co2_g_km for b in scale.brackets.all()), default=0)
    return scale.cap_cents if co2_g_km > last else amount


@dataclass(frozen=True, slots=True)
class EnvironmentalLabel:
    co2_g_km: int | None
    energy_class: str | None
    consumption: str  # "5,4 l/100 km"
    electric_range_km: int | None
    crit_air: int | None
    recycled_share_pct: int | None
    malus_cents: int
    malus_year: int | None
    malus_source: str

    @property
    def classes(self) -> tuple[str, ...]:
        return ENERGY_CLASSES


def _consumption_text(version: Version) -> str:
    whole, tenth = divmod(version.consumption_x10, 10)
    unit = "kWh/100 km" if version.consumption_unit == Version.ConsumptionUnit.KWH else "l/100 km"
    return f"{whole},{tenth} {unit}"


def label_for(
    *, version: Version | None, co2_g_km: int | None = None, scale: MalusScale | None = None
) -> EnvironmentalLabel:
    """The label of a version, or of a car whose CO2 differs from its version (options, used car)."""
    co2 = co2_g_km if co2_g_km is not None else (version.co2_g_km if version else None)
    return EnvironmentalLabel(
        co2_g_km=co2,
        energy_class=energy_class(co2) if co2 is not None else None,
        consumption=_consumption_text(version) if version else "",
        electric_range_km=version.electric_range_km if version else None,
        crit_air=version.crit_air if version else None,
        recycled_share_pct=version.recycled_share_pct if version else None,
        malus_cents=malus_amount(co2, scale) if co2 is not None else 0,
        malus_year=scale.year if scale else None,
        malus_source=scale.source if scale else "",
    )


def version_price(version: Version) -> Price:
    return Price.from_ht(version.base_price_ht)


def published_models() -> QuerySet[CarModel]:
    return (
        CarModel.objects.filter(is_published=True)
        .select_related("brand")
        .annotate(from_price_ht=Min("versions__base_price_ht"))
        .prefetch_related("images", "colours")
        .order_by("position", "name")
    )


PUBLISHED_MODEL_CHOICES_KEY = "catalog:published-model-choices:v1"
PUBLISHED_MODEL_CHOICES_TTL_S = 3600  # forgotten at once when a model changes (catalog/apps.py)


def published_model_choices() -> list[tuple[str, str]]:
    """``(code, name)`` of the published models in the range's order, for the lists of the
    searches (the stock page shows it on every search): one query an hour at most."""
    choices = cache.get(PUBLISHED_MODEL_CHOICES_KEY)
    if choices is None:
        choices = list(
            CarModel.objects.filter(is_published=True)
            .order_by("position", "name")
            .values_list("code", "name")
        )
        cache.set(PUBLISHED_MODEL_CHOICES_KEY, choices, PUBLISHED_MODEL_CHOICES_TTL_S)
    return choices


MODEL_IDS_BY_CODE_KEY = "catalog:model-ids-by-code:v1"


def car_model_id_by_code(code: str) -> int | None:
    """The id of the car model (published or not) of that code, or None when the list kept for
    an hour does not name it: the caller then asks the database by code, so a model added around
    the app is found all the same. One cache read, so a search filters the stock table by id."""
    ids = cache.get(MODEL_IDS_BY_CODE_KEY)
    if ids is None:
        ids = dict(CarModel.objects.order_by().values_list("code", "id"))
        cache.set(MODEL_IDS_BY_CODE_KEY, ids, PUBLISHED_MODEL_CHOICES_TTL_S)
    model_id = ids.get(code)
    return int(model_id) if model_id is not None else None


def forget_published_model_choices(**_kwargs: object) -> None:
    """A car model changed: its list and its ids are read again (catalog/apps.py)."""
    cache.delete_many([PUBLISHED_MODEL_CHOICES_KEY, MODEL_IDS_BY_CODE_KEY])


def model_with_versions(code: str) -> CarModel | None:
    return (
        CarModel.objects.filter(code=code, is_published=True)
        .select_related("brand")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=Version.objects.filter(is_published=True).order_by("base_price_ht"),
            ),
            "images",
            "colours",
            "options",
            "packs__options",
        )
        .first()
    )


def energies_of(car_model: CarModel) -> list[str]:
    return sorted({v.energy for v in car_model.versions.all()}, key=list(Energy.values).index)


# The catalogue's vocabulary, for the apps that stock, sell or value its cars (they read it here,
# not from catalog.models).
Body = CarModel.Body
Gearbox = Version.Gearbox
__all__ = [name for name in dir() if not name.startswith("_")]  # Energy included


def stock_form_versions() -> QuerySet[Version]:
    """Every version, with its model and brand, in the order a dealer picks one."""
    return Version.objects.select_related("car_model__brand")


def version_colours(version_id: int) -> QuerySet[Colour]:
    return Colour.objects.filter(car_model__versions=version_id)


def version_options(version_id: int) -> QuerySet[Option]:
    return Option.objects.filter(car_model__versions=version_id)


def no_colours() -> QuerySet[Colour]:
    return Colour.objects.none()


def no_options() -> QuerySet[Option]:
    return Option.objects.none()


def brands_by_name() -> QuerySet[Brand]:
    return Brand.objects.order_by("name")


def car_models_by_name() -> QuerySet[CarModel]:
    """Every model, published or not (head office's choices in the admin)."""
    return CarModel.objects.order_by("name")


def car_model_by_code(code: str) -> CarModel | None:
    """A model by its code, published or not (the product-data command)."""
    return CarModel.objects.filter(code=code).first()

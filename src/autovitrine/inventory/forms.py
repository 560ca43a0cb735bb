"""The public stock search form: French input (places, prices) turned into a ``StockQuery``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import validate_slug
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from autovitrine.catalog.selectors import Energy, published_model_choices
from autovitrine.core import forms as core_forms
from autovitrine.core.forms import MemoizedFieldGroup, NearPlaceForm
from autovitrine.core.money import AmountTooLarge, format_eur, parse_eur_to_cents

from .models import StockVehicle
from .selectors import MAX_PER_PAGE, StockQuery

DEFAULT_PER_PAGE = 20
# Far above any car we sell; keeps the filter inside what every database compares natively.
MAX_PRICE_CENTS = 10_000_000 * 100
MAX_MILEAGE_KM = core_forms.MAX_MILEAGE_KM
OLDEST_YEAR = 1950
YEAR_RANGE = _("Indiquez une année entre 1950 et 2100.")
DISTANCE_CHOICES = [
    ("", _("Toutes distances")),
    *[(km, f"{km} km") for km in (10, 25, 50, 100, 200, 500)],
]
PER_PAGE_CHOICES = [(n, str(n)) for n in (10, 20, 40)]
SORT_CHOICES = [
    ("", _("Pertinence")),
    ("distance", _("Distance")),
    ("price", _("Prix croissant")),
    ("newest", _("Plus récents")),
]


class StockSearchForm(NearPlaceForm):
    bound_field_class = MemoizedFieldGroup

    model = forms.ChoiceField(
        label=_("Modèle"),
        required=False,
        error_messages={"invalid_choice": _("Ce modèle n'existe pas dans notre gamme.")},
    )
    energy = forms.ChoiceField(
        label=_("Énergie"),
        required=False,
        choices=[("", _("Toutes")), *Energy.choices],
        error_messages={"invalid_choice": _("Cette énergie n'existe pas.")},
    )
    condition = forms.ChoiceField(
        label=_("Neuf ou occasion"),
        required=False,
        choices=[("", _("Neuf et occasion")), *StockVehicle.Condition.choices],
        error_messages={"invalid_choice": _("Choisissez neuf ou occasion.")},
    )
    max_price = forms.CharField(
        label=_("Prix maximum (€)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": _("Ex. 25 000")}),
        error_messages={"max_length": _("Indiquez un prix en euros, par ex. 25 000.")},
    )
    max_mileage = core_forms.IntegerField(
        label=_("Kilométrage maximum"),
        required=False,
        min_value=0,
        max_value=MAX_MILEAGE_KM,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1000}),
        error_messages={
            "invalid": _("Indiquez un kilométrage en chiffres, par ex. 50000."),
            "min_value": _("Le kilométrage ne peut pas être négatif."),
            "max_value": _("Le kilométrage doit être au plus de 2 000 000 km."),
        },
    )
    min_year = core_forms.IntegerField(
        label=_("Année minimum"),
        required=False,
        # The API's bounds: a minimum year still to come finds nothing, it is no error.
        min_value=OLDEST_YEAR,
        max_value=core_forms.MAX_SEARCH_YEAR,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": _("Indiquez une année sur 4 chiffres, par ex. 2020."),
            "min_value": YEAR_RANGE,
            "max_value": YEAR_RANGE,
        },
    )
    max_distance = forms.TypedChoiceField(
        label=_("Distance maximum"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=DISTANCE_CHOICES,
        error_messages={"invalid_choice": _("Choisissez une distance dans la liste.")},
    )
    dealer = forms.CharField(
        label=_("Concession"),
        required=False,
        max_length=60,
        widget=forms.HiddenInput,
        validators=[validate_slug],
        error_messages={
            "invalid": _("Cette concession n'existe pas."),
            "max_length": _("Cette concession n'existe pas."),
        },
    )
    sort = forms.ChoiceField(
        label=_("Trier par"),
        required=False,
        choices=SORT_CHOICES,
        error_messages={"invalid_choice": _("Choisissez un tri dans la liste.")},
    )
    per_page = forms.TypedChoiceField(
        label=_("Résultats par page"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=PER_PAGE_CHOICES,
        error_messages={"invalid_choice": _("Choisissez un nombre de résultats dans la liste.")},
    )

    def __init__(self, data: QueryDict | None = None, **kwargs: Any) -> None:
        if data is not None and not data.get("per_page"):
            # So that the page-size list shows the size actually used.
            data = data.copy()
            data["per_page"] = str(DEFAULT_PER_PAGE)
        kwargs.setdefault("label_suffix", "")
        super().__init__(data, **kwargs)
        model_field = self.fields["model"]
        assert isinstance(model_field, forms.ChoiceField)
        model_field.choices = [
            ("", _("Tous les modèles")),
            *published_model_choices(),
        ]

    def clean_max_price(self) -> int | None:
        text = self.cleaned_data["max_price"].strip()
        if not text:
            return None
        if text.startswith("-"):
            raise forms.ValidationError(_("Le prix ne peut pas être négatif."), code="negative")
        try:
            cents = parse_eur_to_cents(text)
        except AmountTooLarge:
            cents = MAX_PRICE_CENTS + 1  # refused below, with the field's own bound
        except ValueError:
            raise forms.ValidationError(
                _("Indiquez un prix en euros, par ex. 25 000."), code="invalid"
            ) from None
        if cents > MAX_PRICE_CENTS:
            raise forms.ValidationError(
                _("Le prix doit être au plus de %(max)s."),
                code="max_value",
                params={"max": format_eur(MAX_PRICE_CENTS)},
            )
        return cents

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("max_distance") and self.origin() is None and not self.has_error("place"):
            self.add_error(
                "place", _("Indiquez une ville ou un code postal pour limiter la distance.")
            )
        return data

    FILTERS = (
        "model",
        "energy",
        "condition",
        "max_price",
        "max_mileage",
        "min_year",
        "max_distance",
    )

    @property
    def active_filter_count(self) -> int:
        """Filters set (behind the « Filtres » button), from what was sent, valid or not."""
        if not self.is_bound:
            return 0
        return sum(1 for name in self.FILTERS if (self.data.get(name) or "").strip())

    def stock_query(self, *, page: int) -> StockQuery:
        data = self.cleaned_data
        origin = self.origin()
        return StockQuery(
            latitude=origin[0] if origin else None,
            longitude=origin[1] if origin else None,
            car_model=data["model"] or None,
            energy=data["energy"] or None,
            condition=data["condition"] or None,
            max_price_cents=data["max_price"],
            max_mileage_km=data["max_mileage"],
            min_year=data["min_year"],
            max_distance_km=data["max_distance"],
            dealer_code=data["dealer"] or None,
            sort=data["sort"] or None,
            page=page,
            per_page=min(data["per_page"] or DEFAULT_PER_PAGE, MAX_PER_PAGE),
        )

    def error_summary(self) -> list[tuple[str, str]]:
        """(id of the field to jump to, message with the field's label) for every error; shown
        above the results, which is the part htmx refreshes."""
        summary = []
        for name, errors in self.errors.items():
            field = self[name] if name in self.fields else None
            for error in errors:
                if field is not None and not field.is_hidden:
                    summary.append((field.auto_id, f"{field.label} : {error}"))
                else:
                    summary.append(("", str(error)))
        return summary


def requested_page(raw: str | None) -> int | None:
    """The page number asked for, or ``None`` when it is not a positive whole number."""
    if not raw:
        return 1
    try:
        page = int(raw)
    except ValueError:
        return None
    return page if page >= 1 else None

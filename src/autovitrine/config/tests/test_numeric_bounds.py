"""Every number a visitor can type agrees across the form, the API schema and the database.

The numeric fields are read from the code: every field of every form class of every app's
``forms*`` module (for a form that adds fields at run time, those of an instance built as its
page builds it: ``RUNTIME_FORMS``), the amounts parsed by hand from a text field
(``HAND_PARSED``), and every integer or number parameter and body property of the OpenAPI
schema. Each must have a lower and an upper bound; each is classified below as stored in a
column, a reference to a row, or not stored (a search filter, a simulator); a field added later
fails ``test_every_numeric_field_is_classified`` until it is. Then: the value at each bound is
accepted by the form (or the API), one past it is refused with a French error (a 422 with the
error envelope on the API), never by the database, whose column (capacity, check constraints and
model validators) holds the whole range.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from types import SimpleNamespace
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Q

import autovitrine
from autovitrine.config.api import api, wire_fields
from autovitrine.core.forms import MAX_ROW_ID, EuroField
from autovitrine.inventory.forms import MAX_PRICE_CENTS
from autovitrine.testing.factories import StockVehicleFactory

NUMERIC_FORM_FIELDS = (forms.IntegerField, forms.DecimalField, forms.FloatField, EuroField)
REFERENCE = "reference"  # a row id: bounded by the ids the database can give (BigAutoField)
NOT_STORED = "not stored"


@dataclass(frozen=True)
class Column:
    """``app.Model.field``; the form's value times ``scale`` is what is stored."""

    path: str
    scale: int = 1

    def field(self) -> models.Field:
        app, model, name = self.path.split(".")
        return apps.get_model(app, model)._meta.get_field(name)


# Where each typed number ends. Keys: ``app.FormClass.field`` or ``api:Component.property`` /
# ``api:METHOD /path parameter``.
FORM_FIELDS: dict[str, Column | str] = {
    "community.CommentForm.parent": REFERENCE,
    "community.MergeForm.target": REFERENCE,
    "configurator.ConfigurationLeadForm.vehicle": REFERENCE,
    "leads.LeadForm.vehicle": REFERENCE,
    "orders.CheckoutForm.dealer": REFERENCE,
    "orders.FinancingForm.vehicule": REFERENCE,
    "core.NearPlaceForm.lat": NOT_STORED,
    "core.NearPlaceForm.lng": NOT_STORED,
    "dealers.DealerLocatorForm.lat": NOT_STORED,
    "dealers.DealerLocatorForm.lng": NOT_STORED,
    "inventory.StockSearchForm.lat": NOT_STORED,
    "inventory.StockSearchForm.lng": NOT_STORED,
    "inventory.StockSearchForm.max_mileage": NOT_STORED,
    "inventory.StockSearchForm.min_year": NOT_STORED,
    "orders.FinancingForm.price": NOT_STORED,
    "orders.FinancingForm.down_payment": NOT_STORED,
    "orders.FinancingForm.months": NOT_STORED,
    "orders.FinancingForm.rate": NOT_STORED,
    "orders.FinancingForm.option_price": NOT_STORED,
    "orders.FinancingForm.fees": NOT_STORED,
    "orders.FinancingForm.insurance": NOT_STORED,
    "flashsales.SaleForm.price": Column("flashsales.FlashSale.price_ttc"),
    "flashsales.SaleForm.deposit": Column("flashsales.FlashSale.deposit_ttc"),
    "flashsales.SaleForm.hold_minutes": Column("flashsales.FlashSale.hold_seconds", 60),
    "flashsales.SaleForm.admission_minutes": Column("flashsales.FlashSale.admission_seconds", 60),
    "flashsales.SaleForm.limit_per_customer": Column("flashsales.FlashSale.limit_per_customer"),
    "inventory.VehicleForm.power_hp": Column("inventory.StockVehicle.power_hp"),
    "inventory.VehicleForm.mileage_km": Column("inventory.StockVehicle.mileage_km"),
    "orders.DeliverForm.trade_in_price": Column("inventory.StockVehicle.price_ttc"),
    "production.CompleteForm.trade_in_price": Column("inventory.StockVehicle.price_ttc"),
    "orders.ReturnForm.mileage_km": Column("orders.Order.return_mileage_km"),
    "orders.ReturnForm.reduced_value": Column("orders.Order.reduced_value_cents"),
    "orders.TradeInOfferForm.amount": Column("tradein.TradeIn.offer_cents"),
    "tradein.TradeInForm.year": Column("tradein.TradeIn.year"),
    "tradein.TradeInForm.mileage_km": Column("tradein.TradeIn.mileage_km"),
    "workshop.AddCarForm.year": Column("workshop.OwnedCar.year"),
    "workshop.AddCarForm.mileage_km": Column("workshop.OwnedCar.mileage_km"),
    "workshop.AddCarForm.last_service_km": Column("workshop.OwnedCar.last_service_km"),
    "workshop.CheckInForm.mileage_km": Column("workshop.Booking.checkin_mileage_km"),
    "workshop.ExtraWorkForm.amount_eur": Column("workshop.ExtraWorkQuote.amount_ht", 100),
    "workshop.ExtraWorkForm.labour_minutes": Column("workshop.ExtraWorkQuote.labour_minutes"),
    "workshop.WorkshopTermsForm.hourly_rate_eur": Column(
        "workshop.WorkshopSettings.hourly_rate_ht", 100
    ),
    "workshop.WorkshopTermsForm.labour_discount_pct": Column(
        "workshop.WorkshopSettings.labour_discount_pct"
    ),
    "workshop.WorkshopTermsForm.wait_max_minutes": Column(
        "workshop.WorkshopSettings.wait_max_minutes"
    ),
    "workshop.WorkshopTermsForm.pickup_price_eur": Column(
        "workshop.WorkshopSettings.pickup_price_ht", 100
    ),
    "workshop.WorkshopTermsForm.cancel_deadline_hours": Column(
        "workshop.WorkshopSettings.cancel_deadline_hours"
    ),
    # Added at run time (``RUNTIME_FORMS``): one pair per half-day, one position per photo.
    "production.CapacityForm.bays_0_am": Column("production.HandoverCapacity.bays"),
    "production.CapacityForm.staff_0_am": Column("production.HandoverCapacity.staff"),
    "inventory.VehicleForm.photo_7_position": Column("inventory.VehiclePhoto.position"),
    # Parsed by hand (``HAND_PARSED``): compared with the prices stored, so within their column.
    "inventory.StockSearchForm.max_price": Column("inventory.StockVehicle.price_ttc"),
}

# API inputs: their twin form field (same bounds) or how they are used.
API_FIELDS: dict[str, str] = {
    "GET /api/dealers lat": "dealers.DealerLocatorForm.lat",
    "GET /api/dealers lng": "dealers.DealerLocatorForm.lng",
    "GET /api/dealers limit": NOT_STORED,
    "GET /api/stock/search lat": "inventory.StockSearchForm.lat",
    "GET /api/stock/search lng": "inventory.StockSearchForm.lng",
    "GET /api/stock/search max_mileage": "inventory.StockSearchForm.max_mileage",
    "GET /api/stock/search min_year": "inventory.StockSearchForm.min_year",
    "GET /api/stock/search max_price_cents": "inventory.StockSearchForm.max_price",
    "GET /api/stock/search max_distance_km": NOT_STORED,
    "GET /api/stock/search page": NOT_STORED,
    "GET /api/stock/search page_size": NOT_STORED,
    "GET /api/stock/vehicles/{vehicle_id} vehicle_id": REFERENCE,
    "POST /api/leads vehicle_id": "leads.LeadForm.vehicle",
    "GET /api/leads/mine page": NOT_STORED,
    "GET /api/leads/mine page_size": NOT_STORED,
    "PATCH /api/leads/{lead_id} lead_id": REFERENCE,
    "GET /api/workshop/availability dealer": REFERENCE,
    "GET /api/parts/search dealer": REFERENCE,
    "GET /api/parts/search car_model": REFERENCE,
    "GET /api/parts/search year": NOT_STORED,
}


# --- reading the code ------------------------------------------------------------------------


@cache
def form_classes() -> dict[str, type[forms.Form]]:
    found = {}
    for module_info in pkgutil.walk_packages(autovitrine.__path__, "autovitrine."):
        name = module_info.name
        if ".tests" in name or not (name.endswith(".forms") or ".forms_" in name):
            continue
        module = importlib.import_module(name)
        app = name.split(".")[1]
        for class_name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name and issubclass(cls, forms.Form):
                found[f"{app}.{class_name}"] = cls
    return found


# Forms whose numeric fields are added by ``__init__``, built as their page builds them (the
# generated names are repetitive: one of each kind is kept, e.g. the Monday-morning pair).
_A_VEHICLE_WITH_ONE_PHOTO = SimpleNamespace(
    version_id=None, make="", photos=SimpleNamespace(all=lambda: [SimpleNamespace(pk=7)])
)
RUNTIME_FORMS: dict[str, dict[str, Any]] = {
    "production.CapacityForm": {},
    "inventory.VehicleForm": {"vehicle": _A_VEHICLE_WITH_ONE_PHOTO},
}
RUNTIME_KEPT = {"bays_0_am", "staff_0_am", "photo_7_position"}


@dataclass(frozen=True)
class HandParsed:
    """A text field its form parses itself (``clean_<name>``): the integer bounds it cleans to,
    and how a person types a value."""

    low: int
    high: int
    typed: Any  # value -> what a person types


def _euros(cents: int) -> str:
    euros, rest = divmod(cents, 100)
    return f"{euros},{rest:02d}"


HAND_PARSED: dict[str, HandParsed] = {
    "inventory.StockSearchForm.max_price": HandParsed(0, MAX_PRICE_CENTS, _euros),
}


def form_fields_of(form_name: str, cls: type[forms.Form]) -> dict[str, forms.Field]:
    if form_name in RUNTIME_FORMS:
        built = cls(**RUNTIME_FORMS[form_name]).fields
        added = {name: field for name, field in built.items() if name not in cls.base_fields}
        assert added, f"{form_name} adds no field at run time any more"
        return {**cls.base_fields, **{n: f for n, f in added.items() if n in RUNTIME_KEPT}}
    return dict(cls.base_fields)


def numeric_form_fields() -> Iterator[tuple[str, type[forms.Form], str, forms.Field]]:
    for form_name, cls in sorted(form_classes().items()):
        for field_name, field in form_fields_of(form_name, cls).items():
            name = f"{form_name}.{field_name}"
            if isinstance(field, NUMERIC_FORM_FIELDS) or name in HAND_PARSED:
                yield name, cls, field_name, field


def _limit(validator: Any) -> Any:
    value = validator.limit_value
    return value() if callable(value) else value


def form_bounds(field: forms.Field, name: str = "") -> tuple[Any, Any]:
    """(lowest, highest) value the field accepts, in the unit it cleans to (cents for euros)."""
    if name in HAND_PARSED:
        return HAND_PARSED[name].low, HAND_PARSED[name].high
    if isinstance(field, EuroField):
        return field.min_cents, field.max_cents
    lows = [_limit(v) for v in field.validators if isinstance(v, MinValueValidator)]
    highs = [_limit(v) for v in field.validators if isinstance(v, MaxValueValidator)]
    if isinstance(field, forms.DecimalField) and field.max_digits is not None:
        places = field.decimal_places or 0
        highs.append(Decimal(10) ** (field.max_digits - places) - Decimal(10) ** -places)
    return (max(lows) if lows else None), (min(highs) if highs else None)


def step(field: forms.Field) -> Any:
    if isinstance(field, forms.DecimalField):
        return Decimal(10) ** -(field.decimal_places or 0)
    if isinstance(field, forms.FloatField):
        return 1e-6
    return 1


def typed(field: forms.Field, value: Any, name: str = "") -> str:
    """``value`` as a person types it in this field."""
    if name in HAND_PARSED:
        return HAND_PARSED[name].typed(value)
    if isinstance(field, EuroField):
        euros, cents = divmod(value, 100)
        return f"{euros},{cents:02d}"
    return str(value)


@cache
def api_inputs() -> dict[str, dict]:
    """``METHOD /path name`` → the JSON schema of every numeric query/path parameter and JSON
    body property."""
    schema = api.get_openapi_schema()
    found = {}
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            items = [item for p in operation.get("parameters", []) for item in wire_fields(p)]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                ref = body["schema"]["$ref"].rsplit("/", 1)[1]
                component = schema["components"]["schemas"][ref]
                items += list(component.get("properties", {}).items())
            for name, property_schema in items:
                numeric = [
                    s
                    for s in [property_schema, *property_schema.get("anyOf", [])]
                    if s.get("type") in ("integer", "number")
                ]
                if numeric:
                    found[f"{method.upper()} {path} {name}"] = numeric[0]
    return found


def column_bounds(column: Column) -> tuple[int, int]:
    """What the column may hold: its type's range, narrowed by its model validators and by
    the model's check constraints on it alone (``field__gte=…`` and the like)."""
    field = column.field()
    low, high = BaseDatabaseOperations.integer_field_ranges[field.get_internal_type()]
    for validator in field.validators:
        if isinstance(validator, MinValueValidator):
            low = max(low, _limit(validator))
        elif isinstance(validator, MaxValueValidator):
            high = min(high, _limit(validator))
    for constraint in field.model._meta.constraints:
        for lookup, value in _conditions(getattr(constraint, "condition", None)):
            name, _, kind = lookup.partition("__")
            if name != field.name or not isinstance(value, int):
                continue
            if kind in ("gte", "gt"):
                low = max(low, value + (kind == "gt"))
            elif kind in ("lte", "lt"):
                high = min(high, value - (kind == "lt"))
    return low, high


def _conditions(condition: Any) -> Iterator[tuple[str, Any]]:
    # Only the children of an AND of a Q: an OR or a negation does not bound the field alone.
    if isinstance(condition, Q) and condition.connector == Q.AND and not condition.negated:
        for child in condition.children:
            if isinstance(child, tuple):
                yield child
            else:
                yield from _conditions(child)


# --- the checks ------------------------------------------------------------------------------


def test_the_generated_lists_find_the_fields():
    # Guards the readers: a broken walk would make every test below vacuous.
    assert len(list(numeric_form_fields())) >= 40
    assert len(api_inputs()) >= 18
    found = {name for name, *_ in numeric_form_fields()}
    assert "flashsales.SaleForm.price" in found
    # Fields added at run time and amounts parsed by hand are seen too.
    assert {
        "production.CapacityForm.bays_0_am",
        "inventory.VehicleForm.photo_7_position",
        "inventory.StockSearchForm.max_price",
    } <= found


def test_every_numeric_field_is_classified():
    assert sorted(name for name, *_ in numeric_form_fields()) == sorted(FORM_FIELDS)
    assert sorted(api_inputs()) == sorted(API_FIELDS)


FORM_CASES = [
    (name, cls, field_name, field) for name, cls, field_name, field in numeric_form_fields()
]


@pytest.mark.parametrize(
    ("name", "cls", "field_name", "field"), FORM_CASES, ids=[c[0] for c in FORM_CASES]
)
def test_a_form_field_has_bounds_its_column_holds(name, cls, field_name, field):
    low, high = form_bounds(field, name)
    assert low is not None and high is not None, (
        f"{name} has no {'lower' if low is None else 'upper'} bound"
    )
    target = FORM_FIELDS[name]
    if target == REFERENCE:
        assert low >= 1 and high <= MAX_ROW_ID, (name, low, high)
    elif isinstance(target, Column):
        column_low, column_high = column_bounds(target)
        stored_low, stored_high = low * target.scale, high * target.scale
        assert column_low <= stored_low and stored_high <= column_high, (
            f"{name} accepts {stored_low}..{stored_high}, {target.path} holds "
            f"{column_low}..{column_high}"
        )


# Forms built for one page take its choices: empty ones leave the numeric fields as declared.
FORM_ARGUMENTS: dict[str, dict[str, Any]] = {
    "ConfigurationLeadForm": {"dealer_choices": []},
    "CheckoutForm": {"dealer_choices": [], "trade_in_choices": []},
}


def _form(cls: type[forms.Form], data: dict[str, str]) -> forms.Form:
    runtime = RUNTIME_FORMS.get(f"{cls.__module__.split('.')[1]}.{cls.__name__}", {})
    return cls(data=data, **FORM_ARGUMENTS.get(cls.__name__, {}), **runtime)


# Fields that only make sense with another one (a position is a latitude and a longitude).
COMPANIONS = {"lat": {"lng": "0"}, "lng": {"lat": "0"}}


def _error(cls: type[forms.Form], field_name: str, value: str) -> list[str]:
    form = _form(cls, {**COMPANIONS.get(field_name, {}), field_name: value})
    form.is_valid()
    return [str(message) for message in form.errors.get(field_name, [])]


def is_french(message: str) -> bool:
    # Django's English defaults ("Ensure this value is less than…") are plain ASCII; every
    # French message here has an accent (« Assurez-vous que cette valeur est inférieure… »).
    return not message.isascii() and "Ensure" not in message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "cls", "field_name", "field"), FORM_CASES, ids=[c[0] for c in FORM_CASES]
)
def test_a_form_accepts_its_bounds_and_refuses_one_past_them_in_french(
    name, cls, field_name, field
):
    low, high = form_bounds(field, name)
    one = step(field)
    for value in (low, high):
        assert _error(cls, field_name, typed(field, value, name)) == [], (name, value)
    for value in (low - one, high + one):
        if (isinstance(field, EuroField) or name in HAND_PARSED) and value < 0:
            continue  # a negative amount is no amount: refused as unreadable, tested elsewhere
        errors = _error(cls, field_name, typed(field, value, name))
        assert errors, f"{name} accepted {value}"
        assert all(is_french(message) for message in errors), errors


API_CASES = sorted(api_inputs().items())


@pytest.mark.parametrize(("key", "schema"), API_CASES, ids=[k for k, _ in API_CASES])
def test_an_api_input_has_bounds_and_they_are_its_twin_forms(key, schema):
    low, high = schema.get("minimum"), schema.get("maximum")
    assert low is not None and high is not None, f"{key} has no minimum or maximum"
    use = API_FIELDS[key]
    if use == REFERENCE:
        assert low >= 1 and high <= MAX_ROW_ID
    elif use != NOT_STORED:
        app_form, field_name = use.rsplit(".", 1)
        field = form_classes()[app_form].base_fields[field_name]
        assert (low, high) == form_bounds(field, use), (key, (low, high), use)
    if schema["type"] == "integer":
        # Beyond 64 bits no JSON reader here takes it; within them the database compares it.
        assert low >= -(2**63) and high <= 2**63 - 1


API_COMPANIONS: dict[str, dict[str, Any]] = {
    "max_distance_km": {"place": "Lyon"},
    "lat": {"lng": 0},
    "lng": {"lat": 0},
}


def _call(client, key: str, value: Any):
    method, path, name = key.split(" ")
    if "{" in path:
        return client.generic(
            method,
            path.replace("{" + name + "}", str(value)),
            "{}" if method != "GET" else "",
            content_type="application/json",
        )
    if method == "GET":
        return client.get(path, {**API_COMPANIONS.get(name, {}), name: value})
    return client.generic(method, path, f'{{"{name}": {value}}}', content_type="application/json")


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "schema"), API_CASES, ids=[k for k, _ in API_CASES])
def test_the_api_accepts_its_bounds_and_refuses_one_past_them(client, dealer_staff, key, schema):
    client.force_login(dealer_staff)
    one = 1 if schema["type"] == "integer" else 1e-6
    for value in (schema["minimum"], schema["maximum"]):
        response = _call(client, key, value)
        assert response.status_code < 500, (key, value, response.status_code)
        if response.status_code == 422:
            fields = {d.get("field") for d in response.json()["error"]["details"]}
            assert key.rsplit(" ", 1)[1] not in fields, (key, value, response.json())
    for value in (schema["minimum"] - one, schema["maximum"] + one):
        response = _call(client, key, value)
        assert response.status_code == 422, (key, value, response.status_code)
        details = response.json()["error"]["details"]
        assert any(d["field"] == key.rsplit(" ", 1)[1] and d["message"] for d in details), details


@pytest.mark.django_db
def test_the_stock_search_price_at_its_bound_reaches_the_database_and_one_past_is_in_french(
    client,
):
    # The price is parsed by hand from text: at its bound the search runs against the prices
    # stored (no out-of-range comparison in the database); one cent past, a French field error.
    StockVehicleFactory(price_ttc=MAX_PRICE_CENTS)
    at_bound = client.get("/stock/", {"max_price": _euros(MAX_PRICE_CENTS)})
    assert at_bound.status_code == 200
    assert at_bound.context["form"].errors == {}
    assert [hit.vehicle.price_ttc for hit in at_bound.context["results"].hits] == [MAX_PRICE_CENTS]

    past = client.get("/stock/", {"max_price": _euros(MAX_PRICE_CENTS + 1)})
    assert past.status_code == 200
    [message] = past.context["form"].errors["max_price"]
    assert is_french(message)

    api = client.get("/api/stock/search", {"max_price_cents": MAX_PRICE_CENTS + 1})
    assert api.status_code == 422
    assert [d["field"] for d in api.json()["error"]["details"]] == ["max_price_cents"]

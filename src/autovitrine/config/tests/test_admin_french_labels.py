"""Head office reads the admin in French: no column, filter or field falls back on Django's label
made from the English field name ("Created at", "Car model", "Dealer")."""

from __future__ import annotations

import html

import pytest
from django.contrib import admin
from django.urls import reverse


def _shown_models() -> set[type]:
    models: set[type] = set()
    for model, model_admin in admin.site._registry.items():
        if model.__module__.startswith("autovitrine."):
            models.add(model)
            models.update(inline.model for inline in model_admin.inlines)
    return models


def test_every_field_the_admin_shows_has_a_french_label():
    unlabelled = sorted(
        f"{model._meta.label}.{field.name}"
        for model in _shown_models()
        for field in model._meta.concrete_fields
        if not field.primary_key and field._verbose_name is None
    )
    unnamed = sorted(
        model._meta.label
        for model in _shown_models()
        if model._meta.original_attrs.get("verbose_name") is None
    )

    assert unlabelled == []
    assert unnamed == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changelist",
    [
        "orders_order",
        "payments_payment",
        "leads_lead",
        "tradein_tradein",
        "inventory_stockvehicle",
        "workshop_closure",
    ],
)
def test_the_business_lists_read_in_french(client_as, changelist):
    client, _ = client_as("head_office")

    page = html.unescape(client.get(reverse(f"admin:{changelist}_changelist")).content.decode())

    for english in ("Created at", "Updated at", "Dealer", "Car model", "Closures"):
        assert english not in page

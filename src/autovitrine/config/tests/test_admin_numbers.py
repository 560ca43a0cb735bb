"""The admin reads numbers as the site does: ASCII digits only (issue 10: « full-width digits are
not read as amounts »). ``int``, ``float`` and ``Decimal`` read « ２０２０ » as 2020."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from autovitrine.core.admin_access import HeadOfficeAccess

NUMBERS = (forms.IntegerField, forms.DecimalField, forms.FloatField)


def _project_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model.__module__.startswith("autovitrine.")
    ]


def test_every_project_admin_is_head_office_only():
    assert [
        type(model_admin).__name__
        for _model, model_admin in _project_admins()
        if not isinstance(model_admin, HeadOfficeAccess)
    ] == []


@pytest.mark.django_db
def test_every_number_field_of_every_admin_form_reads_ascii_digits_only(head_office):
    request = RequestFactory().get("/admin/")
    request.user = head_office
    checked, wrong = [], []
    for model, model_admin in _project_admins():
        admins = [(model, model_admin)] + [
            (inline.model, inline(model, admin.site)) for inline in model_admin.inlines
        ]
        for owner, owner_admin in admins:
            form_class = (
                owner_admin.get_formset(request).form
                if isinstance(owner_admin, admin.options.InlineModelAdmin)
                else owner_admin.get_form(request)
            )
            for name, field in form_class.base_fields.items():
                if isinstance(field, NUMBERS):
                    label = f"{owner._meta.label}.{name}"
                    (checked if _refuses_full_width(field) else wrong).append(label)

    assert wrong == []
    assert len(checked) >= 20  # the scan does see the admin's number fields


def _refuses_full_width(field: forms.Field) -> bool:
    """« ２ » is refused as not a number (and « 2 » is read, unless out of the field's bounds)."""
    try:
        field.clean("２")
    except ValidationError as refusal:
        return refusal.code == "invalid"
    return False

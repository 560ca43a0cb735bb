"""Writes of the configurator: import, edit and publish product data; save configurations;
and the compiled configurator of a revision, built once per process.

Product data is checked by the engine's import (``engine.import_rule_base``) every time it is
written and again when it is published: a rule base with errors is never stored, and a
published one always compiles.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from autovitrine.catalog.models import CarModel

from .engine import NONE, Configurator, ImportReport, Problem, import_rule_base, parse_rule_base
from .engine.configurator import Choice
from .engine.fileformat import rule_base_to_document
from .models import ProductData, SavedConfiguration

# Buyers configure for the French market; the rule base says what is sold where.
MARKET = "FR"

Pair = tuple[str, Choice]


class ProductDataError(ValidationError):
    """Product data that cannot be stored or published; ``problems`` lists every reason."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(
            [ValidationError(problem.message, code=problem.code) for problem in self.problems]
        )


# --- compiled configurators -------------------------------------------------------------------

# A compiled real-size rule base weighs tens of MB: keep the few revisions in use.
COMPILED_KEPT = 8
_compiled: OrderedDict[tuple[int, str], tuple[float, Configurator]] = OrderedDict()
_compiled_lock = threading.Lock()


def configurator_for(product_data: ProductData) -> Configurator:
    """The compiled configurator of a revision for the French market, compiled once per process
    (a draft edited since is compiled again)."""
    stamp = product_data.updated_at.timestamp()
    key = (product_data.pk, MARKET)
    with _compiled_lock:
        cached = _compiled.get(key)
        if cached is not None and cached[0] == stamp:
            _compiled.move_to_end(key)
            return cached[1]
        # Stored documents passed the import already: parse them, no need to analyse again.
        rule_base, problems = parse_rule_base(json.dumps(product_data.document))
        if rule_base is None:
            raise ProductDataError(problems)
        configurator = Configurator.build(rule_base, market=MARKET)
        _compiled[key] = (stamp, configurator)
        _compiled.move_to_end(key)
        while len(_compiled) > COMPILED_KEPT:
            _compiled.popitem(last=False)
        return configurator


# --- product data -------------------------------------------------------------------------------


def product_data_check(*, car_model: CarModel, data: bytes | str) -> ImportReport:
    """The import report of a file for ``car_model``; ``ProductDataError`` lists every error
    (one more when the file describes another model)."""
    report = import_rule_base(data)
    if report.configurator is not None and report.configurator.rule_base.code != car_model.code:
        raise ProductDataError(
            [
                Problem(
                    "wrong_model",
                    _("Ce fichier décrit le modèle « %(found)s », pas « %(expected)s ».")
                    % {"found": report.configurator.rule_base.code, "expected": car_model.code},
                    "code",
                )
            ]
        )
    if not report.ok:
        raise ProductDataError(report.errors)
    return report


def _write_report(product_data: ProductData, report: ImportReport) -> None:
    assert report.configurator is not None
    product_data.document = rule_base_to_document(report.configurator.rule_base)
    product_data.problems = [problem.as_dict() for problem in report.problems]
    product_data.configuration_count = str(report.configurator.count())


def product_data_create(
    *, car_model: CarModel, data: bytes | str, checked: ImportReport | None = None
) -> ProductData:
    """A new draft revision from a rule base file; nothing is stored when it has errors.
    ``checked``: the file's report, when the caller (the admin's form) has just made it."""
    report = checked or product_data_check(car_model=car_model, data=data)
    with transaction.atomic():
        # Imports of one model take their revision numbers one after the other.
        CarModel.objects.select_for_update().get(pk=car_model.pk)
        last = ProductData.objects.filter(car_model=car_model).aggregate(last=Max("revision"))
        product_data = ProductData(car_model=car_model, revision=(last["last"] or 0) + 1)
        _write_report(product_data, report)
        product_data.save()
    return product_data


def product_data_update(
    *, product_data: ProductData, data: bytes | str, checked: ImportReport | None = None
) -> ProductData:
    """Replace a draft's document; a published or archived revision is never edited."""
    if product_data.status != ProductData.Status.DRAFT:
        raise ValidationError(
            _("Seul un brouillon se modifie : créez une nouvelle révision."), code="not_draft"
        )
    report = checked or product_data_check(car_model=product_data.car_model, data=data)
    _write_report(product_data, report)
    product_data.save()
    return product_data


def product_data_publish(*, product_data_id: int, by: Any = None) -> ProductData:
    """Check the draft once more and make it the revision buyers configure; the one published
    before is archived (its saved configurations stay readable)."""
    with transaction.atomic():
        product_data = ProductData.objects.select_for_update().get(pk=product_data_id)
        # Two publications of one model wait for each other: the last one wins, cleanly.
        CarModel.objects.select_for_update().get(pk=product_data.car_model_id)
        if product_data.status != ProductData.Status.DRAFT:
            raise ValidationError(_("Cette révision n'est pas un brouillon."), code="not_draft")
        report = product_data_check(
            car_model=product_data.car_model, data=json.dumps(product_data.document)
        )
        _write_report(product_data, report)
        ProductData.objects.filter(
            car_model_id=product_data.car_model_id, status=ProductData.Status.PUBLISHED
        ).update(status=ProductData.Status.ARCHIVED, updated_at=timezone.now())
        product_data.status = ProductData.Status.PUBLISHED
        product_data.published_at = timezone.now()
        product_data.published_by = by if getattr(by, "is_authenticated", False) else None
        product_data.save()
    return product_data


def product_data_new_draft(*, product_data: ProductData) -> ProductData:
    """A draft copy of a revision, to edit the published data without touching it."""
    return product_data_create(
        car_model=product_data.car_model, data=json.dumps(product_data.document)
    )


# --- saved configurations ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SummaryLine:
    name: str
    title: str
    label: str
    amount_ht: int
    included_in: str


def summary_lines(
    configurator: Configurator, configuration: dict[str, Choice]
) -> list[SummaryLine]:
    """What the buyer reads in the summary of a complete configuration: each family's value,
    each option and pack taken."""
    rule_base = configurator.rule_base
    priced = {line.name: line for line in configurator.price(configuration).lines}
    lines = []
    for name in rule_base.names:
        value = configuration[name]
        family = rule_base.family_by_code.get(name)
        if family is not None:
            title = family.label
            label = _("Sans") if value == NONE else rule_base.label_of(name, value)
        elif value is True:
            title = _("Pack") if name in rule_base.pack_by_code else _("Option")
            label = rule_base.label_of(name, True)
        else:
            continue  # an option or pack not taken
        line = priced.get(name)
        lines.append(
            SummaryLine(
                name=name,
                title=title,
                label=label,
                amount_ht=line.amount_ht if line else 0,
                included_in=rule_base.boolean_by_code[line.included_in].label
                if line and line.included_in
                else "",
            )
        )
    return lines


def configuration_save(
    *, product_data: ProductData, choices: Sequence[Pair], customer: Any = None
) -> SavedConfiguration:
    """Save the buyer's choices and the complete car they lead to (defaults for the rest)."""
    configurator = configurator_for(product_data)
    completion = configurator.default_completion(dict(choices))
    if completion is None:
        raise ValidationError(
            _("Ces choix ne vont pas ensemble : modifiez votre configuration."),
            code="invalid_configuration",
        )
    rule_base = configurator.rule_base
    price = completion.price
    summary = {
        "model": product_data.car_model.name,
        "brand": product_data.car_model.brand.name,
        "lines": [asdict(line) for line in summary_lines(configurator, completion.configuration)],
        "base_ht": rule_base.base_price_ht,
        "total_ht": price.total_ht,
        "vat": price.vat,
        "ttc": price.ttc,
    }
    return SavedConfiguration.objects.create(
        product_data=product_data,
        customer=customer if getattr(customer, "is_authenticated", False) else None,
        choices=[[name, value] for name, value in choices],
        configuration=completion.configuration,
        summary=summary,
        price_ttc=price.ttc,
        co2_g_km=completion.co2_g_km,
    )


def configurations_claim(*, customer: Any, codes: Sequence[str]) -> int:
    """Give a buyer who just signed in the configurations they saved anonymously in this
    browser; one saved from another account stays that account's."""
    return SavedConfiguration.objects.filter(code__in=list(codes), customer__isnull=True).update(
        customer=customer, updated_at=timezone.now()
    )

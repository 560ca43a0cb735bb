"""Writes of the configurator: import, edit and publish product data; save configurations;
and the compiled configurator of a revision, built once per process.

Product data is checked by the engine's import (``engine.import_rule_base``) every time it is
written and again when it is published: a rule base with errors is never stored, and a
published one always compiles.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import orjson
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from autovitrine.catalog.services import car_model_lock

from .engine import (
    MAX_BYTES,
    NONE,
    CompiledRules,
    Configurator,
    ImportReport,
    Problem,
    RuleBase,
    compile_rule_base,
    import_rule_base,
    parse_rule_base,
)
from .engine.compiled_form import VERSION as COMPILED_FORMAT_VERSION
from .engine.compiled_form import CompiledFormError, dump_compiled, load_compiled
from .engine.compiled_form import checksum as compiled_checksum
from .engine.configurator import Choice
from .engine.fileformat import rule_base_to_document
from .models import CompiledForm, ProductData, SavedConfiguration

if TYPE_CHECKING:
    from autovitrine.catalog.models import CarModel

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
# No limit on what a revision stored already re-reads: the limit is on what head office sends.
STORED_MAX_BYTES = 2**40
_compiled: OrderedDict[tuple[int, str, float], Configurator] = OrderedDict()
# Guards the two dicts only, for microseconds: loading or compiling a revision holds that
# revision's own lock, so one model loading never makes another model's requests wait.
_compiled_guard = threading.Lock()
_loading: dict[tuple[int, str, float], threading.Lock] = {}

logger = logging.getLogger(__name__)

# Sent once a revision is published and committed: ``model_code`` and ``document`` (what buyers
# now configure). Apps above the configurator listen (the community announces the ideas it
# now contains) without the configurator knowing them.
product_data_published = Signal()


def configurator_for(product_data: ProductData) -> Configurator:
    """The configurator of a revision for the French market: the compiled form stored at
    publication, loaded once per process (milliseconds); a draft, or a form missing, damaged or
    of another format version, is compiled from the document (and stored again if published).
    Never reads the document when the compiled form is good."""
    key = (product_data.pk, MARKET, product_data.updated_at.timestamp())
    with _compiled_guard:
        cached = _compiled.get(key)
        if cached is not None:
            _compiled.move_to_end(key)
            return cached
        loading = _loading.setdefault(key, threading.Lock())
    with loading:  # requests for this revision wait for the one loading it, and only them
        with _compiled_guard:
            cached = _compiled.get(key)
        if cached is None:
            cached = _load_or_compile(product_data)
            with _compiled_guard:
                _compiled[key] = cached
                _compiled.move_to_end(key)
                while len(_compiled) > COMPILED_KEPT:
                    _compiled.popitem(last=False)
    with _compiled_guard:
        _loading.pop(key, None)
    return cached


def _load_or_compile(product_data: ProductData) -> Configurator:
    stored = (
        CompiledForm.objects.filter(product_data_id=product_data.pk, market=MARKET)
        .values_list("data", "checksum")
        .first()
    )
    if stored is not None:
        data = bytes(stored[0])
        if compiled_checksum(data) == stored[1]:
            try:
                return Configurator(load_compiled(data))
            except CompiledFormError as error:
                logger.warning("Forme compilée de %s inutilisable (%s)", product_data.pk, error)
        else:
            logger.warning("Forme compilée de %s : somme de contrôle fausse", product_data.pk)
    document = ProductData.objects.values_list("document", flat=True).get(pk=product_data.pk)
    rule_base, problems = parse_rule_base(orjson.dumps(document), max_bytes=STORED_MAX_BYTES)
    if rule_base is None:
        raise ProductDataError(problems)
    compiled = compile_rule_base(rule_base, market=MARKET)
    if product_data.status in (ProductData.Status.PUBLISHED, ProductData.Status.ARCHIVED):
        _store_forms(product_data.pk, [compiled])
    return Configurator(compiled)


def _store_forms(product_data_id: int, forms: Sequence[CompiledRules]) -> None:
    for compiled in forms:
        data = dump_compiled(compiled)
        CompiledForm.objects.update_or_create(
            product_data_id=product_data_id,
            market=compiled.market or MARKET,
            defaults={
                "format_version": COMPILED_FORMAT_VERSION,
                "data": data,
                "checksum": compiled_checksum(data),
                "size_bytes": len(data),
                "compile_seconds": compiled.stats.seconds,
                "diagram_nodes": compiled.stats.diagram_nodes,
            },
        )


def _compile_markets(
    rule_base: RuleBase, progress: Callable[[str], None] = lambda _text: None
) -> list[CompiledRules]:
    """One compiled form per market the rule base sells in (the site's own market first);
    no database access here, so no lock is held while CUDD works."""
    markets = [MARKET, *(market for market in rule_base.markets if market != MARKET)]
    forms = []
    for position, market in enumerate(markets, start=1):
        progress(
            _("Compilation du marché %(market)s (%(position)d sur %(total)d)…")
            % {"market": market, "position": position, "total": len(markets)}
        )
        compiled = compile_rule_base(rule_base, market=market)
        if compiled.diagram.root == 0:
            raise ProductDataError(
                [
                    Problem(
                        "no_valid_configuration",
                        _("Aucune configuration n'est valide sur le marché %(market)s.")
                        % {"market": market},
                        "markets",
                    )
                ]
            )
        forms.append(compiled)
    return forms


# --- product data -------------------------------------------------------------------------------


def _data_size(data: bytes | str) -> int:
    return len(data.encode("utf-8")) if isinstance(data, str) else len(data)


def product_data_check(
    *, car_model: CarModel, data: bytes | str, max_bytes: int = MAX_BYTES
) -> ImportReport:
    """The import report of a file for ``car_model``; ``ProductDataError`` lists every error
    (one more when the file describes another model). ``max_bytes`` applies to ``data`` as sent."""
    report = import_rule_base(data, max_bytes=max_bytes)
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
    *,
    car_model: CarModel,
    data: bytes | str,
    checked: ImportReport | None = None,
    publish: bool = False,
    by: Any = None,
) -> ProductData:
    """A new draft revision from a rule base file; nothing is stored when it has errors.
    ``checked``: the file's report, when the caller (the admin's form) has just made it.
    ``publish``: compile it and publish it in the same transaction (the command line's
    ``--publish``): either the published revision exists afterwards, or nothing at all."""
    report = checked or product_data_check(car_model=car_model, data=data)
    forms = (
        _compile_markets(report.configurator.rule_base) if publish and report.configurator else []
    )
    with transaction.atomic():
        # Imports of one model take their revision numbers one after the other.
        car_model_lock(car_model.pk)
        last = ProductData.objects.filter(car_model=car_model).aggregate(last=Max("revision"))
        product_data = ProductData(
            car_model=car_model, revision=(last["last"] or 0) + 1, source_bytes=_data_size(data)
        )
        _write_report(product_data, report)
        product_data.save()
        if publish:
            _make_published(product_data, forms, by)
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
    product_data.source_bytes = _data_size(data)
    product_data.save()
    return product_data


def _make_published(product_data: ProductData, forms: Sequence[CompiledRules], by: Any) -> None:
    """Inside the caller's transaction, with the model's row locked: store the compiled forms,
    archive the revision published before, publish this one."""
    _store_forms(product_data.pk, forms)
    ProductData.objects.filter(
        car_model_id=product_data.car_model_id, status=ProductData.Status.PUBLISHED
    ).update(status=ProductData.Status.ARCHIVED, updated_at=timezone.now())
    product_data.status = ProductData.Status.PUBLISHED
    product_data.published_at = timezone.now()
    product_data.published_by = by if getattr(by, "is_authenticated", False) else None
    product_data.compile_progress = _("Compilée et publiée.")
    product_data.save(
        update_fields=["status", "published_at", "published_by", "compile_progress", "updated_at"]
    )
    transaction.on_commit(partial(_announce_published, product_data.pk))


def _announce_published(product_data_id: int) -> None:
    """Tell the listeners; one that fails is logged and never undoes the publication."""
    published = (
        ProductData.objects.filter(pk=product_data_id, status=ProductData.Status.PUBLISHED)
        .values_list("car_model__code", "document")
        .first()
    )
    if published is None:  # already replaced by a later publication
        return
    model_code, document = published
    for receiver, answer in product_data_published.send_robust(
        sender=ProductData, model_code=model_code, document=document
    ):
        if isinstance(answer, Exception):
            logger.error("product_data_published: %r failed", receiver, exc_info=answer)


def product_data_publish_request(*, product_data_id: int, by: Any = None) -> None:
    """Ask for a draft to be published: it becomes « publication en cours » at once and a
    background task compiles every market, then publishes it (``product_data_publish``)."""
    from .tasks import product_data_publish_task

    claimed = ProductData.objects.filter(
        pk=product_data_id, status=ProductData.Status.DRAFT
    ).update(
        status=ProductData.Status.PUBLISHING,
        compile_progress=_("En attente de compilation…"),
        updated_at=timezone.now(),
    )
    if not claimed:
        raise ValidationError(_("Cette révision n'est pas un brouillon."), code="not_draft")
    by_id = by.pk if getattr(by, "is_authenticated", False) else None
    transaction.on_commit(lambda: product_data_publish_task.enqueue(product_data_id, by_id))


def _progress(product_data_id: int) -> Callable[[str], None]:
    def report(text: str) -> None:
        ProductData.objects.filter(pk=product_data_id).update(compile_progress=text[:200])

    return report


def product_data_publish(*, product_data_id: int, by: Any = None) -> ProductData:
    """Compile every market of a draft (or a revision being published) with no lock held, then
    in one short transaction store the compiled forms and make it the revision buyers configure;
    the one published before is archived (its saved configurations stay readable). If it does
    not compile, it goes back to draft with the reason, and nothing else changes."""
    product_data = ProductData.objects.get(pk=product_data_id)
    publishable = (ProductData.Status.DRAFT, ProductData.Status.PUBLISHING)
    if product_data.status not in publishable:
        raise ValidationError(_("Cette révision n'est pas un brouillon."), code="not_draft")
    rule_base, problems = parse_rule_base(
        orjson.dumps(product_data.document), max_bytes=STORED_MAX_BYTES
    )
    try:
        if rule_base is None:
            raise ProductDataError(problems)
        if rule_base.code != product_data.car_model.code:
            raise ProductDataError(
                [Problem("wrong_model", _("Ces données décrivent un autre modèle."), "code")]
            )
        forms = _compile_markets(rule_base, _progress(product_data_id))
    except ProductDataError as error:
        ProductData.objects.filter(pk=product_data_id, status=ProductData.Status.PUBLISHING).update(
            status=ProductData.Status.DRAFT,
            compile_progress=(_("Échec : ") + " ".join(p.message for p in error.problems))[:200],
        )
        raise
    with transaction.atomic():
        # Two publications of one model wait for each other: the last one wins, cleanly.
        car_model_lock(product_data.car_model_id)
        product_data = ProductData.objects.select_for_update().get(pk=product_data_id)
        if product_data.status not in publishable:
            raise ValidationError(_("Cette révision n'est pas un brouillon."), code="not_draft")
        _make_published(product_data, forms, by)
    return product_data


def product_data_new_draft(*, product_data: ProductData) -> ProductData:
    """A draft copy of a revision, to edit the published data without touching it."""
    document = ProductData.objects.values_list("document", flat=True).get(pk=product_data.pk)
    data = orjson.dumps(document)
    return product_data_create(
        car_model=product_data.car_model,
        data=data,
        checked=product_data_check(
            car_model=product_data.car_model, data=data, max_bytes=STORED_MAX_BYTES
        ),
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

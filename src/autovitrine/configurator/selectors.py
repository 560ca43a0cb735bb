"""Reads of the configurator: the published product data of a model, and what the buyer's page
shows after each choice (possible values, price, label, the fix of an impossible pick)."""

from __future__ import annotations

import base64
import hashlib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from autovitrine.catalog.selectors import EnvironmentalLabel, label_for, malus_scale_on
from autovitrine.core.money import Price, group_thousands
from autovitrine.pricing.selectors import BuiltCar, representative_example

from .engine import (
    NONE,
    Change,
    Completion,
    Configurator,
    Explanation,
    Possibilities,
    PriceBreakdown,
)
from .engine.configurator import Choice
from .engine.model import Amount, Family, Option, Pack, RuleBase
from .models import ProductData, SavedConfiguration, SelectionState
from .services import Pair, SummaryLine, configurator_for, summary_lines

# A page's query string holds at most this many choices (a real car has a few hundred names).
MAX_CHOICES = 500


def share_url(code: str) -> str:
    """The short public link of a saved configuration (also printed as its QR code)."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("configuration_share", args=[code])


def saved_configuration(code: str) -> SavedConfiguration | None:
    return (
        SavedConfiguration.objects.select_related("product_data__car_model__brand")
        .defer("product_data__document", "product_data__problems")
        .filter(code=code[:16])
        .first()
    )


def configurable_models() -> QuerySet[ProductData]:
    """The published revisions of the published models, in the range's order."""
    return (
        ProductData.objects.filter(
            status=ProductData.Status.PUBLISHED, car_model__is_published=True
        )
        # Pages read the compiled form, never the document (up to 10 MB) nor its report.
        .defer("document", "problems")
        .select_related("car_model__brand")
        .order_by("car_model__position")
    )


def saved_configuration_text(saved: SavedConfiguration) -> str:
    """The saved car in plain text for a dealer's lead: its link first (a long list may be cut)."""
    title = _("Configuration %(brand)s %(model)s (%(url)s) :") % {
        "brand": saved.summary["brand"],
        "model": saved.summary["model"],
        "url": share_url(saved.code),
    }
    lines = [f"- {line['title']} : {line['label']}" for line in saved.summary["lines"]]
    return "\n".join([title, *lines])


def saved_configurations_of(user: Any, codes: Sequence[str]) -> list[SavedConfiguration]:
    """A buyer's configurations: their account's, and those saved anonymously with ``codes``
    (this browser's) that no account has claimed."""
    anonymous = Q(code__in=list(codes), customer__isnull=True)
    mine = Q(customer=user) | anonymous if getattr(user, "is_authenticated", False) else anonymous
    return list(
        SavedConfiguration.objects.filter(mine)
        .select_related("product_data")
        .defer("product_data__document", "product_data__problems")[:50]
    )


def published_product_data(model_code: str) -> ProductData | None:
    return configurable_models().filter(car_model__code=model_code).first()


def upcoming_product_data_document(model_code: str) -> dict[str, Any] | None:
    """The document of a model's newest revision not yet published (a draft, or one being
    published), for head office to link what it is about to publish; ``None`` if there is none."""
    return (
        ProductData.objects.filter(
            car_model__code=model_code,
            status__in=(ProductData.Status.DRAFT, ProductData.Status.PUBLISHING),
        )
        .order_by("-revision")
        .values_list("document", flat=True)
        .first()
    )


# --- choices as the page's links carry them: c=trim:gt&c=heated-seats:1 -----------------------


def choice_text(value: Choice) -> str:
    """A value as links and the API write it: its code, ``1``/``0`` for an option or pack."""
    return str(int(value)) if isinstance(value, bool) else value


def choice_token(name: str, value: Choice) -> str:
    return f"{name}:{choice_text(value)}"


def choice_value(configurator: Configurator, token: str) -> Pair | None:
    """``trim:gt`` → ``("trim", "gt")``, ``roof:1`` → ``("roof", True)``; ``None`` for a name
    or value this product data does not know."""
    name, _sep, text = token.partition(":")
    rule_base = configurator.rule_base
    family = rule_base.family_by_code.get(name)
    if family is not None:
        return (name, text) if text in family.codes else None
    if name in rule_base.boolean_by_code and text in ("0", "1"):
        return name, text == "1"
    return None


def choices_parse(configurator: Configurator, tokens: Iterable[str]) -> tuple[list[Pair], int]:
    """The buyer's choices in their order (a name chosen again moves to the end), and how many
    tokens named nothing this product data knows (dropped, not an error: old links)."""
    chosen: dict[str, Choice] = {}
    dropped = 0
    for token in list(tokens)[:MAX_CHOICES]:
        pair = choice_value(configurator, token)
        if pair is None:
            dropped += 1
            continue
        chosen.pop(pair[0], None)
        chosen[pair[0]] = pair[1]
    return list(chosen.items()), dropped


def choices_with(choices: Sequence[Pair], name: str, value: Choice) -> list[Pair]:
    return [*((n, v) for n, v in choices if n != name), (name, value)]


def choices_query(choices: Sequence[Pair], **extra: str | int) -> str:
    return urlencode([*(("c", choice_token(n, v)) for n, v in choices), *extra.items()])


# --- selection states: one short id per (revision, choices) --------------------------------------


def selection_key(product_data_id: int, tokens: Sequence[str]) -> str:
    digest = hashlib.blake2b(
        f"{product_data_id}|{'~'.join(tokens)}".encode(), digest_size=12
    ).digest()
    return base64.urlsafe_b64encode(digest).decode()


def selection_tokens(product_data: ProductData, key: str) -> list[str] | None:
    """The choices saved under ``key`` for this revision; ``None`` for an unknown id."""
    tokens = (
        SelectionState.objects.filter(key=key[:24], product_data_id=product_data.pk)
        .values_list("tokens", flat=True)
        .first()
    )
    return list(tokens) if tokens is not None else None


def selection_remember(product_data: ProductData, choices: Sequence[Pair]) -> str:
    """The id of these choices, stored the first time (one statement, no conflict possible:
    the id is the choices' hash)."""
    tokens = [choice_token(name, value) for name, value in choices]
    key = selection_key(product_data.pk, tokens)
    SelectionState.objects.bulk_create(
        [SelectionState(key=key, product_data_id=product_data.pk, tokens=tokens)],
        ignore_conflicts=True,
    )
    return key


# --- the page's state ------------------------------------------------------------------------------

# A family with more values than this is folded once chosen (« Changer ») so a page stays light.
FOLD_ABOVE_VALUES = 12


@dataclass(frozen=True, slots=True)
class ValueView:
    """One value as the page shows it; ``query`` is the link that picks it (directly when it
    goes with the other choices, else through the proposed change and its cost)."""

    label: str
    possible: bool
    selected: bool
    by_buyer: bool
    price_ttc: int
    included_in: str
    query: str
    needs_change: bool = False


@dataclass(frozen=True, slots=True)
class GroupView:
    """A family (values to choose from) or an option or pack (one value, on or off).
    ``forced``: the buyer's choices leave it one value (shown « inclus », folded);
    ``folded``: a long family already chosen, its values behind ``open_query``."""

    name: str
    label: str
    is_boolean: bool
    values: tuple[ValueView, ...]
    chosen_label: str = ""
    forced: bool = False
    folded: bool = False
    open_query: str = ""


@dataclass(frozen=True, slots=True)
class StepView:
    key: str
    title: str
    groups: tuple[GroupView, ...]
    query: str

    @property
    def open_groups(self) -> tuple[GroupView, ...]:
        return tuple(group for group in self.groups if not group.forced)

    @property
    def forced_groups(self) -> tuple[GroupView, ...]:
        return tuple(group for group in self.groups if group.forced)


@dataclass(frozen=True, slots=True)
class ChangeLine:
    section: str
    title: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class ProposedChange:
    """What accepting a change does, before it is accepted: the buyer's own choices that change
    (first), the consequences the rules force (folded), price, CO2 and malus before → after."""

    own: tuple[ChangeLine, ...]
    consequences: tuple[ChangeLine, ...]
    price_before: int
    price_after: int
    co2_before: int
    co2_after: int
    malus_before: int
    malus_after: int

    @property
    def price_difference(self) -> int:
        return self.price_after - self.price_before

    @property
    def own_by_section(self) -> list[tuple[str, list[ChangeLine]]]:
        return _by_section(self.own)

    @property
    def consequences_by_section(self) -> list[tuple[str, list[ChangeLine]]]:
        return _by_section(self.consequences)


def _by_section(lines: Sequence[ChangeLine]) -> list[tuple[str, list[ChangeLine]]]:
    grouped: dict[str, list[ChangeLine]] = {}
    for line in lines:
        grouped.setdefault(line.section, []).append(line)
    return list(grouped.items())


@dataclass(frozen=True, slots=True)
class Trial:
    """A value the buyer tapped that needs other changes: why, what to change, what it costs."""

    label: str
    explanation: Explanation | None
    change: Change | None
    accept_query: str
    cost: ProposedChange | None = None


@dataclass(frozen=True, slots=True)
class Recap:
    """What only the summary step shows: the lines, the counts, the cheapest car with the
    buyer's choices (``cheapest_ttc`` ``None`` when the car shown is the cheapest already, or
    ``cheapest_ready`` false while it is being computed in the background)."""

    lines: list[SummaryLine]
    count: int
    total_count: int
    cheapest_ready: bool
    cheapest_ttc: int | None
    cheapest_query: str

    @property
    def count_text(self) -> str:
        return group_thousands(self.count)

    @property
    def total_count_text(self) -> str:
        return group_thousands(self.total_count)


@dataclass(frozen=True)
class ConfigurationState:
    product_data: ProductData
    choices: list[Pair]
    price: PriceBreakdown
    co2_g_km: int
    label: EnvironmentalLabel
    monthly_cents: int | None  # None: no lawful representative example (then no monthly amount)
    steps: list[StepView]
    step_index: int
    key: str = ""
    recap: Recap | None = None
    dropped: int = 0
    adjusted: Change | None = None
    trial: Trial | None = None
    search: str = ""
    found: tuple[tuple[str, str, str], ...] = ()
    # The complete car (every name's value) and each chosen value's label: its picture.
    configuration: dict[str, Choice] | None = None
    labels: dict[str, str] | None = None

    @property
    def step(self) -> StepView:
        return self.steps[self.step_index]

    @property
    def previous(self) -> StepView | None:
        return self.steps[self.step_index - 1] if self.step_index > 0 else None

    @property
    def next(self) -> StepView | None:
        return self.steps[self.step_index + 1] if self.step_index + 1 < len(self.steps) else None

    @property
    def credit_example(self) -> Any:
        """The full representative example behind the monthly amount (L312-6), or ``None``
        when none may be advertised (L314-6): then the page shows neither."""
        return representative_example(price_cents=self.price.ttc)

    @property
    def tokens(self) -> list[str]:
        return [choice_token(name, value) for name, value in self.choices]

    @property
    def step_query(self) -> str:
        return urlencode({"e": self.key, "etape": self.step_index})


def monthly_hint(price_ttc: int) -> int | None:
    """The monthly amount of the representative example (``pricing.financing``, L312-6): the
    bar shows it only next to the example's every figure. ``None`` when the example may not be
    advertised (its TAEG reaches the usury ceiling, L314-6): no monthly amount anywhere."""
    example = representative_example(price_cents=price_ttc)
    return example.monthly_payment_cents if example is not None else None


Outline = list[tuple[str, str, Sequence[Family | Option | Pack]]]


def _outline(rule_base: RuleBase) -> Outline:
    """The steps: one per section the rule base declares (families in no section last), else
    one per family; then options and packs when there are any, then the summary."""
    steps: Outline
    if rule_base.sections:
        placed = {code for section in rule_base.sections for code in section.families}
        steps = [
            (
                section.code,
                section.label,
                tuple(rule_base.family_by_code[code] for code in section.families),
            )
            for section in rule_base.sections
        ]
        rest = tuple(family for family in rule_base.families if family.code not in placed)
        if rest:
            steps.append(("autres", _("Autres choix"), rest))
    else:
        steps = [(family.code, family.label, (family,)) for family in rule_base.families]
    if rule_base.options:
        steps.append(("options", _("Options"), rule_base.options))
    if rule_base.packs:
        steps.append(("packs", _("Packs"), rule_base.packs))
    steps.append(("recap", _("Récapitulatif"), ()))
    return steps


def _section_of(rule_base: RuleBase, outline: Outline) -> dict[str, str]:
    return {item.code: title for _key, title, items in outline for item in items}


def _sold(configurator: Configurator, name: str, value: Choice) -> bool:
    """Whether some configuration has this value at all: a dead value is hidden from buyers."""
    return configurator.possible().allows(name, value)


def _steps(
    configurator: Configurator,
    outline: Outline,
    choices: list[Pair],
    configuration: dict[str, Choice],
    step_index: int,
    key: str,
    opened: str,
) -> list[StepView]:
    """Every step with its link; the values (and their links) of the current step only."""
    rule_base = configurator.rule_base
    by_buyer = dict(choices)
    possible = configurator.possible(by_buyer)
    covered = rule_base.pack_coverage
    bought = {code for code in rule_base.pack_by_code if configuration.get(code) is True}

    def link(**extra: str | int) -> str:
        return urlencode({"e": key, **extra})

    def pack_label(name: str, value: Choice) -> str:
        pack = next((p for p in covered.get((name, value), ()) if p in bought), None)
        return rule_base.pack_by_code[pack].label if pack else ""

    def view(
        name: str,
        value: Choice,
        label: str,
        price: Amount | None,
        selected: bool,
        replaceable: Possibilities,
    ) -> ValueView:
        """A value to pick (a family's value, or an option or pack's switch to ``value``):
        possible with the other choices (replacing this one's), or through a proposed change."""
        direct = possible.allows(name, value) or replaceable.allows(name, value)
        included = pack_label(name, True if isinstance(value, bool) else value)
        chosen = configuration.get(price.by) if price and price.by else None
        amount = price.for_value(chosen if isinstance(chosen, str) else None) if price else 0
        return ValueView(
            label=label,
            possible=True,
            selected=selected,
            by_buyer=by_buyer.get(name) == value
            if not isinstance(value, bool)
            else name in by_buyer,
            price_ttc=0 if included else Price.from_ht(amount).ttc,
            included_in=included,
            query=link(v=choice_token(name, value), etape=step_index),
            needs_change=not direct,
        )

    def without(name: str) -> Possibilities:
        """What the other choices allow for ``name`` once the buyer's own choice of it is
        dropped: every such value can replace it directly."""
        if name not in by_buyer:
            return possible
        return configurator.possible({n: v for n, v in by_buyer.items() if n != name})

    def group(item: Family | Option | Pack) -> GroupView | None:
        if isinstance(item, Family):
            sold = [code for code in item.codes if _sold(configurator, item.code, code)]
            if not sold:
                return None
            current = configuration.get(item.code)
            chosen_label = (
                rule_base.label_of(item.code, current) if isinstance(current, str) else ""
            )
            forced = item.code not in by_buyer and len(possible.values.get(item.code, ())) == 1
            folded = len(sold) > FOLD_ABOVE_VALUES and item.code in by_buyer and opened != item.code
            if forced or folded:
                values: tuple[ValueView, ...] = ()
            else:
                replaceable = without(item.code)
                values = tuple(
                    view(
                        item.code,
                        code,
                        value.label if value else _("Aucun(e)"),
                        value.price if value else None,
                        current == code,
                        replaceable,
                    )
                    for code, value in ((code, item.value(code)) for code in sold)
                )
            return GroupView(
                item.code,
                item.label,
                False,
                values,
                chosen_label=chosen_label,
                forced=forced,
                folded=folded,
                open_query=link(etape=step_index, ouvrir=item.code),
            )
        on = configuration.get(item.code) is True
        if not _sold(configurator, item.code, not on):
            # Always on or never sold: nothing to switch (shown « inclus » when it is on).
            return (
                GroupView(item.code, item.label, True, (), chosen_label=item.label, forced=True)
                if on
                else None
            )
        return GroupView(
            item.code,
            item.label,
            True,
            (view(item.code, not on, item.label, item.price, on, without(item.code)),),
            chosen_label=item.label if on else "",
        )

    steps = []
    for index, (step_key, title, items) in enumerate(outline):
        groups: tuple[GroupView, ...] = ()
        if index == step_index:
            groups = tuple(g for g in (group(item) for item in items) if g is not None)
        steps.append(StepView(step_key, title, groups, link(etape=index)))
    return steps


def _proposed_change(
    configurator: Configurator,
    outline: Outline,
    before: Completion,
    change: Change,
    wanted: Pair,
) -> ProposedChange | None:
    after = configurator.default_completion(change.selection)
    if after is None:
        return None
    rule_base = configurator.rule_base
    sections = _section_of(rule_base, outline)

    def line(name: str, old: Choice, new: Choice) -> ChangeLine:
        family = rule_base.family_by_code.get(name)
        title = family.label if family else rule_base.boolean_by_code[name].label
        if family is None:
            return ChangeLine(
                sections.get(name, ""),
                title,
                _("oui") if old is True else _("non"),
                _("oui") if new is True else _("non"),
            )
        return ChangeLine(
            sections.get(name, ""),
            title,
            rule_base.label_of(name, old),
            rule_base.label_of(name, new),
        )

    own = [line(c.name, c.old, c.new) for c in change.changes]
    wanted_name, wanted_value = wanted
    own.append(line(wanted_name, before.configuration[wanted_name], wanted_value))
    touched = {wanted_name, *(c.name for c in change.changes)}
    consequences = tuple(
        line(name, before.configuration[name], after.configuration[name])
        for name in rule_base.names
        if name not in touched and before.configuration[name] != after.configuration[name]
    )
    scale = malus_scale_on()
    return ProposedChange(
        own=tuple(own),
        consequences=consequences,
        price_before=before.price.ttc,
        price_after=after.price.ttc,
        co2_before=before.co2_g_km,
        co2_after=after.co2_g_km,
        malus_before=label_for(version=None, co2_g_km=before.co2_g_km, scale=scale).malus_cents,
        malus_after=label_for(version=None, co2_g_km=after.co2_g_km, scale=scale).malus_cents,
    )


def configuration_state(
    product_data: ProductData,
    tokens: Iterable[str] = (),
    *,
    step: str | int | None = None,
    trial: str = "",
    state_key: str = "",
    opened: str = "",
    search: str = "",
) -> ConfigurationState:
    """Everything the buyer's page shows for these choices (``state_key``, else ``tokens``),
    after the tap ``trial`` (``name:value``): a value that goes with the other choices replaces
    the buyer's own choice of that name; one that needs other changes shows why, the smallest
    change and its cost. Then the complete car (defaults for the rest), price, label, steps."""
    configurator = configurator_for(product_data)
    stored = selection_tokens(product_data, state_key) if state_key else None
    choices, dropped = choices_parse(configurator, stored if stored is not None else tokens)
    if state_key and stored is None:
        dropped += 1
    adjusted = None
    if choices and not configurator.is_valid(dict(choices)):
        # An old or edited link: propose the smallest repair rather than an error.
        adjusted = configurator.repair(dict(choices))
        choices = list(adjusted.selection.items()) if adjusted else []
    outline = _outline(configurator.rule_base)
    text = str(step or "")[:4]
    step_index = min(int(text), len(outline) - 1) if text.isdecimal() else 0
    tried = None
    pair = choice_value(configurator, trial) if trial else None
    if trial and pair is None:
        dropped += 1
    if pair is not None:
        name, value = pair
        others = {n: v for n, v in choices if n != name}
        if configurator.is_valid({**others, name: value}):
            choices = choices_with(choices, name, value)
        else:
            tried = pair
    selection = dict(choices)
    completion = configurator.default_completion(selection)
    assert completion is not None  # the choices are consistent, and the rule base has a car
    key = selection_remember(product_data, choices)
    price = completion.price
    found: tuple[tuple[str, str, str], ...] = ()
    needle = _folded(search.strip())[:60]
    if needle:
        found = tuple(
            (family.label, title, urlencode({"e": key, "etape": index}) + f"#cfg-g-{family.code}")
            for index, (_key, title, items) in enumerate(outline)
            for family in items
            if isinstance(family, Family) and needle in _folded(family.label)
        )[:30]
    return ConfigurationState(
        product_data=product_data,
        choices=choices,
        price=price,
        co2_g_km=completion.co2_g_km,
        label=label_for(version=None, co2_g_km=completion.co2_g_km, scale=malus_scale_on()),
        monthly_cents=monthly_hint(price.ttc),
        steps=_steps(
            configurator, outline, choices, completion.configuration, step_index, key, opened
        ),
        step_index=step_index,
        key=key,
        recap=_recap(product_data, configurator, choices, completion, step_index, key)
        if outline[step_index][0] == "recap"
        else None,
        dropped=dropped,
        adjusted=adjusted,
        trial=_trial(product_data, configurator, outline, choices, completion, tried, step_index)
        if tried
        else None,
        search=search.strip()[:60],
        found=found,
        configuration=completion.configuration,
        labels=configuration_labels(configurator, completion.configuration),
    )


def configuration_labels(
    configurator: Configurator, configuration: dict[str, Choice]
) -> dict[str, str]:
    """The label of each chosen value (« Jantes alliage 19 pouces »), by name: the car's
    picture reads paint, wheels and roof from them."""
    rule_base = configurator.rule_base
    return {
        name: rule_base.label_of(name, value)
        for name, value in configuration.items()
        if name in rule_base.family_by_code or value is True
    }


def _folded(text: str) -> str:
    """Lower case without accents: « equipement » finds « Équipements »."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _trial(
    product_data: ProductData,
    configurator: Configurator,
    outline: Outline,
    choices: list[Pair],
    completion: Completion,
    pair: Pair,
    step_index: int,
) -> Trial:
    name, value = pair
    selection = dict(choices)
    label = configurator.rule_base.named_label_of(name, value)
    explanation = configurator.explain(selection, name, value)
    change = configurator.smallest_change(selection, name, value)
    if change is None:
        return Trial(label, explanation, None, "")
    accept_key = selection_remember(product_data, list(change.selection.items()))
    return Trial(
        label,
        explanation,
        change,
        urlencode({"e": accept_key, "etape": step_index}),
        _proposed_change(configurator, outline, completion, change, pair),
    )


def cheapest_cache_key(product_data: ProductData, key: str) -> str:
    return f"configurator:cheapest:{product_data.pk}:{key}"


def cheapest_for(product_data: ProductData, key: str) -> dict[str, Choice] | None:
    """The cheapest complete car with these choices, if computed already (by a background task,
    ``configurator.tasks.cheapest_compute``)."""
    return cache.get(cheapest_cache_key(product_data, key))


def _recap(
    product_data: ProductData,
    configurator: Configurator,
    choices: list[Pair],
    completion: Completion,
    step_index: int,
    key: str,
) -> Recap:
    selection = dict(choices)
    cheapest = cheapest_for(product_data, key)
    cheapest_ttc = None
    cheapest_query = ""
    if cheapest is None:
        from .tasks import cheapest_compute

        # MaxSAT takes from milliseconds to a second on a real base: never in the request.
        if cache.add(cheapest_cache_key(product_data, key) + ":running", True, 120):
            cheapest_compute.enqueue(product_data.pk, key)
        cheapest = cheapest_for(product_data, key)  # the tests' backend runs it at once
    if cheapest is not None:
        price = configurator.price(cheapest).ttc
        if price < completion.price.ttc:
            cheapest_ttc = price
            rest = [(name, value) for name, value in cheapest.items() if name not in selection]
            cheapest_query = choices_query([*choices, *rest], etape=step_index)
    return Recap(
        lines=summary_lines(configurator, completion.configuration),
        count=configurator.count(selection),
        total_count=configurator.count(),
        cheapest_ready=cheapest is not None,
        cheapest_ttc=cheapest_ttc,
        cheapest_query=cheapest_query,
    )


# --- saved configurations, read again ------------------------------------------------------


@dataclass(frozen=True)
class SavedCheck:
    """A saved configuration against the product data buyers configure today."""

    current: ProductData | None
    problems: list[str]
    price_ttc_now: int | None
    resume_query: str

    @property
    def holds(self) -> bool:
        return self.current is not None and not self.problems


def saved_configuration_check(saved: SavedConfiguration) -> SavedCheck:
    """Whether the saved car can still be built as it is, and if not, in French, what no
    longer holds; the link to resume configuring proposes the smallest repair."""
    current = published_product_data(saved.product_data.car_model.code)
    if current is None:
        return SavedCheck(None, [_("Ce modèle ne se configure plus en ligne.")], None, "")
    configurator = configurator_for(current)
    labels = {line["name"]: line["label"] for line in saved.summary.get("lines", [])}
    problems: list[str] = []
    known: dict[str, Choice] = {}
    for name, value in saved.configuration.items():
        pair = choice_value(configurator, choice_token(name, value))
        if pair is None:
            if value is not False and value != NONE:
                problems.append(
                    _("« %(label)s » n'est plus proposé.") % {"label": labels.get(name, name)}
                )
            continue
        known[name] = pair[1]
    for family in configurator.rule_base.families:
        if family.code not in saved.configuration:  # a family added since
            problems.append(
                _("« %(family)s » : un nouveau choix est à faire.") % {"family": family.label}
            )
    problems += [reason[:1].upper() + reason[1:] + "." for reason in configurator.violations(known)]
    choices = [
        pair
        for pair in (choice_value(configurator, choice_token(n, v)) for n, v in saved.choices)
        if pair is not None
    ]
    price_now = None
    if not problems:
        complete = {name: known.get(name, False) for name in configurator.rule_base.names}
        price_now = configurator.price(complete).ttc
    elif (repair := configurator.repair(dict(choices))) is not None:
        choices = list(repair.selection.items())
    return SavedCheck(current, problems, price_now, choices_query(choices))


def configuration_built_car(saved: SavedConfiguration, check: SavedCheck) -> BuiltCar:
    """The saved car as an order builds it, priced by today's product data (``check``, from
    ``saved_configuration_check``); a configuration that no longer holds cannot be ordered."""
    if not check.holds or check.current is None:
        raise ValidationError(
            _("Cette configuration ne peut plus être commandée telle quelle : reprenez-la."),
            code="configuration",
        )
    configurator = configurator_for(check.current)
    names = configurator.rule_base.names
    configuration = {name: saved.configuration.get(name, False) for name in names}
    car_model = check.current.car_model
    summary = summary_lines(configurator, configuration)
    base = configurator.rule_base.base_price_ht
    lines = [("vehicle", f"{car_model.brand.name} {car_model.name}", base)]
    # Values without extra cost (or inside a pack) are listed with the car, not priced.
    lines += [("option", line.label, line.amount_ht) for line in summary if line.amount_ht]
    return BuiltCar(
        make=car_model.brand.name,
        model=car_model.name,
        version=", ".join(line.label for line in summary[:2]),
        lines=tuple(lines),
        co2_g_km=configurator.co2(configuration),
        options=tuple(line.label for line in summary if configuration[line.name] != NONE),
        # What was chosen, frozen with the order: what other apps credit (community ideas).
        extra={
            "configuration_code": saved.code,
            "model_code": car_model.code,
            "configuration": configuration,
        },
    )


# --- product data as head office reads it before publishing ----------------------------------


def _amount_text(amount: object) -> str:
    if isinstance(amount, int):
        return f"{group_thousands(amount // 100)} € HT" if amount else ""
    if isinstance(amount, dict):
        return _("%(default)s € HT (selon %(by)s)") % {
            "default": group_thousands(int(amount.get("default", 0)) // 100),
            "by": amount.get("by", ""),
        }
    return ""


@dataclass(frozen=True, slots=True)
class DocumentOutline:
    """A rule base document as head office reads it: families and values with prices, options,
    packs, rules in words, tables with their row counts."""

    families: list[tuple[str, str, list[tuple[str, str, str]]]]
    booleans: list[tuple[str, str, str, str]]
    rules: list[tuple[str, str, str]]
    tables: list[tuple[str, str, str, int]]
    sections: list[tuple[str, str]]


def document_outline(document: dict[str, Any]) -> DocumentOutline:
    families = [
        (
            family["code"],
            family["label"],
            [
                (value["code"], value["label"], _amount_text(value.get("price_ht", 0)))
                for value in family["values"]
            ],
        )
        for family in document.get("families", [])
    ]
    booleans = [
        (item["code"], item["label"], kind, _amount_text(item.get("price_ht", 0)))
        for kind, section in ((_("option"), "options"), (_("pack"), "packs"))
        for item in document.get(section, [])
    ]
    rules = [
        (
            rule["id"],
            _("impose") if rule["kind"] == "requires" else _("exclut"),
            rule.get("text") or f"{' & '.join(rule['if'])} → {' & '.join(rule['then'])}",
        )
        for rule in document.get("rules", [])
    ]
    tables = [
        (table["id"], table.get("label", ""), ", ".join(table["families"]), len(table["rows"]))
        for table in document.get("tables", [])
    ]
    sections = [
        (section["label"], ", ".join(section["families"]))
        for section in document.get("sections", [])
    ]
    return DocumentOutline(families, booleans, rules, tables, sections)


def document_diff(published: dict[str, Any], draft: dict[str, Any]) -> list[str]:
    """What publishing ``draft`` changes for buyers compared with ``published``, in French,
    one line per change (families, values and their prices, options, packs, rules, tables)."""
    lines: list[str] = []

    def by_code(items: Iterable[dict[str, Any]], key: str = "code") -> dict[str, dict[str, Any]]:
        return {item[key]: item for item in items}

    old_families, new_families = (
        by_code(published.get("families", [])),
        by_code(draft.get("families", [])),
    )
    for code in new_families.keys() - old_families.keys():
        lines.append(_("Famille ajoutée : %(label)s") % {"label": new_families[code]["label"]})
    for code in old_families.keys() - new_families.keys():
        lines.append(_("Famille retirée : %(label)s") % {"label": old_families[code]["label"]})
    for code in old_families.keys() & new_families.keys():
        old_values = by_code(old_families[code]["values"])
        new_values = by_code(new_families[code]["values"])
        family = new_families[code]["label"]
        for value in new_values.keys() - old_values.keys():
            lines.append(
                _("%(family)s : valeur ajoutée « %(label)s »")
                % {"family": family, "label": new_values[value]["label"]}
            )
        for value in old_values.keys() - new_values.keys():
            lines.append(
                _("%(family)s : valeur retirée « %(label)s »")
                % {"family": family, "label": old_values[value]["label"]}
            )
        for value in old_values.keys() & new_values.keys():
            before, after = old_values[value], new_values[value]
            if before.get("price_ht", 0) != after.get("price_ht", 0):
                lines.append(
                    _("%(family)s : prix de « %(label)s » %(before)s → %(after)s")
                    % {
                        "family": family,
                        "label": after["label"],
                        "before": _amount_text(before.get("price_ht", 0)) or "0 € HT",
                        "after": _amount_text(after.get("price_ht", 0)) or "0 € HT",
                    }
                )
    for section, what in (("options", _("Option")), ("packs", _("Pack"))):
        old, new = by_code(published.get(section, [])), by_code(draft.get(section, []))
        for code in new.keys() - old.keys():
            lines.append(
                _("%(what)s ajouté(e) : %(label)s") % {"what": what, "label": new[code]["label"]}
            )
        for code in old.keys() - new.keys():
            lines.append(
                _("%(what)s retiré(e) : %(label)s") % {"what": what, "label": old[code]["label"]}
            )
        for code in old.keys() & new.keys():
            if old[code] != new[code]:
                lines.append(
                    _("%(what)s modifié(e) : %(label)s")
                    % {"what": what, "label": new[code]["label"]}
                )
    for section, what in (("rules", _("Règle")), ("tables", _("Tableau"))):
        old, new = by_code(published.get(section, []), "id"), by_code(draft.get(section, []), "id")
        for code in sorted(new.keys() - old.keys()):
            lines.append(_("%(what)s ajouté(e) : %(id)s") % {"what": what, "id": code})
        for code in sorted(old.keys() - new.keys()):
            lines.append(_("%(what)s retiré(e) : %(id)s") % {"what": what, "id": code})
        for code in sorted(old.keys() & new.keys()):
            if old[code] == new[code]:
                continue
            if section == "tables":
                lines.append(
                    _("Tableau modifié : %(id)s (%(before)d → %(after)d lignes)")
                    % {
                        "id": code,
                        "before": len(old[code]["rows"]),
                        "after": len(new[code]["rows"]),
                    }
                )
            else:
                lines.append(_("Règle modifiée : %(id)s") % {"id": code})
    if published.get("base_price_ht", 0) != draft.get("base_price_ht", 0):
        lines.append(
            _("Prix de base : %(before)s → %(after)s")
            % {
                "before": _amount_text(published.get("base_price_ht", 0)),
                "after": _amount_text(draft.get("base_price_ht", 0)),
            }
        )
    return lines

"""On random small rule bases, every answer of the engine equals a brute-force enumeration."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autovitrine.configurator.engine import Configurator, RuleBase, dump_rule_base, parse_rule_base
from autovitrine.configurator.engine.model import (
    NONE,
    Amount,
    Default,
    Family,
    Literal,
    Option,
    Pack,
    Rule,
    Table,
    Value,
)

from .oracle import Oracle, extends, price_ht

# The engine alone, no database: once is enough (make test's PostgreSQL pass).
pytestmark = pytest.mark.database_free

MAX_CONFIGURATIONS = 1500
PROPERTIES = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def amounts(draw: st.DrawFn, families: list[Family], own: str | None) -> Amount:
    default = draw(st.sampled_from((0, 0, 100, 250, 700, 1200)))
    others = [family for family in families if family.code != own]
    if not others or draw(st.integers(0, 3)) > 0:
        return Amount(default=default)
    by = draw(st.sampled_from(others))
    listed = draw(st.lists(st.sampled_from(by.codes), unique=True, max_size=2))
    return Amount(
        default=default,
        by=by.code,
        values=tuple((code, draw(st.sampled_from((0, 50, 400)))) for code in listed),
    )


@st.composite
def literals(draw: st.DrawFn, families: list[Family], booleans: list[str]) -> Literal:
    if booleans and draw(st.integers(0, 2)) == 0:
        return Literal(draw(st.sampled_from(booleans)), negated=draw(st.booleans()))
    family = draw(st.sampled_from(families))
    values = draw(st.lists(st.sampled_from(family.codes), unique=True, min_size=1, max_size=2))
    return Literal(family.code, tuple(values), negated=draw(st.integers(0, 4)) == 0)


@st.composite
def rule_bases(draw: st.DrawFn) -> RuleBase:
    sizes = draw(st.lists(st.integers(2, 4), min_size=3, max_size=5))
    optional = [draw(st.integers(0, 3)) == 0 for _ in sizes]
    option_count = draw(st.integers(0, 3))
    pack_count = draw(st.integers(0, 2))

    def space() -> int:
        return math.prod(size + opt for size, opt in zip(sizes, optional, strict=True)) * 2 ** (
            option_count + pack_count
        )

    # Keep the brute force small: shrink the largest family, then drop booleans.
    while space() > MAX_CONFIGURATIONS:
        largest = max(range(len(sizes)), key=sizes.__getitem__)
        if sizes[largest] > 2:
            sizes[largest] -= 1
        elif pack_count:
            pack_count -= 1
        elif option_count:
            option_count -= 1
        else:
            optional = [False] * len(sizes)
    families: list[Family] = []
    for index, size in enumerate(sizes):
        families.append(
            Family(
                code=f"f{index}",
                label=f"Famille {index}",
                values=tuple(Value(code=code, label=f"F{index} {code}") for code in "abcd"[:size]),
                optional=optional[index],
            )
        )
    # Amounts may depend on another family: set them once every family exists.
    families = [
        Family(
            family.code,
            family.label,
            tuple(
                Value(
                    code=value.code,
                    label=value.label,
                    price=draw(amounts(families, family.code)),
                    co2=Amount(default=draw(st.integers(-3, 5))),
                    markets=draw(st.sampled_from((None, None, None, ("FR",), ("BE",)))),
                )
                for value in family.values
            ),
            family.optional,
        )
        for family in families
    ]
    options = [
        Option(
            code=f"o{index}",
            label=f"Option {index}",
            price=draw(amounts(families, None)),
            co2=Amount(default=draw(st.integers(0, 4))),
            markets=draw(st.sampled_from((None, None, ("FR",)))),
        )
        for index in range(option_count)
    ]
    packs: list[Pack] = []
    for index in range(pack_count):
        # Contents: options, earlier packs (no cycle), single family values.
        candidates = [Literal(option.code) for option in options] + [
            Literal(pack.code) for pack in packs
        ]
        candidates += [
            Literal(family.code, (code,)) for family in families for code in family.codes
        ]
        contents = draw(st.lists(st.sampled_from(candidates), unique=True, min_size=1, max_size=3))
        packs.append(
            Pack(
                code=f"p{index}",
                label=f"Pack {index}",
                contents=tuple(contents),
                price=draw(amounts(families, None)),
            )
        )
    booleans = [option.code for option in options] + [pack.code for pack in packs]
    rules = [
        Rule(
            id=f"r{index}",
            kind=draw(st.sampled_from(("requires", "excludes"))),
            conditions=tuple(draw(st.lists(literals(families, booleans), min_size=1, max_size=2))),
            targets=tuple(draw(st.lists(literals(families, booleans), min_size=1, max_size=2))),
        )
        for index in range(draw(st.integers(0, 4)))
    ]
    tables = []
    for index in range(draw(st.integers(0, 2))):
        columns = draw(
            st.lists(st.sampled_from(families), unique_by=lambda f: f.code, min_size=2, max_size=3)
        )
        combinations = [tuple(row) for row in _product([family.codes for family in columns])]
        rows = draw(
            st.lists(
                st.sampled_from(combinations), unique=True, min_size=1, max_size=len(combinations)
            )
        )
        if draw(st.booleans()):
            first = rows[0]
            column = draw(st.integers(0, len(columns) - 1))
            rows[0] = (*first[:column], "*", *first[column + 1 :])
        tables.append(
            Table(id=f"t{index}", families=tuple(f.code for f in columns), rows=tuple(rows))
        )
    defaults = []
    if draw(st.booleans()):
        single = [Literal(family.code, (code,)) for family in families for code in family.codes]
        single += [Literal(code, negated=negated) for code in booleans for negated in (False, True)]
        defaults.append(
            Default(when=(), choose=tuple(draw(st.lists(st.sampled_from(single), max_size=3))))
        )
        defaults.append(
            Default(
                when=(draw(st.sampled_from(single)),),
                choose=tuple(draw(st.lists(st.sampled_from(single), min_size=1, max_size=2))),
            )
        )
    return RuleBase(
        code="random",
        label="Base aléatoire",
        families=tuple(families),
        options=tuple(options),
        packs=tuple(packs),
        rules=tuple(rules),
        tables=tuple(tables),
        defaults=tuple(default for default in defaults if default.choose),
        markets=("FR", "BE"),
        base_price_ht=draw(st.sampled_from((0, 1_000_000))),
        co2_base_g_km=draw(st.integers(0, 150)),
    )


def _product(domains: list[tuple[str, ...]]) -> list[list[str]]:
    rows: list[list[str]] = [[]]
    for domain in domains:
        rows = [[*row, value] for row in rows for value in domain]
    return rows


@st.composite
def cases(draw: st.DrawFn) -> tuple[Configurator, Oracle, dict[str, str | bool]]:
    """A rule base compiled by the engine, its brute force, and a selection in buyer order."""
    rule_base = draw(rule_bases())
    market = draw(st.sampled_from((None, "FR")))
    configurator = Configurator.build(
        rule_base, market=market, encoding=draw(st.sampled_from(("log", "onehot")))
    )
    oracle = Oracle(rule_base, market)
    names = list(rule_base.names)
    order = draw(st.permutations(names))
    chosen = order[: draw(st.integers(0, len(names)))]
    if oracle.valid and draw(st.integers(0, 4)) > 0:
        # Mostly the choices of a valid configuration: a buyer who never met a conflict yet.
        reference = draw(st.sampled_from(oracle.valid))
        selection = {name: reference[name] for name in chosen}
    else:
        selection = {name: draw(st.sampled_from(_domain(rule_base, name))) for name in chosen}
    return configurator, oracle, selection


def _domain(rule_base: RuleBase, name: str) -> tuple[str | bool, ...]:
    family = rule_base.family_by_code.get(name)
    return family.codes if family else (False, True)


def _impossible(
    configurator: Configurator, selection: dict[str, str | bool], *, chosen_too: bool
) -> list[tuple[str, str | bool]]:
    """Values shown impossible; ``chosen_too`` includes the other values of chosen names
    (changing one's mind), which are possible once the old choice is replaced."""
    possible = configurator.possible(selection)
    return [
        (name, value)
        for name in configurator.names
        if chosen_too or name not in selection
        for value in _domain(configurator.rule_base, name)
        if not possible.allows(name, value)
    ]


@PROPERTIES
@given(rule_bases())
def test_random_rule_bases_survive_export_and_import(rule_base):
    # Given any rule base, when it is exported and imported again
    imported, problems = parse_rule_base(dump_rule_base(rule_base))

    # Then it is the same rule base
    assert problems == []
    assert imported == rule_base


@PROPERTIES
@given(cases())
def test_possible_values_counts_and_default_completion_match_brute_force(case):
    configurator, oracle, selection = case

    # When the engine says what remains possible after the selection
    possible = configurator.possible(selection)

    # Then exactly the values of the valid configurations extending it are possible
    completions = oracle.valid_extending(selection)
    assert possible.consistent == bool(completions)
    for name in configurator.names:
        expected = {configuration[name] for configuration in completions}
        assert set(possible.values[name]) == expected, name
    assert configurator.count(selection) == len(completions)
    assert configurator.count() == len(oracle.valid)
    assert configurator.is_valid(selection) == bool(completions)

    # And the default completion is a valid configuration extending the selection
    default = configurator.default_completion(selection)
    if completions:
        assert default is not None
        assert default.configuration in oracle.valid
        assert extends(default.configuration, selection)
        assert default.configuration == greedy_default(configurator, oracle, selection)
    else:
        assert default is None


def greedy_default(configurator, oracle, selection):
    """The documented rule by brute force: name by name in declared order, the rule base's
    default when some valid configuration still takes it, else the first such value."""
    chosen = dict(selection)
    for name in configurator.names:
        if name in chosen:
            continue
        block = configurator.blocks[configurator.block_of[name]]
        preferred = configurator._default_for(name, chosen)
        if block.is_family and NONE in block.values and preferred is None:
            preferred = NONE
        candidates = [preferred] if preferred is not None else []
        candidates += [value for value in block.values if value != preferred]
        takes = {c[name] for c in oracle.valid_extending(chosen)}
        chosen[name] = next(value for value in candidates if value in takes)
    return chosen


@PROPERTIES
@given(cases(), st.data())
def test_explanations_are_real_and_minimal_conflicts(case, data):
    configurator, oracle, selection = case
    impossible = _impossible(configurator, selection, chosen_too=False)
    if not impossible:
        return
    name, value = data.draw(st.sampled_from(impossible))

    # When the engine explains why the value is impossible
    explanation = configurator.explain(selection, name, value)

    # Then the buyer's choices it names, with the value, have no valid configuration
    assert explanation is not None
    choices = dict(explanation.choices)
    assert all(selection[chosen] == choice for chosen, choice in choices.items())
    assert name not in choices
    assert not oracle.valid_extending({**choices, name: value})
    # And dropping any one of them leaves a valid configuration: the set is minimal
    for dropped in choices:
        rest = {other: choice for other, choice in choices.items() if other != dropped}
        assert oracle.valid_extending({**rest, name: value}), dropped
    # And the rules it names conflict on their own, and each one is needed
    constraints = set(explanation.constraints)
    assert not oracle.satisfiable_under(constraints, {**choices, name: value})
    for constraint in constraints:
        assert oracle.satisfiable_under(constraints - {constraint}, {**choices, name: value}), (
            constraint
        )
    assert explanation.message.endswith(".")


@PROPERTIES
@given(cases(), st.data())
def test_smallest_change_is_valid_and_no_smaller_change_exists(case, data):
    configurator, oracle, selection = case
    impossible = _impossible(configurator, selection, chosen_too=True)
    if not impossible:
        return
    name, value = data.draw(st.sampled_from(impossible))

    # When the buyer picks the impossible value anyway
    change = configurator.smallest_change(selection, name, value)

    # Then the proposal changes as few earlier choices as any valid configuration allows
    earlier = {other: choice for other, choice in selection.items() if other != name}
    candidates = [c for c in oracle.valid if c[name] == value]
    if not candidates:
        assert change is None
        return
    fewest = min(sum(c[other] != choice for other, choice in earlier.items()) for c in candidates)
    assert change is not None
    assert len(change.changes) == fewest
    # And the proposed selection is valid, holds the value, and keeps every other choice
    assert change.selection[name] == value
    assert oracle.valid_extending(change.selection)
    changed = {item.name for item in change.changes}
    for other, choice in earlier.items():
        assert change.selection[other] == choice or other in changed
    for item in change.changes:
        assert (
            item.old == selection[item.name] and item.new == change.selection[item.name] != item.old
        )


@PROPERTIES
@given(cases())
def test_cheapest_completion_and_prices_match_brute_force(case):
    configurator, oracle, selection = case
    completions = oracle.valid_extending(selection)

    # When the engine completes the selection at the lowest price
    cheapest = configurator.cheapest_completion(selection)

    # Then no valid completion is cheaper, and the completion is valid
    if not completions:
        assert cheapest is None
        return
    assert cheapest is not None
    assert cheapest.configuration in completions
    assert cheapest.price.total_ht == min(price_ht(oracle.rule_base, c) for c in completions)
    # And every valid configuration is priced as the format says, with its CO2 deltas
    for configuration in completions[:40]:
        assert configurator.price(configuration).total_ht == price_ht(
            oracle.rule_base, configuration
        )
        expected_co2 = (
            oracle.rule_base.co2_base_g_km
            + sum(
                value.co2.default
                for family in oracle.rule_base.families
                for value in family.values
                if configuration[family.code] == value.code
            )
            + sum(
                item.co2.default
                for item in oracle.rule_base.options
                if configuration[item.code] is True
            )
        )
        assert configurator.co2(configuration) == expected_co2


@PROPERTIES
@given(cases())
def test_changing_ones_mind_matches_brute_force(case):
    """The page's rules for a buyer who changes their mind (issue #14): a value of a chosen
    name (another value, or an option removed) replaces the choice directly when the other
    choices allow it; otherwise it goes through the smallest change, which always exists
    unless no configuration at all has the value: only those stay out of reach (hidden)."""
    configurator, oracle, selection = case
    if not configurator.is_valid(selection):
        return
    for name in selection:
        others = {other: choice for other, choice in selection.items() if other != name}
        replaceable = configurator.possible(others)
        for value in _domain(configurator.rule_base, name):
            # Direct replacement exactly when a valid car keeps every other choice with it
            direct = bool(oracle.valid_extending({**others, name: value}))
            assert replaceable.allows(name, value) == direct, (name, value)
            assert configurator.is_valid({**others, name: value}) == direct
            sold = any(c[name] == value for c in oracle.valid)
            assert configurator.possible().allows(name, value) == sold
            change = configurator.smallest_change(selection, name, value)
            if not sold:
                assert change is None
            elif direct:
                assert change is not None and change.changes == ()
            else:
                assert change is not None and len(change.changes) >= 1
                assert oracle.valid_extending(change.selection)

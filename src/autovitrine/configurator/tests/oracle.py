"""Brute force over every configuration of a small rule base: the reference the engine must match.

Written from the format's documented meaning, independently of the engine's code.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from autovitrine.configurator.engine import ConstraintSource, RuleBase
from autovitrine.configurator.engine.model import Amount, Literal, Option, Pack, Table

Configuration = dict[str, str | bool]
Check = Callable[[Mapping[str, str | bool]], bool]


def literal_holds(literal: Literal, configuration: Mapping[str, str | bool]) -> bool:
    chosen = configuration[literal.name]
    inside = chosen is True if literal.values is None else chosen in literal.values
    return inside != literal.negated


def options_and_packs(rule_base: RuleBase) -> tuple[Option | Pack, ...]:
    return (*rule_base.options, *rule_base.packs)


def constraint_checks(rule_base: RuleBase, market: str | None) -> dict[ConstraintSource, Check]:
    checks: dict[ConstraintSource, Check] = {}
    if market is not None:
        for family in rule_base.families:
            for value in family.values:
                if value.markets is not None and market not in value.markets:

                    def value_not_sold(
                        c: Mapping[str, str | bool], f: str = family.code, v: str = value.code
                    ) -> bool:
                        return c[f] != v

                    checks[ConstraintSource("market", family.code, value.code)] = value_not_sold
        for item in options_and_packs(rule_base):
            if item.markets is not None and market not in item.markets:

                def item_not_sold(c: Mapping[str, str | bool], code: str = item.code) -> bool:
                    return c[code] is False

                checks[ConstraintSource("market", item.code)] = item_not_sold
    for pack in rule_base.packs:

        def pack_holds(c: Mapping[str, str | bool], p: Pack = pack) -> bool:
            return c[p.code] is False or all(literal_holds(content, c) for content in p.contents)

        checks[ConstraintSource("pack", pack.code)] = pack_holds
    for rule in rule_base.rules:

        def rule_check(c: Mapping[str, str | bool], r=rule) -> bool:
            if not all(literal_holds(condition, c) for condition in r.conditions):
                return True
            if r.kind == "requires":
                return all(literal_holds(target, c) for target in r.targets)
            return not any(literal_holds(target, c) for target in r.targets)

        checks[ConstraintSource("rule", rule.id)] = rule_check
    for table in rule_base.tables:

        def table_holds(c: Mapping[str, str | bool], t: Table = table) -> bool:
            return any(
                all(
                    cell == "*" or cell == c[family]
                    for cell, family in zip(row, t.families, strict=True)
                )
                for row in t.rows
            )

        checks[ConstraintSource("table", table.id)] = table_holds
    return checks


def all_configurations(rule_base: RuleBase) -> Iterator[Configuration]:
    names = [family.code for family in rule_base.families]
    domains: list[tuple[str | bool, ...]] = [family.codes for family in rule_base.families]
    for item in options_and_packs(rule_base):
        names.append(item.code)
        domains.append((False, True))
    for values in itertools.product(*domains):
        yield dict(zip(names, values, strict=True))


def extends(configuration: Mapping[str, str | bool], selection: Mapping[str, str | bool]) -> bool:
    return all(configuration[name] == value for name, value in selection.items())


def price_ht(rule_base: RuleBase, configuration: Mapping[str, str | bool]) -> int:
    """Base price plus every chosen value and option, except what a bought pack contains
    (directly or through a bought nested pack)."""
    bought = {pack.code for pack in rule_base.packs if configuration.get(pack.code) is True}
    covered: set[tuple[str, str | bool]] = set()
    packs = {pack.code: pack for pack in rule_base.packs}
    pending = list(bought)
    seen: set[str] = set()
    while pending:
        code = pending.pop()
        if code in seen:
            continue
        seen.add(code)
        for content in packs[code].contents:
            covered.add((content.name, True if content.values is None else content.values[0]))
            if content.name in packs:
                pending.append(content.name)

    def amount(spec: Amount) -> int:
        by_value = configuration.get(spec.by) if spec.by else None
        return (
            dict(spec.values).get(by_value, spec.default)
            if isinstance(by_value, str)
            else spec.default
        )

    total = rule_base.base_price_ht
    for family in rule_base.families:
        chosen = configuration.get(family.code)
        for value in family.values:
            if value.code == chosen and (family.code, chosen) not in covered:
                total += amount(value.price)
    for item in options_and_packs(rule_base):
        if configuration.get(item.code) is True and (item.code, True) not in covered:
            total += amount(item.price)
    return total


@dataclass
class Oracle:
    rule_base: RuleBase
    market: str | None = None
    checks: dict[ConstraintSource, Check] = field(init=False)
    configurations: list[Configuration] = field(init=False)
    valid: list[Configuration] = field(init=False)

    def __post_init__(self) -> None:
        self.checks = constraint_checks(self.rule_base, self.market)
        self.configurations = list(all_configurations(self.rule_base))
        self.valid = [
            c for c in self.configurations if all(check(c) for check in self.checks.values())
        ]

    def valid_extending(self, selection: Mapping[str, str | bool]) -> list[Configuration]:
        return [c for c in self.valid if extends(c, selection)]

    def satisfiable_under(
        self, sources: set[ConstraintSource], selection: Mapping[str, str | bool]
    ) -> bool:
        """Whether some configuration extends the selection under only the given constraints."""
        checks = [self.checks[source] for source in sources]
        return any(
            extends(c, selection) and all(check(c) for check in checks) for c in self.configurations
        )

"""The rule base of one model year: families, options, packs, rules, tables, defaults, amounts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Literal as TypingLiteral

# The value an optional family takes when the buyer leaves it empty.
NONE = "none"
# A table cell that accepts any value of its family.
ANY = "*"

RuleKind = TypingLiteral["requires", "excludes"]


@dataclass(frozen=True, slots=True)
class Amount:
    """A price (cents HT) or a CO2 delta (g/km) that may depend on the value of another family."""

    default: int = 0
    by: str | None = None
    values: tuple[tuple[str, int], ...] = ()

    def for_value(self, value: str | None) -> int:
        """The amount when the ``by`` family takes ``value`` (``None``: not chosen yet)."""
        for code, amount in self.values:
            if code == value:
                return amount
        return self.default

    @property
    def amounts(self) -> tuple[int, ...]:
        return (self.default, *(amount for _, amount in self.values))


@dataclass(frozen=True, slots=True)
class Literal:
    """A condition on one name: ``trim=gt|techno``, ``!trim=life``, ``roof``, ``!roof``.

    ``values`` is ``None`` for a boolean (option or pack): the literal then means "on".
    """

    name: str
    values: tuple[str, ...] | None = None
    negated: bool = False

    def holds(self, configuration: Mapping[str, str | bool]) -> bool:
        """Whether the literal holds in a complete configuration."""
        chosen = configuration[self.name]
        inside = chosen is True if self.values is None else chosen in self.values
        return inside != self.negated

    def __str__(self) -> str:
        text = self.name if self.values is None else f"{self.name}={'|'.join(self.values)}"
        return f"!{text}" if self.negated else text


@dataclass(frozen=True, slots=True)
class Value:
    code: str
    label: str
    price: Amount = Amount()
    co2: Amount = Amount()
    markets: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Family:
    """A single choice (engine, paint, wheels…); an optional family may stay empty (``none``)."""

    code: str
    label: str
    values: tuple[Value, ...]
    optional: bool = False

    @property
    def codes(self) -> tuple[str, ...]:
        """Every value the family can take, ``none`` last for an optional family."""
        own = tuple(value.code for value in self.values)
        return (*own, NONE) if self.optional else own

    def value(self, code: str) -> Value | None:
        return next((value for value in self.values if value.code == code), None)


@dataclass(frozen=True, slots=True)
class Option:
    """A boolean choice; a pack is an option that forces its contents."""

    code: str
    label: str
    price: Amount = Amount()
    co2: Amount = Amount()
    markets: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Pack:
    code: str
    label: str
    contents: tuple[Literal, ...]
    price: Amount = Amount()
    co2: Amount = Amount()
    markets: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """``requires``: when every condition holds, every target holds.
    ``excludes``: when every condition holds, no target holds."""

    id: str
    kind: RuleKind
    conditions: tuple[Literal, ...]
    targets: tuple[Literal, ...]
    text: str | None = None

    def holds(self, configuration: Mapping[str, str | bool]) -> bool:
        if not all(condition.holds(configuration) for condition in self.conditions):
            return True
        if self.kind == "requires":
            return all(target.holds(configuration) for target in self.targets)
        return not any(target.holds(configuration) for target in self.targets)


@dataclass(frozen=True, slots=True)
class Table:
    """The allowed combinations over several families (``*`` matches any value)."""

    id: str
    families: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    label: str | None = None

    def holds(self, configuration: Mapping[str, str | bool]) -> bool:
        chosen = tuple(configuration[family] for family in self.families)
        return any(
            all(cell in (ANY, value) for cell, value in zip(row, chosen, strict=True))
            for row in self.rows
        )


@dataclass(frozen=True, slots=True)
class Default:
    """Values proposed first when ``when`` holds (an empty ``when`` always holds)."""

    when: tuple[Literal, ...]
    choose: tuple[Literal, ...]


@dataclass(frozen=True, slots=True)
class Section:
    """A part of the car the buyer configures together (exterior, interior, engine…): the
    families it groups, in the order the page lists them."""

    code: str
    label: str
    families: tuple[str, ...]


@dataclass(frozen=True)
class RuleBase:
    code: str
    label: str
    families: tuple[Family, ...]
    options: tuple[Option, ...] = ()
    packs: tuple[Pack, ...] = ()
    rules: tuple[Rule, ...] = ()
    tables: tuple[Table, ...] = ()
    defaults: tuple[Default, ...] = ()
    markets: tuple[str, ...] = ()
    base_price_ht: int = 0
    co2_base_g_km: int = 0
    sections: tuple[Section, ...] = ()

    @cached_property
    def family_by_code(self) -> dict[str, Family]:
        return {family.code: family for family in self.families}

    @cached_property
    def boolean_by_code(self) -> dict[str, Option | Pack]:
        """Options and packs: the boolean choices, in one namespace."""
        items: list[Option | Pack] = [*self.options, *self.packs]
        return {item.code: item for item in items}

    @cached_property
    def pack_by_code(self) -> dict[str, Pack]:
        return {pack.code: pack for pack in self.packs}

    @property
    def names(self) -> tuple[str, ...]:
        """Every choice a buyer makes, families first, in declared order."""
        return (*self.family_by_code, *self.boolean_by_code)

    def label_of(self, name: str, value: str | bool) -> str:
        """What a buyer reads for ``name`` taking ``value`` (« Jantes 19 pouces », « Sans toit »)."""
        family = self.family_by_code.get(name)
        if family is not None:
            chosen = family.value(str(value))
            if chosen is not None:
                return chosen.label
            return f"{family.label} : aucun(e)"
        item = self.boolean_by_code[name]
        return item.label if value is True else f"Sans {item.label}"

    def named_label_of(self, name: str, value: str | bool) -> str:
        """The label with its family, unambiguous where labels repeat across families
        (« Nombre de portes : 4 »); a label that already starts with its family's stays as is
        (« Finition GT »), an option or pack is its own label."""
        family = self.family_by_code.get(name)
        label = self.label_of(name, value)
        if family is None or label.casefold().startswith(family.label.casefold()):
            return label
        return f"{family.label} : {label}"

    @cached_property
    def pack_coverage(self) -> dict[tuple[str, str | bool], tuple[str, ...]]:
        """For each (name, value) a pack contains, directly or through a nested pack: the packs."""
        coverage: dict[tuple[str, str | bool], set[str]] = {}

        def visit(root: str, pack: Pack, seen: frozenset[str]) -> None:
            for content in pack.contents:
                key: tuple[str, str | bool] = (
                    (content.name, True)
                    if content.values is None
                    else (content.name, content.values[0])
                )
                coverage.setdefault(key, set()).add(root)
                nested = self.pack_by_code.get(content.name)
                if nested is not None and nested.code not in seen:
                    visit(root, nested, seen | {nested.code})

        for pack in self.packs:
            visit(pack.code, pack, frozenset({pack.code}))
        return {key: tuple(sorted(packs)) for key, packs in coverage.items()}

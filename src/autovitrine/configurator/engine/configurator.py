"""The configurator a buyer talks to: possible values, explanations, changes, completions, price.

Built once per rule base and market (``Configurator.build``), then shared: every query is
read-only on the compiled diagram, and the SAT solver used to name rules is locked.
A *selection* maps families to value codes (``"none"`` leaves an optional family empty) and
options and packs to ``True``/``False``, in the order the buyer chose them.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from .compiler import CompiledRules, ConstraintSource, Encoding, compile_rule_base
from .diagram import FREE
from .model import NONE, Amount, Literal, RuleBase
from .pricing import DEFAULT_VAT_RATE_BP, PriceBreakdown, co2_of, price_of
from .problems import UnknownChoice
from .sat import ConstraintSolver, cheapest_model

Choice = str | bool
Selection = Mapping[str, Choice]


@dataclass(frozen=True, slots=True)
class Possibilities:
    """For every family and boolean, the values some valid completion of the selection takes.

    ``consistent`` is false when the selection itself has no valid completion (every tuple
    is then empty): ``repair`` proposes what to change.
    """

    consistent: bool
    values: dict[str, tuple[Choice, ...]]

    def allows(self, name: str, value: Choice) -> bool:
        return value in self.values.get(name, ())


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why ``name`` cannot take ``value``: a minimal set of the buyer's choices and the rules
    that, together, leave no valid configuration."""

    name: str
    value: Choice
    choices: tuple[tuple[str, Choice], ...]
    constraints: tuple[ConstraintSource, ...]
    reasons: tuple[str, ...]
    message: str


@dataclass(frozen=True, slots=True)
class ChoiceChange:
    name: str
    old: Choice
    new: Choice
    old_label: str
    new_label: str


@dataclass(frozen=True, slots=True)
class Change:
    """The fewest earlier choices to change so the selection (with the wanted value) is valid;
    ``selection`` is the proposal, in the buyer's order, the wanted value last."""

    changes: tuple[ChoiceChange, ...]
    selection: dict[str, Choice]
    message: str


@dataclass(frozen=True, slots=True)
class Completion:
    configuration: dict[str, Choice]
    price: PriceBreakdown
    co2_g_km: int


class Configurator:
    def __init__(self, compiled: CompiledRules) -> None:
        self.compiled = compiled
        self.rule_base: RuleBase = compiled.rule_base
        self.blocks = compiled.blocks
        self.diagram = compiled.diagram
        self.block_of = {block.name: index for index, block in enumerate(self.blocks)}
        self.value_index: list[dict[Choice, int]] = [
            {value: position for position, value in enumerate(block.values)}
            for block in self.blocks
        ]
        self.names = self.rule_base.names
        self._lock = threading.Lock()
        self._solver: ConstraintSolver | None = None

    @classmethod
    def build(
        cls, rule_base: RuleBase, *, market: str | None = None, encoding: Encoding = "log"
    ) -> Configurator:
        return cls(compile_rule_base(rule_base, market=market, encoding=encoding))

    # Selections ------------------------------------------------------------------------

    def _pairs(self, selection: Selection, *, skip: str | None = None) -> list[tuple[int, int]]:
        """(block, value index) of every choice, in the buyer's order; unknown ones raise."""
        pairs = []
        for name, value in selection.items():
            if name == skip:
                continue
            block = self.block_of.get(name)
            if block is None:
                raise UnknownChoice(name)
            index = self.value_index[block].get(value)
            if index is None or isinstance(value, bool) == self.blocks[block].is_family:
                raise UnknownChoice(name, value)
            pairs.append((block, index))
        return pairs

    def _fixing(self, pairs: Sequence[tuple[int, int]]) -> list[int]:
        fixing = [FREE] * len(self.blocks)
        for block, value in pairs:
            fixing[block] = value
        return fixing

    def _configuration(self, values: Sequence[int]) -> dict[str, Choice]:
        by_block = {
            block.name: block.values[value]
            for block, value in zip(self.blocks, values, strict=True)
        }
        return {name: by_block[name] for name in self.names}

    # Possible values and counts ----------------------------------------------------------

    @cached_property
    def _possible_when_empty(self) -> Possibilities:
        return self._possibilities(self._fixing([]))

    def possible(self, selection: Selection | None = None) -> Possibilities:
        """Exactly the values that extend to at least one complete valid configuration."""
        pairs = self._pairs(selection or {})
        if not pairs:
            return self._possible_when_empty
        return self._possibilities(self._fixing(pairs))

    def _possibilities(self, fixing: Sequence[int]) -> Possibilities:
        marks = self.diagram.possible(fixing)
        if marks is None:
            return Possibilities(False, {name: () for name in self.names})
        values: dict[str, tuple[Choice, ...]] = {}
        for name in self.names:
            block = self.block_of[name]
            values[name] = tuple(
                value
                for value, possible in zip(self.blocks[block].values, marks[block], strict=True)
                if possible
            )
        return Possibilities(True, values)

    @cached_property
    def _count_when_empty(self) -> int:
        return self.diagram.count(self._fixing([]))

    def count(self, selection: Selection | None = None) -> int:
        """The exact number of complete valid configurations extending the selection."""
        pairs = self._pairs(selection or {})
        if not pairs:
            return self._count_when_empty
        return self.diagram.count(self._fixing(pairs))

    def is_valid(self, selection: Selection) -> bool:
        """Whether the selection (complete or not) extends to a valid configuration."""
        return self.diagram.consistent(self._fixing(self._pairs(selection)))

    # Explanations -------------------------------------------------------------------------

    def explain(self, selection: Selection, name: str, value: Choice) -> Explanation | None:
        """Why ``value`` is impossible for ``name`` after ``selection``; ``None`` if it is possible.

        The buyer's own choice for ``name`` is left out: picking a new value replaces it."""
        (target,) = self._pairs({name: value})
        choices = self._pairs(selection, skip=name)
        if self.diagram.consistent(self._fixing([*choices, target])):
            return None
        label = self.rule_base.named_label_of(name, value)
        for source in self._market_sources(name, value):
            message = f"« {label} » n'est pas proposé sur le marché {self.compiled.market}."
            return Explanation(name, value, (), (source,), (message,), message)
        if not self.diagram.consistent(self._fixing([target])):
            conflict: list[tuple[int, int]] = []
        else:
            conflict = self._quick_xplain([target], choices)
        sources = self._constraints_behind([*conflict, target])
        chosen = tuple(
            (self.blocks[block].name, self.blocks[block].values[index]) for block, index in conflict
        )
        reasons = tuple(self._reason(source, [*chosen, (name, value)]) for source in sources)
        detail = " ; ".join(reasons)
        if value is False:
            subject = f"On ne peut pas se passer de {self._quoted(name, True)}"
            context = " avec " + _join([self._quoted(n, v) for n, v in chosen]) if chosen else ""
        else:
            subject = f"{self._quoted(name, value)} n'est"
            context = (
                " pas disponible avec " + _join([self._quoted(n, v) for n, v in chosen])
                if chosen
                else " disponible dans aucune configuration"
            )
        message = subject + context + (f" : {detail}." if detail else ".")
        return Explanation(name, value, chosen, sources, reasons, message)

    def _quick_xplain(
        self, background: list[tuple[int, int]], candidates: list[tuple[int, int]]
    ) -> list[tuple[int, int]]:
        """A minimal subset of ``candidates`` inconsistent with ``background`` (Junker's
        QuickXplain: about 2k·log(n/k) consistency checks for a conflict of size k)."""

        def consistent(pairs: list[tuple[int, int]]) -> bool:
            return self.diagram.consistent(self._fixing(pairs))

        def search(
            base: list[tuple[int, int]], base_changed: bool, pool: list[tuple[int, int]]
        ) -> list[tuple[int, int]]:
            if base_changed and not consistent(base):
                return []
            if len(pool) == 1:
                return list(pool)
            middle = len(pool) // 2
            first, second = pool[:middle], pool[middle:]
            from_second = search(base + first, bool(first), second)
            from_first = search(base + from_second, bool(from_second), first)
            return from_first + from_second

        conflict = search(background, False, candidates)
        order = {pair: position for position, pair in enumerate(candidates)}
        return sorted(conflict, key=order.__getitem__)

    def _quoted(self, name: str, value: Choice) -> str:
        """« Jantes 19 pouces », « Pack Hiver », sans « Pack Hiver »."""
        if value is False:
            return f"sans « {self.rule_base.boolean_by_code[name].label} »"
        return f"« {self.rule_base.named_label_of(name, value)} »"

    def contradiction(self) -> tuple[str, ...]:
        """When no configuration is valid at all: a minimal set of rules that contradict, in French."""
        return tuple(self._reason(source, []) for source in self._constraints_behind([]))

    def _market_sources(self, name: str, value: Choice) -> list[ConstraintSource]:
        return [
            constraint.source
            for constraint in self.compiled.constraints
            if constraint.source.kind == "market"
            and constraint.source.ref == name
            and (
                constraint.source.value == value
                or (constraint.source.value is None and value is True)
            )
        ]

    def _constraints_behind(self, pairs: list[tuple[int, int]]) -> tuple[ConstraintSource, ...]:
        with self._lock:
            if self._solver is None:
                self._solver = ConstraintSolver(
                    self.diagram.domain_sizes,
                    [not block.is_family for block in self.blocks],
                    [constraint.diagram for constraint in self.compiled.constraints],
                )
            solver = self._solver
        indices = solver.minimal_constraints(pairs) or []
        return tuple(self.compiled.constraints[index].source for index in indices)

    def _reason(self, source: ConstraintSource, involved: Sequence[tuple[str, Choice]]) -> str:
        rule_base = self.rule_base
        if source.kind == "market":
            return f"non proposé sur le marché {self.compiled.market}"
        if source.kind == "pack":
            pack = rule_base.pack_by_code[source.ref]
            return f"le pack « {pack.label} » comprend " + _join(
                [self._literal_text(c) for c in pack.contents]
            )
        if source.kind == "table":
            table = next(table for table in rule_base.tables if table.id == source.ref)
            shown = [
                self._quoted(name, value) for name, value in involved if name in table.families
            ]
            title = table.label or table.id
            if not shown:
                return f"le tableau « {title} » ne le permet pas"
            return f"le tableau « {title} » n'autorise pas " + " avec ".join(shown)
        rule = next(rule for rule in rule_base.rules if rule.id == source.ref)
        if rule.text:
            return rule.text.rstrip(". ")
        conditions = _join([self._literal_text(literal) for literal in rule.conditions])
        targets = _join([self._literal_text(literal) for literal in rule.targets])
        plural = len(rule.conditions) > 1
        verb = (
            ("imposent" if plural else "impose")
            if rule.kind == "requires"
            else ("excluent" if plural else "exclut")
        )
        return f"{conditions} {verb} {targets}"

    def _literal_text(self, literal: Literal) -> str:
        if literal.values is None:
            label = f"« {self.rule_base.boolean_by_code[literal.name].label} »"
            return f"sans {label}" if literal.negated else label
        labels = " ou ".join(
            f"« {self.rule_base.named_label_of(literal.name, value)} »" for value in literal.values
        )
        return f"autre chose que {labels}" if literal.negated else labels

    # Changes ------------------------------------------------------------------------------

    def smallest_change(self, selection: Selection, name: str, value: Choice) -> Change | None:
        """The fewest earlier choices to change so ``name`` can take ``value`` (later choices
        are changed first when several changes are as small); ``None`` if no configuration
        has that value at all."""
        (target,) = self._pairs({name: value})
        return self._change(selection, [target], skip=name)

    def repair(self, selection: Selection) -> Change | None:
        """The fewest choices to change so a selection that no longer holds (product data
        changed since it was saved) becomes valid again; no changes when it still holds."""
        return self._change(selection, [], skip=None)

    def _change(
        self, selection: Selection, wanted: list[tuple[int, int]], skip: str | None
    ) -> Change | None:
        choices = self._pairs(selection, skip=skip)
        count = len(choices)
        step = count * (count + 1) // 2 + 1
        costs = [[0] * len(block.values) for block in self.blocks]
        for position, (block, chosen) in enumerate(choices):
            # Changing any choice costs more than every tie-break together; earlier ones cost more.
            penalty = step + (count - position)
            costs[block] = [
                0 if other == chosen else penalty for other in range(len(self.blocks[block].values))
            ]
        found = self.diagram.cheapest_path(self._fixing(wanted), costs)
        if found is None:
            return None
        _, values = found
        changes = []
        proposal: dict[str, Choice] = {}
        for block, chosen in choices:
            name = self.blocks[block].name
            new = values[block]
            proposal[name] = self.blocks[block].values[new]
            if new != chosen:
                old_value, new_value = (
                    self.blocks[block].values[chosen],
                    self.blocks[block].values[new],
                )
                changes.append(
                    ChoiceChange(
                        name,
                        old_value,
                        new_value,
                        self.rule_base.label_of(name, old_value),
                        self.rule_base.label_of(name, new_value),
                    )
                )
        for block, chosen in wanted:
            proposal[self.blocks[block].name] = self.blocks[block].values[chosen]
        if changes:
            message = "Il faut " + _join([self._change_text(change) for change in changes]) + "."
        else:
            message = "Aucun changement nécessaire."
        return Change(tuple(changes), proposal, message)

    def _change_text(self, change: ChoiceChange) -> str:
        if change.new is True:
            return f"ajouter {self._quoted(change.name, True)}"
        if change.new is False:
            return f"retirer {self._quoted(change.name, True)}"
        return f"remplacer {self._quoted(change.name, change.old)} par {self._quoted(change.name, change.new)}"

    # Completions ----------------------------------------------------------------------------

    def cheapest_completion(
        self, selection: Selection | None = None, *, vat_rate_bp: int = DEFAULT_VAT_RATE_BP
    ) -> Completion | None:
        """The complete valid configuration extending the selection with the lowest price
        (packs and price tables included, found by MaxSAT); ``None`` if there is none."""
        pairs = self._pairs(selection or {})
        if not self.diagram.consistent(self._fixing(pairs)):
            return None
        values = cheapest_model(
            self.diagram, [not block.is_family for block in self.blocks], pairs, self._cost_terms
        )
        if values is None:
            return None
        return self._completion(self._configuration(values), vat_rate_bp)

    @cached_property
    def _cost_terms(self) -> list[tuple[int, list[tuple[int, int]]]]:
        """The price as a sum of weighted conjunctions of (block, value): an item charged at
        an amount when chosen, the ``by`` family takes a value, and no pack covering it is on."""
        rule_base = self.rule_base
        terms: list[tuple[int, list[tuple[int, int]]]] = []
        items: list[tuple[str, str | bool, Amount]] = [
            (family.code, value.code, value.price)
            for family in rule_base.families
            for value in family.values
        ]
        items += [(item.code, True, item.price) for item in rule_base.boolean_by_code.values()]
        for name, value, amount in items:
            block = self.block_of[name]
            chosen = (block, self.value_index[block][value])
            uncovered = [
                (self.block_of[pack], 0) for pack in rule_base.pack_coverage.get((name, value), ())
            ]
            if amount.by is None:
                terms.append((amount.default, [chosen, *uncovered]))
                continue
            by_block = self.block_of[amount.by]
            for by_value, by_index in self.value_index[by_block].items():
                assert isinstance(by_value, str)
                terms.append(
                    (amount.for_value(by_value), [chosen, (by_block, by_index), *uncovered])
                )
        return terms

    def default_completion(
        self, selection: Selection | None = None, *, vat_rate_bp: int = DEFAULT_VAT_RATE_BP
    ) -> Completion | None:
        """Complete the selection name by name in declared order, taking the rule base's
        default when it is still possible, else the first possible value (an option: off)."""
        selection = dict(selection or {})
        pairs = self._pairs(selection)
        if not self.diagram.consistent(self._fixing(pairs)):
            return None
        configuration: dict[str, Choice] = dict(selection)
        # Fixing more names only removes possibilities, so a value impossible under fewer
        # choices stays impossible. Each round picks every remaining name at once from the last
        # marks (the preferred value if marked, else the first marked) and checks the whole
        # pick: one path through the diagram. If it fails, the longest prefix that still has a
        # valid completion is kept (its picks are exactly what a name-by-name check would take),
        # the marks are redone there, and the round goes on from the first name that failed.
        remaining = [name for name in self.names if name not in configuration]
        marks = self.diagram.possible(self._fixing(pairs))
        while remaining and marks is not None:
            picks = self._pick_from_marks(remaining, configuration, marks)
            kept = self._longest_valid_prefix(pairs, picks)
            for name, pair in zip(remaining[:kept], picks[:kept], strict=True):
                pairs.append(pair)
                configuration[name] = self.blocks[pair[0]].values[pair[1]]
            remaining = remaining[kept:]
            if remaining:
                marks = self.diagram.possible(self._fixing(pairs))
        return self._completion({name: configuration[name] for name in self.names}, vat_rate_bp)

    def _pick_from_marks(
        self, names: Sequence[str], configuration: Mapping[str, Choice], marks: list[list[bool]]
    ) -> list[tuple[int, int]]:
        picked = dict(configuration)
        picks = []
        for name in names:
            block = self.block_of[name]
            preferred = self._default_for(name, picked)
            candidates = list(self.blocks[block].values)
            if self.blocks[block].is_family and NONE in candidates:
                # An optional family stays empty unless a default says otherwise.
                preferred = NONE if preferred is None else preferred
            if preferred is not None:
                candidates.remove(preferred)
                candidates.insert(0, preferred)
            index = next(
                index
                for index in (self.value_index[block][candidate] for candidate in candidates)
                if marks[block][index]
            )
            picks.append((block, index))
            picked[name] = self.blocks[block].values[index]
        return picks

    def _longest_valid_prefix(
        self, pairs: Sequence[tuple[int, int]], picks: Sequence[tuple[int, int]]
    ) -> int:
        """How many of ``picks`` can follow ``pairs`` with a valid completion (at least one: the
        first pick was marked possible under ``pairs``). Validity only shrinks as picks are
        added, so a bisection finds it."""
        if self.diagram.consistent(self._fixing([*pairs, *picks])):
            return len(picks)
        good, bad = 1, len(picks)
        while bad - good > 1:
            middle = (good + bad) // 2
            if self.diagram.consistent(self._fixing([*pairs, *picks[:middle]])):
                good = middle
            else:
                bad = middle
        return good

    def _default_for(self, name: str, configuration: Mapping[str, Choice]) -> Choice | None:
        # Later entries override earlier ones: a version's defaults follow the general ones.
        for default in reversed(self.rule_base.defaults):
            if not all(
                literal.name in configuration and literal.holds(configuration)
                for literal in default.when
            ):
                continue
            for literal in default.choose:
                if literal.name == name:
                    return not literal.negated if literal.values is None else literal.values[0]
        return None

    def _completion(self, configuration: dict[str, Choice], vat_rate_bp: int) -> Completion:
        return Completion(
            configuration=configuration,
            price=self.price(configuration, vat_rate_bp=vat_rate_bp),
            co2_g_km=self.co2(configuration),
        )

    # Price and label ------------------------------------------------------------------------

    def price(
        self, configuration: Selection, *, vat_rate_bp: int = DEFAULT_VAT_RATE_BP
    ) -> PriceBreakdown:
        """Price with VAT; a value or option inside a bought pack is not charged again."""
        return price_of(self.rule_base, configuration, vat_rate_bp=vat_rate_bp)

    def co2(self, configuration: Selection) -> int:
        """WLTP CO2 (g/km) for the environmental label and the malus."""
        return co2_of(self.rule_base, configuration)

    def violations(self, configuration: Selection) -> list[str]:
        """In French, each rule, table or pack a (saved) configuration breaks; empty if none."""
        fixing = self._fixing(self._pairs(configuration))
        involved = list(configuration.items())
        return [
            self._reason(constraint.source, involved)
            for constraint in self.compiled.constraints
            if not constraint.diagram.consistent(fixing)
        ]


def _join(parts: Sequence[str]) -> str:
    """« a », « b » et « c »."""
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " et " + parts[-1]

"""Compile a rule base into decision diagrams with CUDD (through ``dd``), once per market.

Every choice becomes a *block* of BDD variables: a family is encoded one-hot (one variable
per value, exactly one true) or in binary (``log``), a boolean is one variable. Blocks are
ordered so that the choices a table or a rule links sit close together (the FORCE
heuristic), each constraint becomes a BDD, their conjunction is the whole solution space,
and that BDD is exported to a plain multi-valued diagram (``Diagram``) that the runtime
queries without CUDD. Each constraint is exported too: explanations name the rules behind
a conflict from them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal as TypingLiteral

import dd.cudd

from .diagram import FALSE_NODE, TRUE_NODE, Diagram
from .model import ANY, Literal, RuleBase

Encoding = TypingLiteral["onehot", "log"]
# BDD nodes past which the static order is judged poor and CUDD sifting takes over.
SIFT_ABOVE_NODES = 500_000
ConstraintKind = TypingLiteral["rule", "table", "pack", "market"]


@dataclass(frozen=True, slots=True)
class Block:
    """One choice in diagram order: a family (its value codes) or a boolean (False, True)."""

    name: str
    values: tuple[str | bool, ...]
    is_family: bool


@dataclass(frozen=True, slots=True)
class ConstraintSource:
    """Where a constraint comes from: a rule id, a table id, a pack code, or a (name, value)
    not sold on the market."""

    kind: ConstraintKind
    ref: str
    value: str | None = None


@dataclass(frozen=True, eq=False)
class CompiledConstraint:
    source: ConstraintSource
    diagram: Diagram


@dataclass(frozen=True, slots=True)
class CompileStats:
    encoding: str
    seconds: float
    order_seconds: float
    sift_seconds: float
    bdd_variables: int
    bdd_nodes_before_sifting: int
    bdd_nodes: int
    diagram_nodes: int
    diagram_edges: int


@dataclass(frozen=True, eq=False)
class CompiledRules:
    """Everything the runtime needs, free of CUDD: picklable, shareable between threads."""

    rule_base: RuleBase
    market: str | None
    blocks: tuple[Block, ...]
    diagram: Diagram
    constraints: tuple[CompiledConstraint, ...]
    stats: CompileStats


def compile_rule_base(
    rule_base: RuleBase, *, market: str | None = None, encoding: Encoding = "log"
) -> CompiledRules:
    """The solution space of ``rule_base`` on ``market`` (``None``: every value, any market)."""
    started = time.perf_counter()
    blocks = tuple(block_order(rule_base))
    ordered = time.perf_counter()
    builder = _BddBuilder(blocks, encoding)
    sources_and_bdds = list(_constraints(rule_base, builder, market))
    root = builder.conjoin_all([bdd for _, bdd in sources_and_bdds])
    nodes_before_sifting = root.dag_size
    sifting = time.perf_counter()
    builder.sift()
    sifted = time.perf_counter()
    bdd_nodes = root.dag_size
    diagram = builder.export(root)
    constraints = tuple(
        CompiledConstraint(source, builder.export(bdd)) for source, bdd in sources_and_bdds
    )
    stats = CompileStats(
        encoding=encoding,
        seconds=time.perf_counter() - started,
        order_seconds=ordered - started,
        sift_seconds=sifted - sifting,
        bdd_variables=len(builder.bdd.vars),
        bdd_nodes_before_sifting=nodes_before_sifting if root != builder.bdd.false else 0,
        bdd_nodes=bdd_nodes if root != builder.bdd.false else 0,
        diagram_nodes=diagram.node_count,
        diagram_edges=diagram.edge_count,
    )
    return CompiledRules(
        rule_base=rule_base,
        market=market,
        blocks=builder.ordered_blocks(),
        diagram=diagram,
        constraints=constraints,
        stats=stats,
    )


# --- Variable order ---------------------------------------------------------------------


def block_order(rule_base: RuleBase) -> list[Block]:
    """Blocks ordered by FORCE (Aloul, Markov, Sakallah 2003): each constraint pulls the choices
    it links toward their centre of gravity, repeatedly, keeping the order of least total span.
    Spans are measured in BDD variables, so a 40-value family weighs its size."""
    blocks = [Block(family.code, family.codes, True) for family in rule_base.families]
    blocks += [Block(code, (False, True), False) for code in rule_base.boolean_by_code]
    index = {block.name: position for position, block in enumerate(blocks)}
    edges = [sorted({index[name] for name in names}) for names in _links(rule_base)]
    edges = [edge for edge in edges if len(edge) > 1]
    weights = [len(block.values) if block.is_family else 1 for block in blocks]
    if not edges:
        return blocks
    rng = random.Random(len(blocks))
    starts = [list(range(len(blocks))), _connected_first(len(blocks), edges)]
    starts += [rng.sample(range(len(blocks)), len(blocks)) for _ in range(3)]
    best_order, best_span = starts[0], _span(starts[0], edges, weights)
    for start in starts:
        order = _force(start, edges, weights)
        span = _span(order, edges, weights)
        if span < best_span:
            best_order, best_span = order, span
    return [blocks[position] for position in best_order]


def _links(rule_base: RuleBase) -> Iterable[set[str]]:
    for table in rule_base.tables:
        yield set(table.families)
    for rule in rule_base.rules:
        yield {literal.name for literal in (*rule.conditions, *rule.targets)}
    for pack in rule_base.packs:
        yield {pack.code, *(content.name for content in pack.contents)}


def _connected_first(count: int, edges: Sequence[Sequence[int]]) -> list[int]:
    """A breadth-first order over the blocks that share constraints."""
    neighbours: list[set[int]] = [set() for _ in range(count)]
    for edge in edges:
        for block in edge:
            neighbours[block].update(edge)
    order: list[int] = []
    seen: set[int] = set()
    for start in sorted(range(count), key=lambda block: -len(neighbours[block])):
        if start in seen:
            continue
        queue = [start]
        seen.add(start)
        while queue:
            block = queue.pop(0)
            order.append(block)
            for other in sorted(neighbours[block] - seen):
                seen.add(other)
                queue.append(other)
    return order


def _positions(order: Sequence[int], weights: Sequence[int]) -> list[float]:
    """The middle variable level of each block under ``order``."""
    positions = [0.0] * len(order)
    level = 0
    for block in order:
        positions[block] = level + weights[block] / 2
        level += weights[block]
    return positions


def _span(order: Sequence[int], edges: Sequence[Sequence[int]], weights: Sequence[int]) -> float:
    positions = _positions(order, weights)
    return sum(max(positions[b] for b in edge) - min(positions[b] for b in edge) for edge in edges)


def _force(start: list[int], edges: Sequence[Sequence[int]], weights: Sequence[int]) -> list[int]:
    order = start
    best_order, best_span = order, _span(order, edges, weights)
    for _ in range(40):
        positions = _positions(order, weights)
        pulls: list[list[float]] = [[] for _ in order]
        for edge in edges:
            centre = sum(positions[block] for block in edge) / len(edge)
            for block in edge:
                pulls[block].append(centre)
        target = [
            sum(pull) / len(pull) if pull else positions[block] for block, pull in enumerate(pulls)
        ]
        order = sorted(range(len(order)), key=lambda block: (target[block], block))
        span = _span(order, edges, weights)
        if span >= best_span:
            break
        best_order, best_span = order, span
    return best_order


# --- Constraints as BDDs ----------------------------------------------------------------


class _BddBuilder:
    """Builds BDDs over the blocks' variables and exports them as ``Diagram``s."""

    def __init__(self, blocks: Sequence[Block], encoding: Encoding) -> None:
        self.blocks = blocks
        self.encoding = encoding
        self.bdd = dd.cudd.BDD()
        self.bdd.configure(reordering=False)
        self.block_of: dict[str, int] = {block.name: index for index, block in enumerate(blocks)}
        self.value_index: list[dict[str | bool, int]] = [
            {value: position for position, value in enumerate(block.values)} for block in blocks
        ]
        self.block_vars: list[list[dd.cudd.Function]] = []
        # value_patterns[b][v]: the bits of value v of block b, one per variable of the block.
        self.value_patterns: list[list[tuple[int, ...]]] = []
        self.level_block: list[int] = []
        self.level_bit: list[int] = []
        self.variable_position: dict[str, tuple[int, int]] = {}
        self.reordered = False
        for index, block in enumerate(blocks):
            size = len(block.values)
            if not block.is_family:
                width = 1
                patterns: list[tuple[int, ...]] = [(0,), (1,)]
            elif encoding == "onehot":
                width = size
                patterns = [
                    tuple(int(bit == value) for bit in range(size)) for value in range(size)
                ]
            else:
                width = max(1, (size - 1).bit_length())
                patterns = [
                    tuple((value >> (width - 1 - bit)) & 1 for bit in range(width))
                    for value in range(size)
                ]
            names = [f"b{index}_{bit}" for bit in range(width)]
            self.bdd.declare(*names)
            if width > 1:
                # Sifting, if it ever runs, moves a family's variables together.
                self.bdd.group({names[0]: width})
            self.variable_position.update({name: (index, bit) for bit, name in enumerate(names)})
            self.block_vars.append([self.bdd.var(name) for name in names])
            self.value_patterns.append(patterns)
            self.level_block += [index] * width
            self.level_bit += list(range(width))
        # Position of each block in the diagram; changes only if sifting runs.
        self.block_rank = list(range(len(blocks)))

    # Building ------------------------------------------------------------------------

    def is_value(self, block: int, value: int) -> dd.cudd.Function:
        """True when the block takes the value (for one-hot, given the block's domain constraint)."""
        variables = self.block_vars[block]
        if self.blocks[block].is_family and self.encoding == "onehot":
            return variables[value]
        result = self.bdd.true
        for variable, bit in zip(variables, self.value_patterns[block][value], strict=True):
            result &= variable if bit else ~variable
        return result

    def select(
        self, block: int, children: Mapping[int, dd.cudd.Function], default: dd.cudd.Function
    ) -> dd.cudd.Function:
        """``children[v]`` when the block takes value ``v``, else ``default``."""
        variables = self.block_vars[block]
        if not self.blocks[block].is_family or self.encoding == "onehot":
            if not self.blocks[block].is_family:
                return self.bdd.ite(
                    variables[0], children.get(1, default), children.get(0, default)
                )
            result = default
            for value in sorted(children, reverse=True):
                result = self.bdd.ite(variables[value], children[value], result)
            return result
        return self._split(block, children, default, 0, 0, 1 << len(variables))

    def _split(
        self,
        block: int,
        children: Mapping[int, dd.cudd.Function],
        default: dd.cudd.Function,
        bit: int,
        low: int,
        high: int,
    ) -> dd.cudd.Function:
        """Binary encoding: choose on one bit at a time among the values in [low, high)."""
        if not any(low <= value < high for value in children):
            return default
        variables = self.block_vars[block]
        if bit == len(variables):
            return children[low]
        middle = (low + high) // 2
        return self.bdd.ite(
            variables[bit],
            self._split(block, children, default, bit + 1, middle, high),
            self._split(block, children, default, bit + 1, low, middle),
        )

    def domain(self, block: int) -> dd.cudd.Function:
        """The block takes exactly one of its values."""
        variables = self.block_vars[block]
        if not self.blocks[block].is_family:
            return self.bdd.true
        if self.encoding == "log":
            return self.select(
                block,
                dict.fromkeys(range(len(self.blocks[block].values)), self.bdd.true),
                self.bdd.false,
            )
        exactly_one, none = self.bdd.false, self.bdd.true
        for variable in reversed(variables):
            exactly_one, none = self.bdd.ite(variable, none, exactly_one), ~variable & none
        return exactly_one

    def literal(self, literal: Literal) -> dd.cudd.Function:
        block = self.block_of[literal.name]
        if literal.values is None:
            result = self.block_vars[block][0]
        else:
            indices = self.value_index[block]
            result = self.select(
                block, {indices[value]: self.bdd.true for value in literal.values}, self.bdd.false
            )
        return ~result if literal.negated else result

    def table(self, families: Sequence[str], rows: Sequence[Sequence[str]]) -> dd.cudd.Function:
        """The rows as a BDD, built column by column in diagram order (a trie, merged by CUDD)."""
        columns = sorted(range(len(families)), key=lambda column: self.block_of[families[column]])
        blocks = [self.block_of[families[column]] for column in columns]
        coded = [
            tuple(
                -1 if row[column] == ANY else self.value_index[block][row[column]]
                for column, block in zip(columns, blocks, strict=True)
            )
            for row in rows
        ]
        memo: dict[tuple[int, frozenset[tuple[int, ...]]], dd.cudd.Function] = {}
        try:
            return self._rows(blocks, 0, coded, memo)
        finally:
            memo.clear()

    def _rows(
        self,
        blocks: Sequence[int],
        depth: int,
        suffixes: list[tuple[int, ...]],
        memo: dict[tuple[int, frozenset[tuple[int, ...]]], dd.cudd.Function],
    ) -> dd.cudd.Function:
        """The rows' suffixes from column ``depth`` on (a cell -1 is the ``*`` wildcard)."""
        if not suffixes:
            return self.bdd.false
        if depth == len(blocks):
            return self.bdd.true
        key = (depth, frozenset(suffixes))
        cached = memo.get(key)
        if cached is not None:
            return cached
        by_value: dict[int, list[tuple[int, ...]]] = {}
        for suffix in suffixes:
            by_value.setdefault(suffix[0], []).append(suffix[1:])
        wildcard = self._rows(blocks, depth + 1, by_value.pop(-1, []), memo)
        children = {
            value: self._rows(blocks, depth + 1, rest, memo) | wildcard
            for value, rest in by_value.items()
        }
        result = self.select(blocks[depth], children, wildcard)
        memo[key] = result
        return result

    def conjoin_all(self, bdds: Sequence[dd.cudd.Function]) -> dd.cudd.Function:
        """The conjunction of every constraint and every block's domain, deepest first so each
        step joins functions that share their lower variables."""

        def deepest_level(bdd: dd.cudd.Function) -> int:
            support = self.bdd.support(bdd)
            return max((self.bdd.level_of_var(name) for name in support), default=-1)

        items = [self.domain(block) for block in range(len(self.blocks))] + list(bdds)
        items.sort(key=deepest_level, reverse=True)
        result = self.bdd.true
        for position, item in enumerate(items):
            result &= item
            if result == self.bdd.false:
                break
            # Counting nodes walks the BDD: look every few steps only.
            if not self.reordered and position % 8 == 0 and result.dag_size > SIFT_ABOVE_NODES:
                self._sift()
        self.bdd.configure(reordering=False)
        return result

    def _sift(self) -> None:
        """The static order was not good enough: let CUDD sift (whole families at a time),
        now and whenever the diagram grows again."""
        self.bdd.reorder()
        self.bdd.configure(reordering=True)
        self.reordered = True

    def sift(self) -> None:
        """One pass of CUDD's group sifting on the finished BDDs: a few tenths of a second that
        usually divide the diagram the runtime walks by three or four."""
        self.bdd.reorder()
        self.reordered = True

    def _read_levels(self) -> None:
        levels = len(self.level_block)
        first_level = [levels] * len(self.blocks)
        for level in range(levels):
            block, bit = self.variable_position[self.bdd.var_at_level(level)]
            self.level_block[level], self.level_bit[level] = block, bit
            first_level[block] = min(first_level[block], level)
        order = sorted(range(len(self.blocks)), key=first_level.__getitem__)
        for rank, block in enumerate(order):
            self.block_rank[block] = rank

    def ordered_blocks(self) -> tuple[Block, ...]:
        """The blocks in diagram order."""
        return tuple(
            sorted(self.blocks, key=lambda block: self.block_rank[self.block_of[block.name]])
        )

    # Export ----------------------------------------------------------------------------

    def export(self, root: dd.cudd.Function) -> Diagram:
        """The BDD as a ``Diagram`` over blocks: the paths inside each block become value edges."""
        bdd = self.bdd
        block_count = len(self.blocks)
        true, false = bdd.true, bdd.false
        if self.reordered:
            self._read_levels()
        rank = self.block_rank
        domain_sizes = tuple(len(block.values) for block in self.ordered_blocks())
        if root in (false, true):
            return Diagram(
                domain_sizes=domain_sizes,
                node_block=(block_count, block_count),
                node_edges=({}, {}),
                root=TRUE_NODE if root == true else FALSE_NODE,
            )

        def cofactors(node: dd.cudd.Function) -> tuple[dd.cudd.Function, dd.cudd.Function]:
            low, high = node.low, node.high
            return (~low, ~high) if node.negated else (low, high)

        def block_of(node: dd.cudd.Function) -> int:
            return block_count if node in (true, false) else self.level_block[node.level]

        entries: dict[int, dd.cudd.Function] = {}
        edges_of: dict[int, dict[int, dd.cudd.Function]] = {}
        pending = [root]
        entries[int(root)] = root
        while pending:
            entry = pending.pop()
            block = block_of(entry)
            edges: dict[int, dd.cudd.Function] = {}
            # Walk every path inside the block; bits a path skips are free.
            walk: list[tuple[dd.cudd.Function, dict[int, int]]] = [(entry, {})]
            while walk:
                node, bits = walk.pop()
                if block_of(node) != block:
                    for value in self._matching(block, bits):
                        edges[value] = node
                    if node != true and int(node) not in entries:
                        entries[int(node)] = node
                        pending.append(node)
                    continue
                bit = self.level_bit[node.level]
                low, high = cofactors(node)
                if low != false:
                    walk.append((low, {**bits, bit: 0}))
                if high != false:
                    walk.append((high, {**bits, bit: 1}))
            edges_of[int(entry)] = edges

        def position(node: dd.cudd.Function) -> int:
            block = block_of(node)
            return block_count if block == block_count else rank[block]

        ordered = sorted(entries, key=lambda key: (position(entries[key]), key))
        number = {key: index + 2 for index, key in enumerate(ordered)}
        number[int(true)] = TRUE_NODE
        node_block = [block_count, block_count] + [position(entries[key]) for key in ordered]
        node_edges: list[dict[int, int]] = [{}, {}]
        for key in ordered:
            node_edges.append(
                {value: number[int(child)] for value, child in sorted(edges_of[key].items())}
            )
        return Diagram(
            domain_sizes=domain_sizes,
            node_block=tuple(node_block),
            node_edges=tuple(node_edges),
            root=number[int(root)],
        )

    def _matching(self, block: int, bits: Mapping[int, int]) -> list[int]:
        """The values of the block whose bit pattern agrees with a path's bits."""
        if self.blocks[block].is_family and self.encoding == "onehot":
            ones = [bit for bit, setting in bits.items() if setting]
            if ones:
                return ones if len(ones) == 1 else []
            return [value for value in range(len(self.blocks[block].values)) if value not in bits]
        return [
            value
            for value, pattern in enumerate(self.value_patterns[block])
            if all(pattern[bit] == setting for bit, setting in bits.items())
        ]


def _constraints(
    rule_base: RuleBase, builder: _BddBuilder, market: str | None
) -> Iterable[tuple[ConstraintSource, dd.cudd.Function]]:
    bdd = builder.bdd

    def conjunction(
        literals: Iterable[Literal],
        transform: Callable[[dd.cudd.Function], dd.cudd.Function] = lambda f: f,
    ) -> dd.cudd.Function:
        result = bdd.true
        for literal in literals:
            result &= transform(builder.literal(literal))
        return result

    if market is not None:
        for family in rule_base.families:
            for value in family.values:
                if value.markets is not None and market not in value.markets:
                    block = builder.block_of[family.code]
                    yield (
                        ConstraintSource("market", family.code, value.code),
                        ~builder.is_value(block, builder.value_index[block][value.code]),
                    )
        for item in rule_base.boolean_by_code.values():
            if item.markets is not None and market not in item.markets:
                yield (
                    ConstraintSource("market", item.code),
                    ~builder.block_vars[builder.block_of[item.code]][0],
                )
    for pack in rule_base.packs:
        pack_on = builder.block_vars[builder.block_of[pack.code]][0]
        yield ConstraintSource("pack", pack.code), ~pack_on | conjunction(pack.contents)
    for rule in rule_base.rules:
        condition = conjunction(rule.conditions)
        if rule.kind == "requires":
            consequence = conjunction(rule.targets)
        else:
            consequence = conjunction(rule.targets, lambda f: ~f)
        yield ConstraintSource("rule", rule.id), ~condition | consequence
    for table in rule_base.tables:
        yield ConstraintSource("table", table.id), builder.table(table.families, table.rows)

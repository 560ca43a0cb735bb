"""CNF views of the compiled diagrams, for PySAT: the rules behind a conflict, and MaxSAT.

Every value of a family is one SAT variable (exactly one true per family), a boolean is one
variable. A diagram becomes clauses over node variables: a node's variable implies that its
block takes one of the values it has an edge for, and that the edge's child holds.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

from pysat.card import CardEnc, EncType
from pysat.examples.rc2 import RC2Stratified
from pysat.formula import WCNF
from pysat.solvers import Solver

from .diagram import FALSE_NODE, TRUE_NODE, Diagram

SOLVER_NAME = "g4"


class BlockLiterals:
    """The SAT literal of "block ``b`` takes value ``v``"; booleans use one variable."""

    def __init__(self, domain_sizes: Sequence[int], booleans: Sequence[bool]) -> None:
        self.first: list[int] = []
        self.booleans = list(booleans)
        top = 0
        for size, is_boolean in zip(domain_sizes, booleans, strict=True):
            self.first.append(top + 1)
            top += 1 if is_boolean else size
        self.value_variables = top
        self.top = top
        self.domain_sizes = list(domain_sizes)

    def literal(self, block: int, value: int) -> int:
        if self.booleans[block]:
            return self.first[block] if value else -self.first[block]
        return self.first[block] + value

    def new_variable(self) -> int:
        self.top += 1
        return self.top

    def domain_clauses(self) -> list[list[int]]:
        """Exactly one value per family."""
        clauses: list[list[int]] = []
        for block, size in enumerate(self.domain_sizes):
            if self.booleans[block]:
                continue
            literals = [self.first[block] + value for value in range(size)]
            encoding = CardEnc.equals(
                lits=literals,
                bound=1,
                top_id=self.top,
                encoding=EncType.pairwise if size <= 6 else EncType.seqcounter,
            )
            self.top = max(self.top, encoding.nv)
            clauses.extend(encoding.clauses)
        return clauses

    def decode(self, model: Iterable[int]) -> list[int]:
        """The value index of every block in a SAT model."""
        true = {literal for literal in model if literal > 0}
        values = []
        for block, size in enumerate(self.domain_sizes):
            if self.booleans[block]:
                values.append(int(self.first[block] in true))
            else:
                values.append(
                    next(value for value in range(size) if self.first[block] + value in true)
                )
        return values


def diagram_clauses(
    diagram: Diagram, literals: BlockLiterals, guard: int | None
) -> list[list[int]]:
    """Clauses that hold exactly when the diagram does (``guard`` → diagram when given)."""
    if diagram.root == TRUE_NODE:
        return []
    if diagram.root == FALSE_NODE:
        return [[-guard]] if guard is not None else [[]]
    node_variable = {node: literals.new_variable() for node in range(2, len(diagram.node_block))}
    clauses: list[list[int]] = []
    root = node_variable[diagram.root]
    clauses.append([-guard, root] if guard is not None else [root])
    for node, variable in node_variable.items():
        block = diagram.node_block[node]
        edges = diagram.node_edges[node]
        if len(edges) < diagram.domain_sizes[block]:
            clauses.append([-variable, *(literals.literal(block, value) for value in edges)])
        for value, child in edges.items():
            if child != TRUE_NODE:
                clauses.append([-variable, -literals.literal(block, value), node_variable[child]])
    return clauses


class ConstraintSolver:
    """One incremental SAT solver over every constraint, each switched on by a selector."""

    def __init__(
        self, domain_sizes: Sequence[int], booleans: Sequence[bool], constraints: Sequence[Diagram]
    ) -> None:
        self.literals = BlockLiterals(domain_sizes, booleans)
        clauses = self.literals.domain_clauses()
        self.selectors: list[int] = []
        for diagram in constraints:
            selector = self.literals.new_variable()
            self.selectors.append(selector)
            clauses.extend(diagram_clauses(diagram, self.literals, selector))
        self.solver = Solver(name=SOLVER_NAME, bootstrap_with=clauses)
        self.lock = threading.Lock()

    def minimal_constraints(self, fixed: Sequence[tuple[int, int]]) -> list[int] | None:
        """A minimal set of constraints (indices) that the fixed values violate together;
        ``None`` when they violate none."""
        assumptions = [self.literals.literal(block, value) for block, value in fixed]
        with self.lock:
            if self.solver.solve(assumptions=[*assumptions, *self.selectors]):
                return None
            selector_index = {selector: index for index, selector in enumerate(self.selectors)}
            core = [
                literal for literal in (self.solver.get_core() or []) if literal in selector_index
            ]
            position = 0
            # Deletion: drop each selector whose removal keeps the conflict.
            while position < len(core):
                trial = core[:position] + core[position + 1 :]
                if not self.solver.solve(assumptions=[*assumptions, *trial]):
                    reduced = set(self.solver.get_core() or [])
                    core = [literal for literal in trial if literal in reduced]
                else:
                    position += 1
            return sorted(selector_index[literal] for literal in core)


def cheapest_model(
    diagram: Diagram,
    booleans: Sequence[bool],
    fixed: Sequence[tuple[int, int]],
    cost_terms: Sequence[tuple[int, Sequence[tuple[int, int]]]],
) -> list[int] | None:
    """The values of a valid configuration extending ``fixed`` that minimises the sum of the
    terms ``(weight, conjunction of (block, value))`` that hold; ``None`` when none exists."""
    literals = BlockLiterals(diagram.domain_sizes, booleans)
    formula = WCNF()
    for clause in literals.domain_clauses():
        formula.append(clause)
    for clause in diagram_clauses(diagram, literals, None):
        formula.append(clause)
    for block, value in fixed:
        formula.append([literals.literal(block, value)])
    for weight, conjunction in cost_terms:
        if weight > 0:
            formula.append(
                [-literals.literal(block, value) for block, value in conjunction], weight=weight
            )
    if not formula.soft:
        # Nothing is charged: any valid completion is the cheapest (RC2 wants soft clauses).
        with Solver(name=SOLVER_NAME, bootstrap_with=formula.hard) as solver:
            model = solver.get_model() if solver.solve() else None
    else:
        with RC2Stratified(formula, solver=SOLVER_NAME) as maxsat:
            model = maxsat.compute()
    if model is None:
        return None
    return literals.decode(model)

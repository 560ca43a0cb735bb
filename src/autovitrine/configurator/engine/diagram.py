"""A multi-valued decision diagram over the choices, and the exact queries answered on it.

Each choice (a family or a boolean) is a *block* with a small domain; blocks are ordered.
Node 0 is the false terminal, node 1 the true terminal; an inner node tests one block and
has one edge per value that can still lead to the true terminal. An edge that jumps over
blocks leaves them free: every value of a skipped block is allowed on that path.
Inner nodes are numbered parents first, so ascending ids walk the diagram top-down.

A *fixing* is one entry per block: ``-1`` when the block is free, else the chosen value index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

FALSE_NODE = 0
TRUE_NODE = 1
FREE = -1


@dataclass(frozen=True, eq=False)
class Diagram:
    domain_sizes: tuple[int, ...]
    node_block: tuple[int, ...]
    node_edges: tuple[dict[int, int], ...]
    root: int

    @property
    def block_count(self) -> int:
        return len(self.domain_sizes)

    @property
    def node_count(self) -> int:
        return len(self.node_block) - 2

    @property
    def edge_count(self) -> int:
        return sum(len(edges) for edges in self.node_edges)

    def _reachable(self, fixing: Sequence[int]) -> list[int]:
        """Inner nodes reachable from the root through edges the fixing allows, top-down."""
        node_block, node_edges = self.node_block, self.node_edges
        if self.root <= TRUE_NODE:
            return []
        seen = {self.root}
        stack = [self.root]
        while stack:
            node = stack.pop()
            chosen = fixing[node_block[node]]
            edges = node_edges[node]
            if chosen != FREE:
                child = edges.get(chosen, FALSE_NODE)
                if child > TRUE_NODE and child not in seen:
                    seen.add(child)
                    stack.append(child)
                continue
            for child in edges.values():
                if child > TRUE_NODE and child not in seen:
                    seen.add(child)
                    stack.append(child)
        return sorted(seen)

    def _alive(self, fixing: Sequence[int], reachable: list[int]) -> set[int]:
        """Reachable nodes from which the true terminal is reachable under the fixing."""
        node_block, node_edges = self.node_block, self.node_edges
        alive = {TRUE_NODE}
        for node in reversed(reachable):
            chosen = fixing[node_block[node]]
            edges = node_edges[node]
            if chosen != FREE:
                if edges.get(chosen, FALSE_NODE) in alive:
                    alive.add(node)
                continue
            for child in edges.values():
                if child in alive:
                    alive.add(node)
                    break
        return alive

    def consistent(self, fixing: Sequence[int]) -> bool:
        """Whether some complete valid configuration extends the fixing (depth-first, stops early)."""
        if self.root <= TRUE_NODE:
            return self.root == TRUE_NODE
        dead: set[int] = set()
        stack = [iter(self._children(self.root, fixing))]
        path = [self.root]
        while stack:
            child = next(stack[-1], None)
            if child is None:
                dead.add(path.pop())
                stack.pop()
            elif child == TRUE_NODE:
                return True
            elif child not in dead:
                path.append(child)
                stack.append(iter(self._children(child, fixing)))
        return False

    def _children(self, node: int, fixing: Sequence[int]) -> list[int]:
        edges = self.node_edges[node]
        chosen = fixing[self.node_block[node]]
        if chosen == FREE:
            return list(edges.values())
        child = edges.get(chosen, FALSE_NODE)
        return [child] if child != FALSE_NODE else []

    def possible(self, fixing: Sequence[int]) -> list[list[bool]] | None:
        """For each block, which values some valid completion of the fixing takes; ``None`` when
        the fixing itself has no valid completion."""
        if self.root == FALSE_NODE:
            return None
        node_block, node_edges = self.node_block, self.node_edges
        block_count = self.block_count
        reachable = self._reachable(fixing)
        alive = self._alive(fixing, reachable)
        if self.root not in alive:
            return None
        possible = [[False] * size for size in self.domain_sizes]
        # free_spans[b] counts the paths that skip block b (+1 where a skip starts, -1 after it).
        free_spans = [0] * (block_count + 1)
        free_spans[0] += 1
        free_spans[node_block[self.root]] -= 1
        useful = {self.root}
        for node in reachable:
            if node not in useful:
                continue
            block = node_block[node]
            chosen = fixing[block]
            marks = possible[block]
            if chosen != FREE:
                child = node_edges[node][chosen]
                pairs: list[tuple[int, int]] | tuple[tuple[int, int], ...] = ((chosen, child),)
            else:
                pairs = [
                    (value, child) for value, child in node_edges[node].items() if child in alive
                ]
            for value, child in pairs:
                marks[value] = True
                useful.add(child)
                below = node_block[child]
                if below > block + 1:
                    free_spans[block + 1] += 1
                    free_spans[below] -= 1
        running = 0
        for block in range(block_count):
            running += free_spans[block]
            if running:
                chosen = fixing[block]
                if chosen == FREE:
                    possible[block] = [True] * self.domain_sizes[block]
                else:
                    possible[block][chosen] = True
        return possible

    def count(self, fixing: Sequence[int]) -> int:
        """The exact number of complete valid configurations that extend the fixing."""
        if self.root == FALSE_NODE:
            return 0
        node_block, node_edges = self.node_block, self.node_edges
        # prefix[b]: the product of the free domain sizes of the blocks before b.
        prefix = [1]
        for block, size in enumerate(self.domain_sizes):
            prefix.append(prefix[-1] * (size if fixing[block] == FREE else 1))
        counts = {TRUE_NODE: 1}
        for node in reversed(self._reachable(fixing)):
            block = node_block[node]
            chosen = fixing[block]
            edges = node_edges[node]
            total = 0
            for value, child in edges.items():
                if chosen != FREE and value != chosen:
                    continue
                below = counts.get(child, 0)
                if below:
                    total += below * prefix[node_block[child]] // prefix[block + 1]
            counts[node] = total
        root_block = node_block[self.root]
        return counts.get(self.root, 0) * prefix[root_block]

    def cheapest_path(
        self, fixing: Sequence[int], costs: Sequence[Sequence[int]]
    ) -> tuple[int, list[int]] | None:
        """The valid completion of the fixing with the least total cost, where ``costs[b][v]``
        is what taking value ``v`` for block ``b`` costs; ``None`` when there is none."""
        if self.root == FALSE_NODE:
            return None
        node_block, node_edges = self.node_block, self.node_edges
        block_count = self.block_count
        # The best value of each block when a path skips it, and the prefix sums of those costs.
        skip_choice: list[int] = []
        skip_prefix = [0]
        for block in range(block_count):
            chosen = fixing[block]
            if chosen != FREE:
                best_value = chosen
            else:
                block_costs = costs[block]
                best_value = min(range(self.domain_sizes[block]), key=block_costs.__getitem__)
            skip_choice.append(best_value)
            skip_prefix.append(skip_prefix[-1] + costs[block][best_value])
        best: dict[int, tuple[int, int, int]] = {TRUE_NODE: (0, -1, TRUE_NODE)}
        for node in reversed(self._reachable(fixing)):
            block = node_block[node]
            chosen = fixing[block]
            block_costs = costs[block]
            found: tuple[int, int, int] | None = None
            for value, child in node_edges[node].items():
                if chosen != FREE and value != chosen:
                    continue
                below = best.get(child)
                if below is None:
                    continue
                total = (
                    block_costs[value]
                    + skip_prefix[node_block[child]]
                    - skip_prefix[block + 1]
                    + below[0]
                )
                if found is None or total < found[0]:
                    found = (total, value, child)
            if found is not None:
                best[node] = found
        start = best.get(self.root)
        if start is None:
            return None
        values = list(skip_choice)
        node = self.root
        while node != TRUE_NODE:
            _, value, child = best[node]
            values[node_block[node]] = value
            node = child
        return start[0] + skip_prefix[node_block[self.root]], values

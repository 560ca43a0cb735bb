"""Explicit statuses with a table of allowed moves: one small helper for every model that has one.

A model declares ``TRANSITIONS = Transitions({source: {targets}, ...})``; its services ask
``TRANSITIONS.allows(current, target)`` before a move on a locked row, or
``TRANSITIONS.sources_of(target)`` for the ``WHERE status IN (...)`` of one conditional UPDATE.
The table stays a read-only mapping (``TRANSITIONS[source]`` is the set of targets).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping


class Transitions(Mapping[str, frozenset[str]]):
    def __init__(self, table: Mapping[str, Iterable[str]]) -> None:
        self._table = {
            str(source): frozenset(map(str, targets)) for source, targets in table.items()
        }
        unknown = set().union(*self._table.values()) - set(self._table)
        if unknown:
            raise ValueError(f"statuts cibles sans ligne dans la table : {sorted(unknown)}")

    def __getitem__(self, source: str) -> frozenset[str]:
        return self._table[source]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def allows(self, source: str, target: str) -> bool:
        """Whether a record in ``source`` may move to ``target`` (unknown statuses: no)."""
        return target in self._table.get(source, frozenset())

    def targets(self, source: str) -> frozenset[str]:
        """Where a record in ``source`` may go next (nowhere for an unknown status)."""
        return self._table.get(source, frozenset())

    def sources_of(self, target: str) -> list[str]:
        """The statuses from which ``target`` may be reached, in the table's order."""
        return [source for source, targets in self._table.items() if target in targets]

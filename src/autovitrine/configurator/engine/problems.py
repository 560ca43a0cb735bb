"""Structured problems found in a rule base or a selection, with French messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding: a stable ``code`` for programs, a French ``message`` for people, and where."""

    code: str
    message: str
    path: str = ""
    severity: Severity = "error"

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "message": self.message,
            "path": self.path,
            "severity": self.severity,
        }


class RuleBaseError(ValueError):
    """A rule base that cannot be used; ``problems`` says every reason found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(problem.message for problem in problems[:5]))


class UnknownChoice(ValueError):
    """A selection names a family, option or value that the rule base does not define."""

    def __init__(self, name: str, value: object = None) -> None:
        self.name = name
        self.value = value
        if value is None:
            message = f"Choix inconnu : « {name} »."
        else:
            message = f"Valeur inconnue pour « {name} » : « {value} »."
        super().__init__(message)

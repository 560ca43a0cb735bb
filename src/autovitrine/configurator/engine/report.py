"""Importing a rule base: the file checks, then what only the compiled rules reveal."""

from __future__ import annotations

from dataclasses import dataclass

from .compiler import Encoding
from .configurator import Configurator
from .fileformat import MAX_BYTES, parse_rule_base
from .model import NONE
from .problems import Problem

MAX_DEAD_VALUES_EXPLAINED = 50


@dataclass(frozen=True)
class ImportReport:
    """Either a usable rule base (maybe with warnings) or ``None`` and the errors; never half."""

    configurator: Configurator | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return self.configurator is not None

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == "warning"]


def import_rule_base(
    data: bytes | str, *, encoding: Encoding = "log", max_bytes: int = MAX_BYTES
) -> ImportReport:
    """Parse, validate and compile (for every market at once) a rule base file, and report:
    unknown names, table values outside their family, pack cycles, oversize files, schema
    violations (errors); a rule base with no valid configuration (error); dead values and
    families or options forced to one value (warnings)."""
    rule_base, problems = parse_rule_base(data, max_bytes=max_bytes)
    if rule_base is None:
        return ImportReport(None, tuple(problems))
    configurator = Configurator.build(rule_base, encoding=encoding)
    findings = analyse(configurator)
    if any(problem.severity == "error" for problem in findings):
        return ImportReport(None, tuple(findings))
    return ImportReport(configurator, tuple(findings))


def analyse(configurator: Configurator) -> list[Problem]:
    """What the compiled rules say about the rule base itself."""
    rule_base = configurator.rule_base
    possible = configurator.possible()
    if not possible.consistent:
        detail = " ; ".join(configurator.contradiction())
        return [
            Problem(
                "no_valid_configuration",
                "Aucune configuration n'est valide : ces règles se contredisent"
                + (f" : {detail}." if detail else "."),
            )
        ]
    findings: list[Problem] = []
    explained = 0
    for index, family in enumerate(rule_base.families):
        allowed = possible.values[family.code]
        for position, code in enumerate(family.codes):
            if code in allowed:
                continue
            if code == NONE:
                continue
            explanation = None
            if explained < MAX_DEAD_VALUES_EXPLAINED:
                explained += 1
                explanation = configurator.explain({}, family.code, code)
            findings.append(
                Problem(
                    "dead_value",
                    explanation.message
                    if explanation
                    else f"« {rule_base.named_label_of(family.code, code)} » n'est disponible dans aucune configuration.",
                    f"families[{index}].values[{position}]",
                    "warning",
                )
            )
        if len(allowed) == 1 and len(family.codes) > 1:
            findings.append(
                Problem(
                    "forced_family",
                    f"La famille « {family.label} » n'a qu'une valeur possible : "
                    f"« {rule_base.label_of(family.code, allowed[0])} ».",
                    f"families[{index}]",
                    "warning",
                )
            )
    for item in rule_base.boolean_by_code.values():
        allowed = possible.values[item.code]
        if len(allowed) == 1:
            # Worded without gender: an option (feminine) or a pack (masculine).
            where = (
                "figure dans toutes les configurations valides"
                if allowed[0]
                else "ne figure dans aucune configuration valide"
            )
            findings.append(
                Problem(
                    "forced_option",
                    f"« {item.label} » {where} : le choix est imposé.",
                    item.code,
                    "warning",
                )
            )
    return findings

"""The configurator engine, pure Python: rule bases, their JSON format, and exact queries.

No Django here: the app around it stores rule bases, caches compiled configurators and
renders pages. See docs/configurator.md.
"""

from .compiler import CompiledRules, ConstraintSource, compile_rule_base
from .configurator import (
    Change,
    ChoiceChange,
    Completion,
    Configurator,
    Explanation,
    Possibilities,
    Selection,
)
from .fileformat import MAX_BYTES, dump_rule_base, parse_rule_base, rule_base_schema
from .model import ANY, NONE, RuleBase
from .pricing import PriceBreakdown, PriceLine, vat_of
from .problems import Problem, RuleBaseError, UnknownChoice
from .report import ImportReport, import_rule_base

__all__ = [
    "ANY",
    "MAX_BYTES",
    "NONE",
    "Change",
    "ChoiceChange",
    "CompiledRules",
    "Completion",
    "Configurator",
    "ConstraintSource",
    "Explanation",
    "ImportReport",
    "Possibilities",
    "PriceBreakdown",
    "PriceLine",
    "Problem",
    "RuleBase",
    "RuleBaseError",
    "Selection",
    "UnknownChoice",
    "compile_rule_base",
    "dump_rule_base",
    "import_rule_base",
    "parse_rule_base",
    "rule_base_schema",
    "vat_of",
]

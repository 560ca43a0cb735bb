"""The summary table of a configuration, whose lines add up to its total."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import template

from autovitrine.core.money import Price

register = template.Library()


def _get(line: Any, field: str) -> Any:
    return line[field] if isinstance(line, Mapping) else getattr(line, field)


@register.inclusion_tag("configurator/_summary.html")
def summary_table(lines: Sequence[Any], ttc: int) -> dict[str, Any]:
    """Each priced line TTC, and the model's base price as the first line, so that the lines
    shown always add up to the total (VAT rounding lands on the base line, never on a
    separate invisible difference)."""
    rows = []
    for line in lines:
        included = _get(line, "included_in")
        amount = _get(line, "amount_ht")
        line_ttc = Price.from_ht(amount).ttc if amount and not included else 0
        rows.append((_get(line, "title"), _get(line, "label"), included, line_ttc))
    return {"rows": rows, "base_ttc": ttc - sum(row[3] for row in rows), "ttc": ttc}

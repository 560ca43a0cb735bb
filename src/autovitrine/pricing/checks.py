"""System check: the brand's credit defaults give a representative example that may be advertised.

A ``CREDIT_DEFAULTS`` the code cannot read is an error (no page could show its example); an
example whose TAEG reaches today's usury ceiling (L314-6 Code de la consommation) is a warning:
the site runs, but shows no monthly amount anywhere until the rate is lowered (the ceiling
changes every quarter, so a rate that was lawful can stop being so without any deploy).
"""

from __future__ import annotations

import datetime as dt
from decimal import InvalidOperation
from typing import Any

from django.core.checks import CheckMessage, Error, Warning, register
from django.utils import timezone

# A price whose amount of credit lies in the « over 6 000 € » category, the lowest ceiling, at
# which every new car is advertised.
_REFERENCE_PRICE_CENTS = 3_000_000


def credit_defaults_problems(*, day: dt.date) -> list[CheckMessage]:
    from .financing import credit_defaults, representative_example

    try:
        credit_defaults()
    except (TypeError, ValueError, InvalidOperation) as error:
        return [
            Error(
                f"settings.CREDIT_DEFAULTS cannot be read: {error}",
                hint="months and down_payment_pct are integers, rate and "
                "insurance_pct_per_year decimal strings (pricing/financing.py).",
                id="orders.E001",
            )
        ]
    if representative_example(price_cents=_REFERENCE_PRICE_CENTS, day=day) is None:
        return [
            Warning(
                "settings.CREDIT_DEFAULTS gives no lawful representative example today: its "
                "TAEG reaches the usury ceiling (L314-6 Code de la consommation), the ceiling "
                "is not in pricing/law/usury.py, or the terms are out of bounds. No page shows a "
                "monthly amount.",
                hint="Lower CREDIT_DEFAULTS['rate'] or add the quarter's avis to "
                "pricing/law/usury.py.",
                id="orders.W001",
            )
        ]
    return []


@register("orders")
def credit_defaults_advertisable(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return credit_defaults_problems(day=timezone.localdate())

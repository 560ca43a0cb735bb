"""System check: a production site must take real payments (``check`` and ``check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register

from . import conf


@register("payments")
def production_payment_provider(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    return [
        Error(
            problem,
            hint="See docs/security.md, « Payment provider ».",
            id="payments.E001",
        )
        for problem in conf.production_problems()
    ]

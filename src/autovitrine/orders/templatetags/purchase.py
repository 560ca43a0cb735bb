"""Template filters of the purchase pages: amounts in French format."""

from __future__ import annotations

from django import template

from autovitrine.core.money import format_eur

register = template.Library()


@register.filter
def eur(cents: int | None) -> str:
    """``2490000|eur`` → ``24 900 €`` (cents shown only when there are some)."""
    return "" if cents is None else format_eur(int(cents))


@register.filter
def eur_cents(cents: int | None) -> str:
    """``2490000|eur_cents`` → ``24 900,00 €``."""
    return "" if cents is None else format_eur(int(cents), with_cents=True)


@register.filter
def whole_euros(cents: int | None) -> str:
    """``2490000|whole_euros`` → ``24900``: an amount for a form field or a link."""
    return "" if cents is None else str(int(cents) // 100)

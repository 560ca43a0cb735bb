"""Template filters of the purchase pages: amounts in French format."""

from __future__ import annotations

from django import template

from autovitrine.core.templatetags.money import eur, eur_cents

register = template.Library()
# The project's one ``eur`` filter (core), offered here too for the purchase pages.
register.filter("eur", eur)
register.filter("eur_cents", eur_cents)


@register.filter
def whole_euros(cents: int | None) -> str:
    """``2490000|whole_euros`` → ``24900``: an amount for a form field or a link."""
    return "" if cents is None else str(int(cents) // 100)

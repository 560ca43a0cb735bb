"""``{% load money %}``: French prices in templates from integer cents (``{{ cents|eur }}``).

The project's one ``eur`` filter; other tag libraries (``purchase``) expose this same function."""

from __future__ import annotations

from django import template

from autovitrine.core.money import Price, format_eur

register = template.Library()


@register.filter
def eur(cents: int | None, style: str = "") -> str:
    """``{{ 2490000|eur }}`` → ``24 900 €``; ``{{ 1999|eur:"cents" }}`` → ``19,99 €``; empty for None."""
    if cents is None or cents == "":
        return ""
    return format_eur(int(cents), with_cents=style == "cents")


def eur_cents(cents: int | None) -> str:
    """``{{ 2490000|eur_cents }}`` → ``24 900,00 €``: ``eur`` with the cents always shown."""
    return eur(cents, "cents")


@register.filter
def ttc(ht_cents: int | None) -> int | None:
    """HT cents → TTC cents at the French VAT rate: ``{{ option.price_ht|ttc|eur }}``."""
    if ht_cents is None or ht_cents == "":
        return None
    return Price.from_ht(int(ht_cents)).ttc

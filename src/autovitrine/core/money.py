"""Money in integer cents with explicit French VAT; never floats."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings


def _round_half_up_div(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def vat_rate_bp() -> int:
    """The one VAT rate (basis points) every price uses: ``settings.VAT_RATE_BASIS_POINTS``
    (20 % standard rate, CGI art. 278). The configurator engine and the orders both take it
    from here."""
    return int(settings.VAT_RATE_BASIS_POINTS)


def vat_of_line(amount_ht: int, rate_bp: int | None = None) -> int:
    """VAT on one price line, rounded half up to the cent. The rounding rule of the whole site:
    VAT is rounded per line and the total's VAT is the sum of the lines' VAT, so every
    itemised document adds up to the cent."""
    rate = vat_rate_bp() if rate_bp is None else rate_bp
    return _round_half_up_div(amount_ht * rate, 10_000)


def price_of_lines(amounts_ht: Iterable[int], rate_bp: int | None = None) -> Price:
    """The total of HT lines with VAT rounded per line (see ``vat_of_line``)."""
    rate = vat_rate_bp() if rate_bp is None else rate_bp
    amounts = list(amounts_ht)
    return Price(
        ht=sum(amounts), vat=sum(vat_of_line(amount, rate) for amount in amounts), rate_bp=rate
    )


@dataclass(frozen=True, slots=True)
class Price:
    """A price split into HT, VAT and TTC, all in cents; ``ht + vat == ttc`` always holds."""

    ht: int
    vat: int
    rate_bp: int

    @property
    def ttc(self) -> int:
        return self.ht + self.vat

    @classmethod
    def from_ht(cls, ht: int, rate_bp: int | None = None) -> Price:
        rate = vat_rate_bp() if rate_bp is None else rate_bp
        return cls(ht=ht, vat=vat_of_line(ht, rate), rate_bp=rate)

    @classmethod
    def from_ttc(cls, ttc: int, rate_bp: int | None = None) -> Price:
        rate = vat_rate_bp() if rate_bp is None else rate_bp
        ht = _round_half_up_div(ttc * 10_000, 10_000 + rate)
        return cls(ht=ht, vat=ttc - ht, rate_bp=rate)


def group_thousands(number: int) -> str:
    """``12 345 678``: thousands grouped with narrow no-break spaces, as French writes them."""
    return f"{number:,}".replace(",", "\u202f")


def format_eur(cents: int, *, with_cents: bool = False) -> str:
    """French format: ``24 990 €`` (narrow no-break space between thousands, comma for cents)."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    grouped = group_thousands(euros)
    if with_cents or rest:
        return f"{sign}{grouped},{rest:02d}\u00a0€"
    return f"{sign}{grouped}\u00a0€"


# The largest amount any money column holds (``PositiveIntegerField``: 2^31 − 1 cents, about
# 21,4 million euros): a typed amount above it is refused as typed, never sent to the database.
MAX_STORABLE_CENTS = 2_147_483_647


class AmountTooLarge(ValueError):
    """An amount above ``MAX_STORABLE_CENTS``."""


def parse_eur_to_cents(text: str) -> int:
    """Parse a French-typed amount (``24 990``, ``24990,50``, ``24 990 €``) into cents.

    Raises ``ValueError`` for anything that is not a non-negative amount. Only ASCII digits
    count: ``str.isdigit`` and ``int`` also read full-width (``２４９９０``) and other scripts'
    digits, which no one types as an amount on purpose (issue 10). ``AmountTooLarge`` (a
    ``ValueError``) above what a money column stores.
    """
    cleaned = (
        text.replace("€", "").replace("\u202f", "").replace("\u00a0", "").replace(" ", "").strip()
    )
    cleaned = cleaned.replace(",", ".")
    digits = cleaned.replace(".", "")
    if not cleaned or cleaned.count(".") > 1 or not (digits.isascii() and digits.isdigit()):
        raise ValueError(text)
    whole, _, frac = cleaned.partition(".")
    if len(frac) > 2 or len(whole) > 12:
        raise AmountTooLarge(text) if len(frac) <= 2 else ValueError(text)
    cents = int(whole or "0") * 100 + int((frac + "00")[:2])
    if cents > MAX_STORABLE_CENTS:
        raise AmountTooLarge(text)
    return cents

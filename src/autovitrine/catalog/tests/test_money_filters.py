"""``{% load money %}``: the filters other templates use to print cents as French prices."""

from __future__ import annotations

from django.template import Context, Template


def test_cents_print_as_french_prices_and_ht_converts_to_ttc():
    # Given
    template = Template(
        "{% load money %}{{ price|eur }}|{{ fee|eur:'cents' }}|{{ ht|ttc|eur }}|{{ missing|eur }}"
    )

    # When
    rendered = template.render(
        Context({"price": 2_490_000, "fee": 19_900, "ht": 2_075_000, "missing": None})
    )

    # Then
    assert rendered == "24\u202f900\u00a0€|199,00\u00a0€|24\u202f900\u00a0€|"

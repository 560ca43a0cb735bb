"""Totals that add up (issue #14) on the saved (shared) configuration page, as on the
configurator's summary: a base-price line, each priced line, the total."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from autovitrine.configurator.services import configuration_save
from autovitrine.testing.text import must_find

pytestmark = pytest.mark.django_db


def euros(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def summary(html: str) -> tuple[list[int], int]:
    table = must_find(r'<table class="cfg-summary">.*?</table>', html, re.S).group(0)
    body, foot = table.split("<tfoot>")
    assert "Prix de base" in body
    amounts = [euros(cell) for cell in re.findall(r"<td>(?:\+ )?([0-9\u202f\xa0 ]+€)</td>", body)]
    return amounts, euros(must_find(r"<strong>([^<]+)</strong>", foot).group(1))


def test_the_saved_configuration_lines_sum_to_its_total(client, terra):
    choices = [("trim", "gt"), ("paint", "rouge-aurore"), ("wheels", "r20"), ("pack-hiver", True)]
    saved = configuration_save(product_data=terra, choices=choices)

    html = client.get(reverse("configurator:saved", kwargs={"code": saved.code})).content.decode()

    amounts, total = summary(html)
    assert len(amounts) >= 4  # the base, the trim, the paint, the wheels, the pack…
    assert sum(amounts) == total == saved.price_ttc // 100

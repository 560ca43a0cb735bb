"""On a phone, as rendered: the representative example's type sizes (Code de la consommation
L312-8: the TAEG, its fixed nature, the total due, the instalments and the L312-5 sentence « dans
une taille de caractère plus importante que celle utilisée pour indiquer toute autre information
relative aux caractéristiques du financement »), read from Chromium's computed styles."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def font_px(locator) -> float:
    return float(locator.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))


def test_l312_8_the_key_figures_are_rendered_larger_than_the_other_financing_figures(
    new_phone, terra, granian_server
):
    page = new_phone()
    page.goto("/configurer/aurore-terra/")
    example = page.locator("#credit-example")
    example.wait_for()

    taeg = font_px(example.locator(".credit-taeg"))
    instalments = font_px(example.locator("#credit-instalments"))
    total_due = font_px(example.locator("#credit-total-due"))
    sentence = font_px(example.locator(".credit-warning strong"))
    others = example.locator("p:not(.credit-key)")
    assert others.count() >= 1
    assert "Taux débiteur fixe" in others.first.inner_text()
    other = max(font_px(others.nth(i)) for i in range(others.count()))

    assert min(taeg, instalments, total_due, sentence) > other
    assert taeg >= max(instalments, total_due, sentence)

"""On a phone: a buyer configures the demo Terra through a conflict, accepts the proposed
change, saves, and the shared link opens the same car in a fresh browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from autovitrine.configurator.models import SavedConfiguration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def htmx_idle(page) -> None:
    # A tap during htmx's swap or settle lands on the outgoing copy or on a list that is still
    # scrolling the current step into view; a person waits for the page to settle, so do we.
    page.wait_for_function(
        "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def pick(page, name: str, label: str) -> None:
    htmx_idle(page)
    page.locator(f'a[data-name="{name}"]', has_text=label).click()


def go_to_step(page, title: str) -> None:
    htmx_idle(page)
    page.locator(".cfg-steps a", has_text=title).click()
    page.wait_for_selector(f'.cfg-steps a.is-current:has-text("{title}")')


def test_configure_through_a_conflict_save_and_open_the_shared_link(
    new_phone, terra, granian_server, settings
):
    settings.PUBLIC_BASE_URL = granian_server.url  # the short link printed on the page
    page = new_phone()
    page.goto("/configurer/aurore-terra/")
    pick(page, "trim", "Finition Life")
    page.wait_for_selector('a[data-name="trim"].is-selected:has-text("Life")')
    life_price = page.locator("#cfg-price").inner_text()

    go_to_step(page, "Jantes")
    r20 = page.locator('a[data-name="wheels"]', has_text="20 pouces")
    assert "needs-change" in r20.get_attribute("class")
    r20.click()

    trial = page.locator("#cfg-trial")
    trial.wait_for()
    assert "réservées à la finition GT" in trial.inner_text()
    assert "Finition Life → Finition GT" in trial.inner_text()
    assert "Avant" in page.locator("#cfg-cost").inner_text()
    page.locator("#cfg-accept").click()
    page.wait_for_selector('a[data-name="wheels"].is-selected:has-text("20 pouces")')
    assert page.locator("#cfg-trial").count() == 0
    assert page.locator("#cfg-price").inner_text() != life_price
    # htmx swapped the configurator and pushed the selection's short id into the address bar.
    assert re.search(r"[?&]e=[A-Za-z0-9_-]{16}", page.url)

    go_to_step(page, "Récapitulatif")
    summary = page.locator(".cfg-summary").inner_text()
    assert "Finition GT" in summary and "20 pouces Diamant" in summary
    page.locator("#cfg-save").click()
    page.wait_for_url("**/configurer/c/*/")
    share_url = page.locator("#share-url").input_value()
    expect(page.locator(".cfg-qr svg")).to_be_visible()

    saved = SavedConfiguration.objects.get()
    assert share_url.endswith(f"/c/{saved.code}")

    stranger = new_phone()
    stranger.goto(share_url)
    stranger.wait_for_url(f"**/configurer/c/{saved.code}/")
    shared = stranger.locator(".cfg-summary").inner_text()
    assert "Finition GT" in shared and "Jantes alliage 20 pouces Diamant" in shared
    expect(stranger.locator("#saved-order")).to_be_visible()

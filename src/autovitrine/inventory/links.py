"""Links to the stock's pages for a whole page of results."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse


def vehicle_page_urls() -> Callable[[int], str]:
    """A vehicle's page URL from its id: ``reverse`` once a search (in the active language)
    instead of once a card, where it cost more than drawing the card."""
    sample = reverse("inventory:vehicle", kwargs={"vehicle_id": 0})
    prefix = sample.removesuffix("0/")
    assert f"{prefix}0/" == sample, sample
    return lambda vehicle_id: f"{prefix}{vehicle_id}/"

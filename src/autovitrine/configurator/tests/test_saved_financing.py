"""A saved configuration opens the financing simulator pre-filled with its price (issue 14)."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from autovitrine.configurator.services import configuration_save

pytestmark = pytest.mark.django_db


def test_the_saved_configuration_opens_the_simulator_with_its_price_and_a_result(client, terra):
    saved = configuration_save(product_data=terra, choices=[("trim", "gt")])

    page = client.get(reverse("configurator:saved", kwargs={"code": saved.code})).content.decode()
    link = html.unescape(re.search(r'id="saved-financing" href="([^"]+)"', page).group(1))
    simulator = html.unescape(client.get(link).content.decode())

    euros = saved.price_ttc // 100
    assert f'name="price" value="{euros}' in simulator
    assert 'id="monthly-payment"' in simulator
    assert 'value="' + saved.code + '"' in simulator  # kept through the htmx requests

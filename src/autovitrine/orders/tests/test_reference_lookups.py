"""Issue 10: references that answer whether they exist (order numbers ``AV-…``, flash-sale
purchases ``VF-…``, workshop bookings, an order's production timeline) are rate-limited per
client: past ``CODE_LOOKUPS_PER_WINDOW`` unknown references, a 429 page says in French how long to
wait and carries ``Retry-After``. Only misses count, so an owner reloading their order is never
refused; once refused, another buyer's real number is a 429 too (it tells nothing)."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from autovitrine.core.ratelimit import CODE_LOOKUPS_PER_WINDOW
from autovitrine.testing import factories as f

pytestmark = pytest.mark.django_db

LOOKUPS = [
    ("orders:detail", "number"),
    ("flashsales:order", "reference"),
    ("workshop:booking", "number"),
    ("production:timeline", "number"),
]


def signed_in(client):
    client.force_login(f.UserFactory(), backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.mark.parametrize(("url_name", "kwarg"), LOOKUPS)
def test_unknown_references_past_the_quota_get_a_french_429(client, settings, url_name, kwarg):
    settings.FLASHSALE_DB_THREAD_POOL = False  # the flash pages' pool cannot see the test's data
    signed_in(client)
    for i in range(CODE_LOOKUPS_PER_WINDOW):
        url = reverse(url_name, kwargs={kwarg: f"AV-TRY{i:09d}"})
        assert client.get(url).status_code == 404

    refused = client.get(reverse(url_name, kwargs={kwarg: "AV-TRYONEMORE1"}))

    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 600
    text = html.unescape(refused.content.decode())
    assert "Trop de références consultées : réessayez dans" in text
    assert "minutes" in text  # a 10-minute window: « réessayez dans 10 minutes »


def test_the_owner_polling_their_own_order_is_never_refused(client, paid_order):
    client.force_login(paid_order.customer, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("orders:detail", kwargs={"number": paid_order.number})
    for _ in range(CODE_LOOKUPS_PER_WINDOW + 5):
        assert client.get(url).status_code == 200


def test_once_refused_another_buyers_real_number_tells_nothing(client, paid_order):
    signed_in(client)
    for i in range(CODE_LOOKUPS_PER_WINDOW):
        client.get(reverse("orders:detail", kwargs={"number": f"AV-TRY{i:09d}"}))

    response = client.get(reverse("orders:detail", kwargs={"number": paid_order.number}))

    assert response.status_code == 429

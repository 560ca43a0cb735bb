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


# The dealer side: order numbers (and the handover and workshop pages of one) a staff member
# opens. Another dealer's number is a miss like an unknown one.
DEALER_LOOKUPS = [
    ("orders:dealer_detail", "number"),
    ("production:dealer_handover", "number"),
    ("workshop:dealer_booking", "number"),
]


@pytest.mark.parametrize(("url_name", "kwarg"), DEALER_LOOKUPS)
def test_a_dealer_trying_order_numbers_gets_a_french_429(client, dealer_staff, url_name, kwarg):
    client.force_login(dealer_staff, backend="django.contrib.auth.backends.ModelBackend")
    for i in range(CODE_LOOKUPS_PER_WINDOW):
        url = reverse(url_name, kwargs={kwarg: f"AV-TRY{i:09d}"})
        assert client.get(url).status_code == 404

    refused = client.get(reverse(url_name, kwargs={kwarg: "AV-TRYONEMORE1"}))

    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 600
    assert "Trop de références consultées : réessayez dans" in html.unescape(
        refused.content.decode()
    )


def test_another_dealers_order_counts_as_a_miss_and_its_own_is_never_refused(
    client, paid_order, other_dealer_staff
):
    # Given: a staff member of another dealer opens this order up to the quota
    client.force_login(other_dealer_staff, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("orders:dealer_detail", kwargs={"number": paid_order.number})
    for _ in range(CODE_LOOKUPS_PER_WINDOW):
        assert client.get(url).status_code == 404
    assert client.get(url).status_code == 429

    # When: the delivering dealer's staff, from the same address, opens it again and again
    own = f.DealerStaffFactory(dealer=paid_order.dealer).user
    client.force_login(own, backend="django.contrib.auth.backends.ModelBackend")

    # Then: its own order always opens
    for _ in range(5):
        assert client.get(url).status_code == 200


def test_dealer_misses_are_counted_per_real_client_behind_the_proxy(client, dealer_staff, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    client.force_login(dealer_staff, backend="django.contrib.auth.backends.ModelBackend")
    through_proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for i in range(CODE_LOOKUPS_PER_WINDOW + 1):
        client.get(
            reverse("orders:dealer_detail", kwargs={"number": f"AV-TRY{i:09d}"}),
            HTTP_X_FORWARDED_FOR="198.51.100.1",
            **through_proxy,
        )
    url = reverse("orders:dealer_detail", kwargs={"number": "AV-TRYONEMORE1"})

    refused = client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.1", **through_proxy)
    another_client = client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.2", **through_proxy)

    assert refused.status_code == 429
    assert another_client.status_code == 404

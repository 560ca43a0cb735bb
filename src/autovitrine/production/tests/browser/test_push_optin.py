"""On the buyer's phone, the timeline offers the tracking alerts as Web Push once the platform has
VAPID keys: the button shows (push.js, no inline script), its service worker registers, and the
page passes axe-core."""

from __future__ import annotations

import pytest

from autovitrine.testing import factories as f

from ..conftest import factory_order
from .test_live_timeline import axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A valid P-256 public key (uncompressed point, base64url), as the browser wants it.
PUBLIC_KEY = (
    "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
)


@pytest.fixture
def vapid_env(monkeypatch):
    monkeypatch.setenv("WEBPUSH_VAPID_PUBLIC_KEY", PUBLIC_KEY)


def test_the_buyer_is_offered_alerts_on_the_phone(vapid_env, new_phone):
    buyer = f.UserFactory(email="lea@example.fr")
    order = factory_order(buyer, f.DealerFactory())
    page = new_phone()
    sign_in(page, buyer.email)

    page.goto(f"/commandes/{order.number}/suivi/")

    button = page.get_by_role("button", name="Recevoir aussi ces alertes sur ce téléphone")
    button.scroll_into_view_if_needed()
    assert button.is_visible()
    scope = page.evaluate(
        "async () => (await navigator.serviceWorker.register("
        "document.getElementById('push-optin').dataset.worker)).scope"
    )
    assert scope.endswith("/static/production/")
    assert axe_violations(page) == []

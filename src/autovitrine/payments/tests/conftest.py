"""Fixtures for payment tests: the Stripe stand-in wired into settings, webhook posting."""

from __future__ import annotations

import pytest
from django.urls import reverse

from .stripe_standin import stripe_standin

STRIPE_KEY = "sk_test_autovitrine"
STRIPE_WEBHOOK_SECRET = "whsec_autovitrine_test"


@pytest.fixture
def stripe(settings):
    """A running Stripe stand-in; settings point the adapter at it."""
    with stripe_standin(api_key=STRIPE_KEY, webhook_secret=STRIPE_WEBHOOK_SECRET) as state:
        settings.STRIPE_API_BASE = state.base_url
        settings.STRIPE_SECRET_KEY = STRIPE_KEY
        settings.STRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET
        settings.PAYMENT_TIMEOUT_SECONDS = 2
        yield state


def webhook_url(provider: str) -> str:
    return reverse("api:payments_webhook", kwargs={"provider": provider})


@pytest.fixture
def post_webhook(client):
    """``post_webhook("stripe", body, {"Stripe-Signature": ...})`` → the endpoint's response."""

    def post(provider: str, body: bytes, headers: dict[str, str]):
        return client.post(
            webhook_url(provider), data=body, content_type="application/json", headers=headers
        )

    return post

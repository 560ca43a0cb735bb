"""Payment settings, read from Django settings with embedded-default fallbacks.

- ``PAYMENT_PROVIDER``: ``simulated`` (default, no outside service) or ``stripe``.
- ``PAYMENT_TIMEOUT_SECONDS``: how long a call to the provider may take (default 10).
- ``STRIPE_API_BASE`` (default ``https://api.stripe.com``), ``STRIPE_SECRET_KEY``,
  ``STRIPE_WEBHOOK_SECRET``: the Stripe account; tests point the base at a local stand-in.
- ``PAYMENT_SIMULATOR_SECRET``: signs the simulator's webhooks (default: derived from SECRET_KEY).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.crypto import salted_hmac


def provider_name() -> str:
    return str(getattr(settings, "PAYMENT_PROVIDER", "simulated"))


def timeout_seconds() -> float:
    return float(getattr(settings, "PAYMENT_TIMEOUT_SECONDS", 10))


def stripe_api_base() -> str:
    return str(getattr(settings, "STRIPE_API_BASE", "https://api.stripe.com")).rstrip("/")


def stripe_secret_key() -> str:
    return str(getattr(settings, "STRIPE_SECRET_KEY", ""))


def stripe_webhook_secret() -> str:
    return str(getattr(settings, "STRIPE_WEBHOOK_SECRET", ""))


def simulator_secret() -> str:
    configured = getattr(settings, "PAYMENT_SIMULATOR_SECRET", "")
    return configured or salted_hmac("autovitrine.payments.simulator", "webhooks").hexdigest()

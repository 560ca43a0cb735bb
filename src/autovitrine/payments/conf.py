"""Payment settings, read from Django settings with embedded-default fallbacks.

- ``PAYMENT_PROVIDER``: ``simulated`` (default outside production, no outside service) or
  ``stripe``. In production it has no default: a real provider must be chosen.
- ``ALLOW_SIMULATED_PAYMENTS``: in production, ``true`` together with
  ``PAYMENT_PROVIDER=simulated`` lets a staging site run the simulator; nothing else does.
- ``PAYMENT_TIMEOUT_SECONDS``: how long a call to the provider may take (default 10).
- ``STRIPE_API_BASE`` (default ``https://api.stripe.com``), ``STRIPE_SECRET_KEY``,
  ``STRIPE_WEBHOOK_SECRET``: the Stripe account; tests point the base at a local stand-in.
- ``PAYMENT_SIMULATOR_SECRET``: signs the simulator's webhooks (default: derived from SECRET_KEY).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import salted_hmac

REAL_PROVIDERS = ("stripe",)


def provider_name() -> str:
    return str(getattr(settings, "PAYMENT_PROVIDER", "simulated"))


def production() -> bool:
    return bool(getattr(settings, "PRODUCTION", False))


def simulator_enabled() -> bool:
    """The simulator marks a payment paid with one click: outside production, or on a staging
    site that asked for it explicitly (both settings), never by default."""
    if not production():
        return True
    return provider_name() == "simulated" and bool(
        getattr(settings, "ALLOW_SIMULATED_PAYMENTS", False)
    )


def provider_enabled(name: str) -> bool:
    if name == "simulated":
        return simulator_enabled()
    return not production() or name == provider_name()


def production_problems() -> list[str]:
    """Why this production configuration must not take payments (empty: it may)."""
    if not production():
        return []
    name = provider_name()
    if name == "simulated":
        if simulator_enabled():
            return []
        return [
            "PAYMENT_PROVIDER=simulated in production needs ALLOW_SIMULATED_PAYMENTS=true "
            "(a staging site); a real site sets PAYMENT_PROVIDER=stripe."
        ]
    if name not in REAL_PROVIDERS:
        return [f"PAYMENT_PROVIDER must be one of {', '.join(REAL_PROVIDERS)} in production."]
    missing = [
        variable
        for variable, value in (
            ("STRIPE_SECRET_KEY", stripe_secret_key()),
            ("STRIPE_WEBHOOK_SECRET", stripe_webhook_secret()),
        )
        if not value
    ]
    return [f"PAYMENT_PROVIDER=stripe needs {variable}." for variable in missing]


def refuse_unsafe_production() -> None:
    """Called by the server's entry point: a production site without real payments never starts."""
    problems = production_problems()
    if problems:
        raise ImproperlyConfigured(" ".join(problems))


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

"""The configured payment provider, by name."""

from __future__ import annotations

from .. import conf
from .base import PaymentProvider
from .simulated import SimulatedProvider
from .stripe import StripeProvider

PROVIDER_NAMES = ("simulated", "stripe")


class UnknownProvider(LookupError):
    pass


def provider_for(name: str) -> PaymentProvider:
    """The provider called ``name``; ``UnknownProvider`` for a name this site does not run (the
    simulator in production, unless a staging site allowed it)."""
    if not conf.provider_enabled(name):
        raise UnknownProvider(name)
    if name == "simulated":
        return SimulatedProvider(secret=conf.simulator_secret())
    if name == "stripe":
        return StripeProvider(
            api_key=conf.stripe_secret_key(),
            webhook_secret=conf.stripe_webhook_secret(),
            api_base=conf.stripe_api_base(),
            timeout_seconds=conf.timeout_seconds(),
        )
    raise UnknownProvider(name)


def default_provider() -> PaymentProvider:
    return provider_for(conf.provider_name())

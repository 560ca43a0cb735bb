"""The simulated payment provider's answer in tests: its signed webhook, delivered in-process."""

from __future__ import annotations

from autovitrine.payments import conf
from autovitrine.payments.models import Payment
from autovitrine.payments.providers.simulated import SimulatedProvider
from autovitrine.payments.services import payment_webhook_receive


def settle(payment: Payment, *, paid: bool = True) -> None:
    """The simulated provider's signed webhook telling the payment's outcome, delivered."""
    provider = SimulatedProvider(secret=conf.simulator_secret())
    body, signature = provider.webhook_for(
        provider_id=payment.provider_id, amount_cents=payment.amount_cents, paid=paid
    )
    payment_webhook_receive(
        provider_name="simulated", headers={"X-Simulator-Signature": signature}, body=body
    )

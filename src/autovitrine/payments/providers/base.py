"""What every payment provider offers: open a payment, refund it, read its signed webhooks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from ..signatures import InvalidSignature

__all__ = [
    "InvalidSignature",
    "MalformedWebhook",
    "PaymentProvider",
    "PaymentSession",
    "ProviderError",
    "ProviderUnavailable",
    "WebhookEvent",
]

WebhookOutcome = Literal["succeeded", "failed", "ignored"]


@dataclass(frozen=True, slots=True)
class PaymentSession:
    """Where to send the buyer, and the provider's id for this payment."""

    provider_id: str
    redirect_url: str


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    event_id: str
    provider_id: str
    outcome: WebhookOutcome
    amount_cents: int | None = None
    detail: str = ""


class MalformedWebhook(InvalidSignature):
    """A webhook whose content no provider sends (an over-long id, an absurd amount): refused
    with a 400, never a 500, which a provider would retry forever."""


# What the payments table can hold: ids as long as its columns, amounts of a positive integer.
MAX_WEBHOOK_ID_LENGTH = 120
MAX_WEBHOOK_AMOUNT_CENTS = 2_147_483_647


def check_webhook_event(event: WebhookEvent) -> WebhookEvent:
    """``event`` if each field fits what we store; ``MalformedWebhook`` otherwise."""
    for value in (event.event_id, event.provider_id):
        if not (
            isinstance(value, str)
            and len(value) <= MAX_WEBHOOK_ID_LENGTH
            and value.isascii()
            and value.isprintable()
        ):
            raise MalformedWebhook("id outside what a provider sends")
    if event.amount_cents is not None and not (
        type(event.amount_cents) is int and 0 <= event.amount_cents <= MAX_WEBHOOK_AMOUNT_CENTS
    ):
        raise MalformedWebhook("amount outside what a provider sends")
    return event


class ProviderError(Exception):
    """The provider refused the request; ``message`` is French, for the buyer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ProviderUnavailable(ProviderError):
    """No answer in time, or the provider failed: the request may be retried with the same key."""


class PaymentProvider(Protocol):
    name: str

    def create_payment(
        self, *, amount_cents: int, reference: str, idempotency_key: str, return_url: str
    ) -> PaymentSession: ...

    def refund(self, *, provider_id: str, amount_cents: int, idempotency_key: str) -> str:
        """Refund ``amount_cents`` of a paid payment; returns the provider's refund id."""
        ...

    def parse_webhook(self, *, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        """Verify the signature (``InvalidSignature`` otherwise) and read the event."""
        ...

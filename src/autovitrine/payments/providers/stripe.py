"""Stripe adapter on Stripe's own library (``stripe``): Checkout Sessions, Refunds, signed webhooks.

Requests, idempotency keys and webhook signature verification are the library's; this module only
maps our calls onto it and its errors onto ours. ``api_base`` points the library elsewhere (the
tests' loopback stand-in, which speaks Stripe's wire format).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx
import stripe as stripe_library
from django.utils.translation import gettext as _

from ..signatures import header_value
from .base import (
    InvalidSignature,
    MalformedWebhook,
    PaymentSession,
    ProviderError,
    ProviderUnavailable,
    WebhookEvent,
    WebhookOutcome,
)

API_VERSION = "2024-06-20"
WEBHOOK_TOLERANCE_SECONDS = 300
# Stripe refuses amounts above 99,999,999 cents (the eight-digit limit of its API).
MAX_AMOUNT_CENTS = 99_999_999

# Checkout Session events that settle a payment; every other event type is acknowledged and ignored.
EVENT_OUTCOMES: dict[str, WebhookOutcome] = {
    "checkout.session.completed": "succeeded",
    "checkout.session.async_payment_succeeded": "succeeded",
    "checkout.session.async_payment_failed": "failed",
    "checkout.session.expired": "failed",
}


class StripeProvider:
    name = "stripe"

    def __init__(
        self,
        *,
        api_key: str,
        webhook_secret: str,
        api_base: str = "https://api.stripe.com",
        timeout_seconds: float = 10.0,
    ) -> None:
        self.webhook_secret = webhook_secret
        # The caller retries with the same idempotency key (payment_start, payment_refund): the
        # library does not retry by itself, so one call never outlasts our timeout.
        self.client = stripe_library.StripeClient(
            api_key or "sk_missing",
            stripe_version=API_VERSION,
            base_addresses={"api": api_base.rstrip("/")},
            max_network_retries=0,
            http_client=stripe_library.HTTPXClient(
                timeout=timeout_seconds, allow_sync_methods=True
            ),
        )

    def create_payment(
        self, *, amount_cents: int, reference: str, idempotency_key: str, return_url: str
    ) -> PaymentSession:
        params: dict[str, Any] = {
            "mode": "payment",
            "success_url": return_url,
            "cancel_url": return_url,
            "client_reference_id": reference,
            "metadata": {"reference": reference},
            "payment_intent_data": {"metadata": {"reference": reference}},
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "eur",
                        "unit_amount": amount_cents,
                        "product_data": {"name": _("Acompte %(ref)s") % {"ref": reference}},
                    },
                }
            ],
        }
        session = self._call(
            lambda: self.client.v1.checkout.sessions.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            )
        )
        return PaymentSession(provider_id=str(session.id), redirect_url=str(session.url))

    def refund(self, *, provider_id: str, amount_cents: int, idempotency_key: str) -> str:
        # A refund targets the PaymentIntent the Checkout Session created when it was paid.
        session = self._call(lambda: self.client.v1.checkout.sessions.retrieve(provider_id))
        payment_intent = session.to_dict().get("payment_intent")
        if not payment_intent:
            raise ProviderError(_("Ce paiement n'a pas été encaissé : rien à rembourser."))
        refund = self._call(
            lambda: self.client.v1.refunds.create(
                {"payment_intent": str(payment_intent), "amount": amount_cents},
                {"idempotency_key": idempotency_key},
            )
        )
        return str(refund.id)

    def parse_webhook(self, *, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        signature = header_value(headers, "Stripe-Signature")
        try:
            stripe_library.WebhookSignature.verify_header(
                body, signature, self.webhook_secret, WEBHOOK_TOLERANCE_SECONDS
            )
        except (stripe_library.SignatureVerificationError, ValueError, TypeError) as exc:
            # ValueError: a body that is not UTF-8 or a timestamp that is not a number.
            raise InvalidSignature("signature does not verify") from exc
        try:
            event = json.loads(body)
            session = event["data"]["object"]
            event_id, session_id = event["id"], session["id"]
            amount = session.get("amount_total")
            event_type = event["type"]
            payment_status = session.get("payment_status")
        except (ValueError, KeyError, TypeError, RecursionError, OverflowError) as exc:
            # RecursionError: JSON nested past the parser's depth; OverflowError: 1e400 → inf.
            raise MalformedWebhook("unreadable body") from exc
        if amount is not None and not (
            type(amount) is int and 0 <= amount <= MAX_AMOUNT_CENTS  # bool is no amount
        ):
            raise MalformedWebhook("amount outside Stripe's range")
        outcome = EVENT_OUTCOMES.get(str(event_type), "ignored")
        # "completed" can arrive before the money does (bank debits): wait for async success.
        if outcome == "succeeded" and payment_status not in ("paid", None):
            outcome = "ignored"
        return WebhookEvent(
            event_id=event_id,
            provider_id=session_id,
            outcome=outcome,
            amount_cents=amount,
            detail=str(event_type)[:100],
        )

    @staticmethod
    def _call(request: Any) -> Any:
        try:
            return request()
        except stripe_library.APIConnectionError as exc:
            if isinstance(exc.__cause__, httpx.TimeoutException):
                raise ProviderUnavailable(
                    _("Le service de paiement ne répond pas. Réessayez dans quelques instants.")
                ) from exc
            raise ProviderUnavailable(
                _("Le service de paiement est injoignable. Réessayez dans quelques instants.")
            ) from exc
        except stripe_library.StripeError as exc:
            status = exc.http_status or 500
            # 409: the same idempotent request is still running at Stripe; 429: rate limited.
            if status >= 500 or status in (409, 429):
                raise ProviderUnavailable(
                    _("Le service de paiement est momentanément indisponible. Réessayez plus tard.")
                ) from exc
            raise ProviderError(_("Le service de paiement a refusé la demande.")) from exc

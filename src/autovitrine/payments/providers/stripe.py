"""Stripe adapter over its HTTP API (Checkout Sessions, Refunds, signed webhooks), with httpx.

Only the few calls we need, spoken in Stripe's own shapes: form-encoded requests with a bearer
key and an ``Idempotency-Key`` header; JSON answers; webhooks signed in ``Stripe-Signature``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx
from django.utils.translation import gettext as _

from ..signatures import header_value, verify_signature_header
from .base import (
    InvalidSignature,
    PaymentSession,
    ProviderError,
    ProviderUnavailable,
    WebhookEvent,
    WebhookOutcome,
)

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
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.api_base = api_base.rstrip("/")
        self.timeout_seconds = timeout_seconds

    def create_payment(
        self, *, amount_cents: int, reference: str, idempotency_key: str, return_url: str
    ) -> PaymentSession:
        session = self._request(
            "POST",
            "/v1/checkout/sessions",
            data={
                "mode": "payment",
                "success_url": return_url,
                "cancel_url": return_url,
                "client_reference_id": reference,
                "metadata[reference]": reference,
                "payment_intent_data[metadata][reference]": reference,
                "line_items[0][quantity]": "1",
                "line_items[0][price_data][currency]": "eur",
                "line_items[0][price_data][unit_amount]": str(amount_cents),
                "line_items[0][price_data][product_data][name]": _("Acompte %(ref)s")
                % {"ref": reference},
            },
            idempotency_key=idempotency_key,
        )
        return PaymentSession(provider_id=session["id"], redirect_url=session["url"])

    def refund(self, *, provider_id: str, amount_cents: int, idempotency_key: str) -> str:
        # A refund targets the PaymentIntent the Checkout Session created when it was paid.
        session = self._request("GET", f"/v1/checkout/sessions/{provider_id}")
        payment_intent = session.get("payment_intent")
        if not payment_intent:
            raise ProviderError(_("Ce paiement n'a pas été encaissé : rien à rembourser."))
        refund = self._request(
            "POST",
            "/v1/refunds",
            data={"payment_intent": payment_intent, "amount": str(amount_cents)},
            idempotency_key=idempotency_key,
        )
        return str(refund["id"])

    def parse_webhook(self, *, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        verify_signature_header(
            header=header_value(headers, "Stripe-Signature"), secret=self.webhook_secret, body=body
        )
        try:
            event = json.loads(body)
            session = event["data"]["object"]
            outcome = EVENT_OUTCOMES.get(event["type"], "ignored")
            # "completed" can arrive before the money does (bank debits): wait for async success.
            if outcome == "succeeded" and session.get("payment_status") not in ("paid", None):
                outcome = "ignored"
            amount = session.get("amount_total")
            return WebhookEvent(
                event_id=str(event["id"]),
                provider_id=str(session["id"]),
                outcome=outcome,
                amount_cents=int(amount) if amount is not None else None,
                detail=str(event["type"])[:100],
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidSignature("unreadable body") from exc

    def _request(
        self,
        method: str,
        path: str,
        *,
        data: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.api_key}", "Stripe-Version": "2024-06-20"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        try:
            response = httpx.request(
                method,
                self.api_base + path,
                data=data,
                headers=headers,
                timeout=self.timeout_seconds,
            )
        except httpx.TimeoutException as exc:
            raise ProviderUnavailable(
                _("Le service de paiement ne répond pas. Réessayez dans quelques instants.")
            ) from exc
        except httpx.TransportError as exc:
            raise ProviderUnavailable(
                _("Le service de paiement est injoignable. Réessayez dans quelques instants.")
            ) from exc
        # 409: the same idempotent request is still running at Stripe; 429: rate limited.
        if response.status_code >= 500 or response.status_code in (409, 429):
            raise ProviderUnavailable(
                _("Le service de paiement est momentanément indisponible. Réessayez plus tard.")
            )
        if response.status_code >= 400:
            raise ProviderError(_("Le service de paiement a refusé la demande."))
        return response.json()

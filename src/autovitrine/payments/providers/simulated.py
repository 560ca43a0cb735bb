"""The simulated provider: its own pages under /paiement/simulateur/, and signed webhooks.

It keeps no state of its own: the payment page URL carries the payment, signed, the way a real
provider's hosted page would know it. "Payer" and "Échec" build a webhook exactly as a remote
provider would (JSON body, ``X-Simulator-Signature`` header) and hand it to our webhook handler.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

from django.core import signing
from django.urls import reverse

from ..signatures import header_value, signature_header, verify_signature_header
from .base import MalformedWebhook, PaymentSession, WebhookEvent

SIGNATURE_HEADER = "X-Simulator-Signature"
TOKEN_SALT = "autovitrine.payments.simulator.page"
OUTCOMES = {"payment.succeeded": "succeeded", "payment.failed": "failed"}


class SimulatedProvider:
    name = "simulated"

    def __init__(self, *, secret: str) -> None:
        self.secret = secret

    def create_payment(
        self, *, amount_cents: int, reference: str, idempotency_key: str, return_url: str
    ) -> PaymentSession:
        # The key makes the id stable, as a real provider returns the same session on a retry.
        provider_id = "sim_" + signing.Signer(salt=TOKEN_SALT).signature(idempotency_key)[:24]
        token = signing.dumps(
            {"id": provider_id, "amount": amount_cents, "ref": reference, "return": return_url},
            salt=TOKEN_SALT,
        )
        return PaymentSession(
            provider_id=provider_id,
            redirect_url=reverse("payments:simulator", kwargs={"token": token}),
        )

    def refund(self, *, provider_id: str, amount_cents: int, idempotency_key: str) -> str:
        return "simre_" + signing.Signer(salt=TOKEN_SALT).signature(idempotency_key)[:24]

    def parse_webhook(self, *, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        verify_signature_header(
            header=header_value(headers, SIGNATURE_HEADER), secret=self.secret, body=body
        )
        try:
            payload = json.loads(body)
            outcome = OUTCOMES.get(payload["type"], "ignored")
            return WebhookEvent(
                event_id=str(payload["id"]),
                provider_id=str(payload["payment_id"]),
                outcome=outcome,  # type: ignore[arg-type]
                amount_cents=int(payload["amount_cents"]),
            )
        except (ValueError, KeyError, TypeError, RecursionError, OverflowError) as exc:
            # RecursionError: JSON nested past the parser's depth; OverflowError: 1e400 → inf.
            raise MalformedWebhook("unreadable body") from exc

    # --- the simulator's own side: what its pages read and send -----------------------------

    @staticmethod
    def read_page_token(token: str) -> dict[str, Any]:
        """The payment behind a simulator page; ``signing.BadSignature`` if tampered with."""
        return signing.loads(token, salt=TOKEN_SALT, max_age=24 * 3600)

    def webhook_for(self, *, provider_id: str, amount_cents: int, paid: bool) -> tuple[bytes, str]:
        """A signed webhook (body, signature header) telling the outcome of a payment."""
        body = json.dumps(
            {
                "id": "evt_" + secrets.token_hex(12),
                "type": "payment.succeeded" if paid else "payment.failed",
                "payment_id": provider_id,
                "amount_cents": amount_cents,
            }
        ).encode()
        return body, signature_header(secret=self.secret, body=body)

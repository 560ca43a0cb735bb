"""Payment webhooks: ``POST /api/payments/webhooks/{provider}``, signed by the provider."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from autovitrine.core.api_errors import ApiError, errors

from .providers import UnknownProvider
from .providers.base import InvalidSignature, MalformedWebhook
from .services import payment_webhook_receive

router = Router(tags=["payments"])


@router.post(
    "/webhooks/{provider}", url_name="payments_webhook", response={200: dict, **errors(404)}
)
def webhook(request: HttpRequest, provider: str) -> dict:
    """200 once applied (or already applied, or not about one of our payments), so the
    provider stops retrying; 400 ``bad_signature`` when the signature does not verify,
    ``invalid_webhook`` when a signed body holds what no provider sends."""
    try:
        payment = payment_webhook_receive(
            provider_name=provider, headers=dict(request.headers), body=request.body
        )
    except UnknownProvider as exc:
        raise ApiError(404, "unknown_provider", "Prestataire de paiement inconnu.") from exc
    except MalformedWebhook as exc:
        raise ApiError(400, "invalid_webhook", "Contenu du webhook invalide.") from exc
    except InvalidSignature as exc:
        raise ApiError(400, "bad_signature", "Signature du webhook invalide.") from exc
    return {"received": True, "known": payment is not None}

"""Reads on payments for the other apps."""

from __future__ import annotations

from .models import Payment

# A payment's statuses, for the apps that react to them (orders, flash sales).
PaymentStatus = Payment.Status
# Why a payment is listed « à vérifier » (money no sale could take), for the apps that flag one.
PaymentReviewReason = Payment.ReviewReason


def payment_by_id(payment_id: int) -> Payment:
    return Payment.objects.get(pk=payment_id)


def payment_status_for_provider(*, provider: str, provider_id: str) -> str | None:
    """The status of the payment a provider knows by ``provider_id`` (``None``: not ours)."""
    return (
        Payment.objects.filter(provider=provider, provider_id=provider_id)
        .values_list("status", flat=True)
        .first()
    )

"""Reads on payments for the other apps."""

from __future__ import annotations

from .models import Payment

# A payment's statuses, for the apps that react to them (orders, flash sales).
PaymentStatus = Payment.Status


def payment_by_id(payment_id: int) -> Payment:
    return Payment.objects.get(pk=payment_id)

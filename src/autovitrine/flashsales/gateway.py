"""The payment provider seen by flash sales: a small protocol and a simulated implementation.

The shape is the one of a real provider: ``start`` a payment (idempotent on the merchant
reference), the provider later reports the outcome (the ``confirm``/``fail`` callback handled by
``services.purchase_confirm`` / ``services.purchase_fail``), and a captured payment can be
refunded. The ``payments`` app can replace ``SimulatedPaymentGateway`` behind the same protocol.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol

from django.db import IntegrityError, transaction
from django.urls import reverse

from .models import SimulatedPayment


@dataclass(frozen=True, slots=True)
class StartedPayment:
    payment_ref: str
    redirect_url: str


class PaymentGateway(Protocol):
    def start(self, *, merchant_reference: str, amount_ttc: int) -> StartedPayment:
        """Open a payment; calling it again with the same reference returns the same payment."""
        ...

    def refund(self, *, payment_ref: str) -> None:
        """Give the money back (or void the authorisation); refunding twice is a no-op."""
        ...


class SimulatedPaymentGateway:
    """Keeps its ledger in ``SimulatedPayment``; the buyer "pays" on a page of ours."""

    def start(self, *, merchant_reference: str, amount_ttc: int) -> StartedPayment:
        payment = SimulatedPayment.objects.filter(merchant_reference=merchant_reference).first()
        if payment is None:
            try:
                with transaction.atomic():
                    payment = SimulatedPayment.objects.create(
                        ref=f"sim_{secrets.token_hex(12)}",
                        merchant_reference=merchant_reference,
                        amount_ttc=amount_ttc,
                    )
            except IntegrityError:
                payment = SimulatedPayment.objects.get(merchant_reference=merchant_reference)
        url = reverse("flashsales:simulated_payment", kwargs={"payment_ref": payment.ref})
        return StartedPayment(payment_ref=payment.ref, redirect_url=url)

    def settle(self, *, payment_ref: str, success: bool) -> bool:
        """What the simulated card page does: capture or refuse; ``False`` if already settled."""
        to_status = SimulatedPayment.Status.CAPTURED if success else SimulatedPayment.Status.FAILED
        return (
            SimulatedPayment.objects.filter(
                ref=payment_ref, status=SimulatedPayment.Status.PENDING
            ).update(status=to_status)
            == 1
        )

    def refund(self, *, payment_ref: str) -> None:
        SimulatedPayment.objects.filter(
            ref=payment_ref,
            status__in=[SimulatedPayment.Status.PENDING, SimulatedPayment.Status.CAPTURED],
        ).update(status=SimulatedPayment.Status.REFUNDED)


def payment_gateway() -> SimulatedPaymentGateway:
    return SimulatedPaymentGateway()

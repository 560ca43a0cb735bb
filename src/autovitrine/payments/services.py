"""Writes on payments: open one at the provider, apply its webhooks, refund it.

No database lock is held while the provider is called; the payment row is claimed by conditional
UPDATEs before and after. The app that asked for a payment (e.g. orders, for a deposit) registers a
listener for its ``purpose``; it runs inside the transaction that changes the payment's status, so
the payment and what depends on it change together or not at all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from autovitrine.core.money import format_eur

from . import conf
from .models import Payment, PaymentEvent
from .providers import provider_for
from .providers.base import (
    ProviderError,
    ProviderUnavailable,
    WebhookEvent,
    check_webhook_event,
)

logger = logging.getLogger(__name__)

PaymentListener = Callable[[Payment, str], None]
_LISTENERS: dict[str, PaymentListener] = {}
# What head office reads for each purpose in the admin (the app that pays says it).
PURPOSE_LABELS: dict[str, str | Promise] = {}

_OUTCOME_STATUS = {"succeeded": Payment.Status.SUCCEEDED, "failed": Payment.Status.FAILED}


def payment_listener_register(
    *, purpose: str, listener: PaymentListener, label: str | Promise | None = None
) -> None:
    """``listener(payment, previous_status)`` runs on each status change of ``purpose`` payments;
    ``label`` names the purpose in French for head office."""
    _LISTENERS[purpose] = listener
    PURPOSE_LABELS[purpose] = label or purpose


def payment_start(
    *,
    purpose: str,
    reference: str,
    amount_cents: int,
    idempotency_key: str,
    return_url: str,
    provider_name: str | None = None,
) -> Payment:
    """Open (or reopen, with the same key) a payment at the provider.

    When the provider does not answer, the payment stays pending with a French ``message`` and
    no redirect; calling again with the same key retries safely (the provider deduplicates too).
    """
    payment = _payment_get_or_create(
        purpose=purpose,
        reference=reference,
        amount_cents=amount_cents,
        idempotency_key=idempotency_key,
        provider_name=provider_name or conf.provider_name(),
    )
    if payment.status != Payment.Status.PENDING or payment.redirect_url:
        return payment
    provider = provider_for(payment.provider)
    try:
        session = provider.create_payment(
            amount_cents=payment.amount_cents,
            reference=payment.reference,
            idempotency_key=payment.idempotency_key,
            return_url=return_url,
        )
    except ProviderError as exc:
        kind = (
            PaymentEvent.Kind.PROVIDER_UNAVAILABLE
            if isinstance(exc, ProviderUnavailable)
            else PaymentEvent.Kind.PROVIDER_REFUSED
        )
        with transaction.atomic():
            Payment.objects.filter(pk=payment.pk).update(message=exc.message[:300])
            PaymentEvent.objects.create(payment=payment, kind=kind, detail=exc.message[:300])
        payment.refresh_from_db()
        return payment
    with transaction.atomic():
        opened = Payment.objects.filter(pk=payment.pk, provider_id="").update(
            provider_id=session.provider_id, redirect_url=session.redirect_url, message=""
        )
        if opened:
            PaymentEvent.objects.create(
                payment=payment, kind=PaymentEvent.Kind.OPENED, detail=session.provider_id[:300]
            )
    payment.refresh_from_db()
    return payment


def _payment_get_or_create(
    *, purpose: str, reference: str, amount_cents: int, idempotency_key: str, provider_name: str
) -> Payment:
    if amount_cents <= 0:
        raise ValidationError(_("Le montant à payer doit être positif."), code="amount")
    provider_for(provider_name)  # an unknown provider fails here, before anything is written
    existing = Payment.objects.filter(idempotency_key=idempotency_key).first()
    if existing is None:
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    provider=provider_name,
                    purpose=purpose,
                    reference=reference,
                    amount_cents=amount_cents,
                    idempotency_key=idempotency_key,
                )
                PaymentEvent.objects.create(
                    payment=payment, kind=PaymentEvent.Kind.CREATED, to_status=payment.status
                )
                return payment
        except IntegrityError:
            # The same request, retried concurrently, inserted it first.
            existing = Payment.objects.get(idempotency_key=idempotency_key)
    if (existing.purpose, existing.reference, existing.amount_cents) != (
        purpose,
        reference,
        amount_cents,
    ):
        raise ValidationError(
            _("Cette clé d'idempotence a déjà servi pour un autre paiement."),
            code="idempotency_conflict",
        )
    return existing


def payment_webhook_receive(
    *, provider_name: str, headers: Mapping[str, str], body: bytes
) -> Payment | None:
    """Apply a provider webhook once; returns the payment, or ``None`` if it is not ours.

    Raises ``InvalidSignature`` (``MalformedWebhook`` for a signed body no provider would send;
    nothing is written) and ``UnknownProvider``. The same event
    delivered twice, or a second event with the same outcome, changes nothing.
    """
    provider = provider_for(provider_name)
    event = check_webhook_event(provider.parse_webhook(headers=headers, body=body))
    if not event.provider_id:
        return None
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .filter(provider=provider.name, provider_id=event.provider_id)
            .first()
        )
        if payment is None:
            return None
        if PaymentEvent.objects.filter(payment=payment, provider_event_id=event.event_id).exists():
            return payment
        _payment_apply_outcome(payment, event)
    return payment


def _payment_apply_outcome(payment: Payment, event: WebhookEvent) -> None:
    """One new provider event, under the payment's row lock. Money is never silently kept: a
    success that cannot be attached (after a failure, or for another amount) is recorded,
    flagged for head office and refunded once this transaction commits."""
    target = _OUTCOME_STATUS.get(event.outcome)
    received = payment.amount_cents if event.amount_cents is None else event.amount_cents
    status = payment.status
    if target == Payment.Status.SUCCEEDED and status == Payment.Status.PENDING:
        payment.received_cents = received
        if received == payment.amount_cents:
            _payment_move(
                payment,
                to_status=Payment.Status.SUCCEEDED,
                kind=PaymentEvent.Kind.SUCCEEDED,
                provider_event_id=event.event_id,
                message="",
            )
            return
        # Not the amount due: no sale can take it; the payment fails and the money goes back.
        _payment_move(
            payment,
            to_status=Payment.Status.FAILED,
            kind=PaymentEvent.Kind.FAILED,
            provider_event_id=event.event_id,
            message=_(
                "Le montant reçu (%(received)s) ne correspond pas au montant dû (%(due)s) : "
                "il vous est intégralement remboursé."
            )
            % {
                "received": format_eur(received, with_cents=True),
                "due": format_eur(payment.amount_cents, with_cents=True),
            },
            detail="amount mismatch",
        )
        payment_return_unexpected(
            payment_id=payment.pk,
            reason=Payment.ReviewReason.AMOUNT_MISMATCH,
            detail=f"received {received}, due {payment.amount_cents}",
        )
        return
    if target == Payment.Status.SUCCEEDED and status == Payment.Status.FAILED:
        # Money for a payment we already told the buyer had failed: refunded, never a sale.
        Payment.objects.filter(pk=payment.pk).update(received_cents=received)
        PaymentEvent.objects.create(
            payment=payment,
            kind=PaymentEvent.Kind.IGNORED,
            provider_event_id=event.event_id,
            detail=f"paid after failure: {received}",
        )
        payment_return_unexpected(
            payment_id=payment.pk,
            reason=Payment.ReviewReason.PAID_AFTER_FAILURE,
            detail=f"received {received} after the failure",
        )
        return
    if target == Payment.Status.FAILED and status == Payment.Status.PENDING:
        _payment_move(
            payment,
            to_status=Payment.Status.FAILED,
            kind=PaymentEvent.Kind.FAILED,
            provider_event_id=event.event_id,
            message=_("Le paiement a été refusé ; aucun montant n'a été débité."),
        )
        return
    # A repeat of what we already know (another event id, the same outcome and amount) changes
    # nothing; anything else (a failure after the money came, another amount) goes to review.
    repeat = (
        target is None
        or (target == Payment.Status.FAILED and status == Payment.Status.FAILED)
        or (
            target == Payment.Status.SUCCEEDED
            and received == (payment.received_cents or payment.amount_cents)
        )
    )
    detail = "amount mismatch" if received != payment.amount_cents else event.detail
    PaymentEvent.objects.create(
        payment=payment,
        kind=PaymentEvent.Kind.IGNORED,
        provider_event_id=event.event_id,
        detail=(detail or event.outcome)[:300],
    )
    if not repeat:
        _payment_flag(
            payment.pk,
            reason=Payment.ReviewReason.UNEXPECTED_EVENT,
            detail=f"{event.outcome} ({received}) while {status}",
        )


def payment_return_unexpected(*, payment_id: int, reason: str, detail: str = "") -> None:
    """Money that arrived but that nothing can take (a deposit paid after its hold or order
    ended, after a failure, or for another amount): flagged for head office, and refunded in
    full once the caller's transaction commits (a refund the provider refuses stays flagged,
    with its ``refund_failed`` event, for head office to retry)."""
    _payment_flag(payment_id, reason=reason, detail=detail)
    transaction.on_commit(partial(_refund_unexpected, payment_id), robust=True)


def _refund_unexpected(payment_id: int) -> None:
    payment = Payment.objects.get(pk=payment_id)
    if payment.status in (Payment.Status.SUCCEEDED, Payment.Status.FAILED) and (
        payment.received_cents or payment.status == Payment.Status.SUCCEEDED
    ):
        payment_refund(payment_id=payment_id)


def _payment_flag(payment_id: int, *, reason: str, detail: str = "") -> None:
    """List the payment in « paiements à vérifier » (the admin's filter), with an event."""
    Payment.objects.filter(pk=payment_id).update(review_reason=reason, reviewed_at=None)
    PaymentEvent.objects.create(
        payment_id=payment_id, kind=PaymentEvent.Kind.FLAGGED, detail=f"{reason}: {detail}"[:300]
    )
    logger.warning("Payment %s flagged for review: %s %s", payment_id, reason, detail)


def payment_mark_reviewed(*, payment_ids: Iterable[int], by: Any) -> int:
    """Head office has looked at these flagged payments: they leave the list to review."""
    now, done = timezone.now(), 0
    with transaction.atomic():
        for payment in (
            Payment.objects.select_for_update()
            .filter(pk__in=list(payment_ids), reviewed_at__isnull=True)
            .exclude(review_reason="")
        ):
            payment.reviewed_at = now
            payment.save(update_fields=["reviewed_at", "updated_at"])
            PaymentEvent.objects.create(
                payment=payment,
                kind=PaymentEvent.Kind.REVIEWED,
                detail=str(getattr(by, "email", "") or by)[:300],
            )
            done += 1
    return done


def payment_refund(*, payment_id: int, amount_cents: int | None = None) -> Payment:
    """Refund a paid payment through its provider, in full or ``amount_cents`` of it (one
    refund per payment); refunding twice refunds once.

    If the provider fails, the payment stays paid with a French ``message`` and a
    ``refund_failed`` event, and calling again retries with the same refund key.
    """
    payment = Payment.objects.get(pk=payment_id)
    if payment.status == Payment.Status.REFUNDED:
        return payment
    # A failed payment holds money only when some arrived anyway (``payment_return_unexpected``).
    holds_money = payment.status == Payment.Status.SUCCEEDED or (
        payment.status == Payment.Status.FAILED and payment.received_cents > 0
    )
    if not holds_money or not payment.provider_id:
        raise ValidationError(
            _("Ce paiement n'a pas été encaissé : rien à rembourser."), code="not_paid"
        )
    received = payment.received_cents or payment.amount_cents
    amount = received if amount_cents is None else amount_cents
    if not 0 < amount <= received:
        raise ValidationError(
            _("Montant à rembourser invalide : entre 0,01 € et le montant payé."),
            code="refund_amount",
        )
    provider = provider_for(payment.provider)
    try:
        refund_id = provider.refund(
            provider_id=payment.provider_id,
            amount_cents=amount,
            idempotency_key=f"refund-{payment.idempotency_key}",
        )
    except ProviderError as exc:
        with transaction.atomic():
            Payment.objects.filter(pk=payment.pk).update(message=exc.message[:300])
            PaymentEvent.objects.create(
                payment=payment, kind=PaymentEvent.Kind.REFUND_FAILED, detail=exc.message[:300]
            )
        payment.refresh_from_db()
        return payment
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status in (Payment.Status.SUCCEEDED, Payment.Status.FAILED):
            payment.refund_id = refund_id[:120]
            payment.refunded_cents = amount
            _payment_move(
                payment,
                to_status=Payment.Status.REFUNDED,
                kind=PaymentEvent.Kind.REFUNDED,
                message=_("Remboursement effectué."),
                detail=refund_id,
            )
    return payment


def _payment_move(
    payment: Payment,
    *,
    to_status: str,
    kind: str,
    message: str,
    provider_event_id: str = "",
    detail: str = "",
) -> None:
    """Change status under the caller's transaction, write the event, tell the listener."""
    previous = payment.status
    payment.status = to_status
    payment.message = message[:300]
    payment.save(
        update_fields=[
            "status",
            "message",
            "refund_id",
            "refunded_cents",
            "received_cents",
            "updated_at",
        ]
    )
    PaymentEvent.objects.create(
        payment=payment,
        kind=kind,
        from_status=previous,
        to_status=to_status,
        provider_event_id=provider_event_id,
        detail=detail[:300],
    )
    listener = _LISTENERS.get(payment.purpose)
    if listener is not None:
        listener(payment, previous)

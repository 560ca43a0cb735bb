"""Paying the deposit: start the payment, then confirm, fail or refund on the provider's word."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from autovitrine.core.codes import public_code
from autovitrine.dealers.services import dealer_staff_notify
from autovitrine.inventory.selectors import StockStatus
from autovitrine.inventory.services import vehicle_flash_sale_release
from autovitrine.orders.services import order_from_flash_purchase
from autovitrine.payments.selectors import PaymentReviewReason, PaymentStatus
from autovitrine.payments.services import payment_return_unexpected, payment_start

from .. import selectors
from ..errors import FlashSaleRefusal
from ..models import (
    Hold,
    IdempotencyRecord,
    Purchase,
    QueueEntry,
    SaleEvent,
    SaleUnit,
)
from ._base import (
    _clean_key,
    _db_now,
    _event,
)
from .sale import sale_share_lock, sale_sync

if TYPE_CHECKING:
    from autovitrine.payments.models import Payment

# --- Paying the deposit ---------------------------------------------------------------------


def _new_reference() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    # 65 bits (``core.codes``); references issued before (8 characters) stay valid.
    return "VF-" + public_code(alphabet)


# Deposits of flash-sale purchases, as the payments app knows them (see ``apps.py``).
PAYMENT_PURPOSE = "flashsale_deposit"


@dataclass(frozen=True, slots=True)
class PaymentStep:
    purchase: Purchase
    redirect_url: str | None  # the provider's page, or None when the purchase is already settled


def purchase_start(
    *, hold_ref: Any, customer: Any, idempotency_key: str = "", site_url: str = ""
) -> PaymentStep:
    """Start the deposit payment for a live hold; a retried "pay" returns the same payment.
    The provider sends the buyer back to the order page on ``site_url`` (this site's address).

    No row lock is held here: the hold's time limit stands in for it, and the confirmation
    checks again that the hold is still this buyer's.
    """
    hold = selectors.hold_for_customer(ref=hold_ref, customer_id=customer.pk)
    if hold is None:
        raise Hold.DoesNotExist
    key = _clean_key(idempotency_key)
    purchase = Purchase.objects.filter(hold=hold).first()
    if purchase is None:
        if hold.status != Hold.Status.ACTIVE:
            raise FlashSaleRefusal("hold_not_active")
        live = SaleUnit.objects.filter(
            pk=hold.unit_id,
            status=SaleUnit.Status.HELD,
            hold_ref=hold.ref,
            held_until__gt=_db_now(),
        ).exists()
        if not live:
            raise FlashSaleRefusal("hold_expired")
        try:
            with transaction.atomic():
                purchase = Purchase.objects.create(
                    reference=_new_reference(),
                    hold=hold,
                    sale_id=hold.sale_id,
                    unit_id=hold.unit_id,
                    customer=customer,
                    delivering_dealer_id=hold.delivering_dealer_id,
                    amount_ttc=hold.sale.deposit_ttc,
                )
                IdempotencyRecord.objects.create(
                    customer=customer,
                    sale_id=hold.sale_id,
                    action=IdempotencyRecord.Action.PAY,
                    key=key,
                    response={"reference": purchase.reference},
                )
                _event(
                    hold.sale_id,
                    SaleEvent.Subject.PURCHASE,
                    purchase.pk,
                    "",
                    purchase.status,
                    by=customer,
                ).save()
        except IntegrityError:
            purchase = Purchase.objects.get(hold=hold)
    if purchase.status != Purchase.Status.PENDING:
        return PaymentStep(purchase=purchase, redirect_url=None)
    payment = payment_start(
        purpose=PAYMENT_PURPOSE,
        reference=purchase.reference,
        amount_cents=purchase.amount_ttc,
        idempotency_key=f"flashsale-{purchase.reference}",
        return_url=site_url.rstrip("/")
        + reverse("flashsales:order", kwargs={"reference": purchase.reference}),
    )
    if purchase.payment_ref != str(payment.pk):
        Purchase.objects.filter(pk=purchase.pk, payment_ref__isnull=True).update(
            payment_ref=str(payment.pk)
        )
        purchase.refresh_from_db()
    if not payment.redirect_url:
        # The provider did not answer: the hold keeps running, paying again retries safely.
        raise FlashSaleRefusal("payment_unavailable")
    return PaymentStep(purchase=purchase, redirect_url=payment.redirect_url)


def purchase_on_payment(payment: Payment, previous_status: str) -> None:
    """Payments listener, inside the payment's transaction: paid, the held unit is sold (or the
    money goes back if the hold ended); refused, the unit goes back on sale."""
    if not Purchase.objects.filter(payment_ref=str(payment.pk)).exists():
        return
    if payment.status == PaymentStatus.SUCCEEDED:
        purchase_confirm(payment_ref=str(payment.pk))
    elif payment.status == PaymentStatus.FAILED:
        purchase_fail(payment_ref=str(payment.pk))


def _tell_dealer_unit_sold(purchase: Purchase) -> None:
    """The unit's dealer learns of the sale at once: the car must be kept for its buyer."""
    unit = SaleUnit.objects.select_related("stock_vehicle").get(pk=purchase.unit_id)
    dealer_staff_notify(
        dealer_id=unit.dealer_id,
        subject=_("Vente flash : %(vehicle)s vendu") % {"vehicle": unit.stock_vehicle.title},
        body=_(
            "Bonjour,\n\nDans la vente flash « %(sale)s », %(vehicle)s (VIN %(vin)s) de votre "
            "stock est vendu (acompte payé, référence %(reference)s).\nSuivi de la vente : %(url)s\n"
        )
        % {
            "sale": purchase.sale.title,
            "vehicle": unit.stock_vehicle.title,
            "vin": unit.stock_vehicle.vin,
            "reference": purchase.reference,
            "url": settings.PUBLIC_BASE_URL.rstrip("/")
            + reverse("flashsales:dashboard", kwargs={"slug": purchase.sale.slug}),
        },
    )


def purchase_confirm(*, payment_ref: str) -> Purchase:
    """The provider says the deposit is paid: the held unit becomes sold, if the hold still stands.

    A confirmation for a hold that expired (or was taken over) is refunded, never a second sale.
    Confirming twice is harmless.
    """
    purchase = Purchase.objects.filter(payment_ref=payment_ref).first()
    if purchase is None:
        raise Purchase.DoesNotExist
    changes: list[tuple[int, str]] = []
    with transaction.atomic():
        purchase = (
            # Only the purchase row: locking its hold too would deadlock with a claim that
            # takes the unit, then expires the hold it displaces.
            Purchase.objects.select_for_update(of=("self",))
            .select_related("hold", "sale")
            .get(pk=purchase.pk)
        )
        if purchase.status != Purchase.Status.PENDING:
            return purchase
        hold, now = purchase.hold, timezone.now()
        # A close that committed first has released the hold: then no sale, the money goes back.
        sale_share_lock(sale_id=purchase.sale_id)
        sold = SaleUnit.objects.filter(
            pk=purchase.unit_id,
            is_active=True,
            status=SaleUnit.Status.HELD,
            hold_ref=hold.ref,
            holder_id=purchase.customer_id,
            held_until__gte=_db_now(),
        ).update(
            status=SaleUnit.Status.SOLD,
            sold_to_id=purchase.customer_id,
            sold_at=now,
            payment_ref=payment_ref,
        )
        if sold:
            purchase.status, purchase.settled_at = Purchase.Status.PAID, now
            purchase.save(update_fields=["status", "settled_at"])
            Hold.objects.filter(pk=hold.pk).update(status=Hold.Status.PAID)
            QueueEntry.objects.filter(
                sale_id=purchase.sale_id,
                customer_id=purchase.customer_id,
                status=QueueEntry.Status.CLAIMED,
            ).update(status=QueueEntry.Status.PURCHASED)
            events = [
                _event(purchase.sale_id, SaleEvent.Subject.UNIT, purchase.unit_id, "held", "sold"),
                _event(purchase.sale_id, SaleEvent.Subject.HOLD, hold.pk, "active", "paid"),
                _event(
                    purchase.sale_id, SaleEvent.Subject.PURCHASE, purchase.pk, "pending", "paid"
                ),
            ]
            _mark_vehicle_sold(purchase=purchase, events=events)
            _tell_dealer_unit_sold(purchase)
            # Every online sale is an order (its documents, e-mails, withdrawal right, taxes).
            order_from_flash_purchase(
                reference=purchase.reference,
                customer=purchase.customer,
                vehicle_id=SaleUnit.objects.values_list("stock_vehicle_id", flat=True).get(
                    pk=purchase.unit_id
                ),
                dealer_id=purchase.delivering_dealer_id,
                price_ttc=purchase.sale.price_ttc,
                deposit_payment_id=int(payment_ref),
                paid_at=now,
            )
            bought = selectors.customer_units_bought(
                sale_id=purchase.sale_id, customer_id=purchase.customer_id
            )
            changes.append(
                (purchase.customer_id, "s" if bought >= purchase.sale.limit_per_customer else "")
            )
        else:
            # The money arrived for a hold that ended (expired, taken over, or the sale closed):
            # flagged for head office and refunded once this commits, never a second sale.
            payment_return_unexpected(
                payment_id=int(payment_ref),
                reason=PaymentReviewReason.PAID_TOO_LATE,
                detail=f"flash-sale purchase {purchase.reference}: hold ended",
            )
            purchase.status, purchase.settled_at = Purchase.Status.REFUNDED, now
            purchase.save(update_fields=["status", "settled_at"])
            events = [
                _event(
                    purchase.sale_id,
                    SaleEvent.Subject.PURCHASE,
                    purchase.pk,
                    "pending",
                    "refunded",
                    note="payment confirmed after the hold ended",
                )
            ]
            events += _end_hold(purchase=purchase, to_status=Hold.Status.EXPIRED)
            changes.append((purchase.customer_id, ""))
        SaleEvent.objects.bulk_create(events)
    sale_sync(sale_id=purchase.sale_id, changes=changes)
    return purchase


def purchase_fail(*, payment_ref: str) -> Purchase:
    """The provider refused the payment: the unit goes back and the next buyer is admitted."""
    purchase = Purchase.objects.filter(payment_ref=payment_ref).first()
    if purchase is None:
        raise Purchase.DoesNotExist
    with transaction.atomic():
        purchase = (
            Purchase.objects.select_for_update(of=("self",))
            .select_related("hold")
            .get(pk=purchase.pk)
        )
        if purchase.status != Purchase.Status.PENDING:
            return purchase
        purchase.status, purchase.settled_at = Purchase.Status.FAILED, timezone.now()
        purchase.save(update_fields=["status", "settled_at"])
        events = [
            _event(purchase.sale_id, SaleEvent.Subject.PURCHASE, purchase.pk, "pending", "failed")
        ]
        events += _end_hold(purchase=purchase, to_status=Hold.Status.RELEASED)
        SaleEvent.objects.bulk_create(events)
    sale_sync(sale_id=purchase.sale_id, changes=[(purchase.customer_id, "")])
    return purchase


def _end_hold(*, purchase: Purchase, to_status: str) -> list[SaleEvent]:
    """Give the purchase's unit back if its hold still sits on it, and end the hold."""
    hold = purchase.hold
    events: list[SaleEvent] = []
    if SaleUnit.objects.filter(
        pk=purchase.unit_id, status=SaleUnit.Status.HELD, hold_ref=hold.ref
    ).update(status=SaleUnit.Status.AVAILABLE, holder=None, held_until=None, hold_ref=None):
        events.append(
            _event(purchase.sale_id, SaleEvent.Subject.UNIT, purchase.unit_id, "held", "available")
        )
    if Hold.objects.filter(pk=hold.pk, status=Hold.Status.ACTIVE).update(status=to_status):
        events.append(
            _event(purchase.sale_id, SaleEvent.Subject.HOLD, hold.pk, "active", to_status)
        )
    # The buyer's place lapses, unless they already hold another unit of this sale.
    if not Hold.objects.filter(
        sale_id=purchase.sale_id, customer_id=purchase.customer_id, status=Hold.Status.ACTIVE
    ).exists():
        QueueEntry.objects.filter(
            sale_id=purchase.sale_id,
            customer_id=purchase.customer_id,
            status=QueueEntry.Status.CLAIMED,
        ).update(status=QueueEntry.Status.LAPSED)
    return events


def _mark_vehicle_sold(*, purchase: Purchase, events: list[SaleEvent]) -> None:
    """Mark the stock vehicle sold; a stock record changed meanwhile must not undo the sale."""
    vehicle_id = (
        SaleUnit.objects.filter(pk=purchase.unit_id)
        .values_list("stock_vehicle_id", flat=True)
        .get()
    )
    if not vehicle_flash_sale_release(
        vehicle_id=vehicle_id,
        sale_id=purchase.sale_id,
        to_status=StockStatus.SOLD,
        reason=_("Vente flash, commande %(ref)s") % {"ref": purchase.reference},
    ):
        events.append(
            _event(
                purchase.sale_id,
                SaleEvent.Subject.UNIT,
                purchase.unit_id,
                "sold",
                "sold",
                note="stock vehicle status could not be set to sold",
            )
        )

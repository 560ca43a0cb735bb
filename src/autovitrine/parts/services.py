"""Writes on parts: reserve for pick-up (atomic stock decrement), collect, release expired."""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Part, Reservation, Stock
from .selectors import HOLD_HOURS

MAX_QUANTITY = 10


class OutOfStock(ValidationError):
    pass


def _number() -> str:
    return "PR" + secrets.token_hex(5).upper()


def stock_set(*, dealer_id: int, part_id: int, quantity: int) -> Stock:
    if quantity < 0:
        raise ValidationError(_("Le stock ne peut pas être négatif."))
    stock, _created = Stock.objects.update_or_create(
        dealer_id=dealer_id, part_id=part_id, defaults={"quantity": quantity}
    )
    return stock


def reservation_create(
    *,
    customer_id: int,
    dealer_id: int,
    part: Part,
    quantity: int = 1,
    now: dt.datetime | None = None,
    booking_number: str = "",
    hold_until: dt.datetime | None = None,
) -> Reservation:
    """Take ``quantity`` units off the dealer's stock for 48 h (or until ``hold_until`` for a
    part to be fitted at the workshop booking ``booking_number``). One conditional UPDATE claims
    them (``quantity >= n``): concurrent clients can never take the stock below zero, and the
    database's check constraint backs it."""
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationError(
            _("Quantité entre 1 et %(max)d.") % {"max": MAX_QUANTITY}, code="invalid_quantity"
        )
    now = now or timezone.now()
    with transaction.atomic():
        taken = Stock.objects.filter(
            dealer_id=dealer_id, part_id=part.pk, quantity__gte=quantity
        ).update(quantity=F("quantity") - quantity)
        if taken != 1:
            raise OutOfStock(
                _("Plus assez de stock dans cette concession pour cette pièce."),
                code="out_of_stock",
            )
        return Reservation.objects.create(
            number=_number(),
            dealer_id=dealer_id,
            part=part,
            customer_id=customer_id,
            quantity=quantity,
            price_ht=part.price_ht,
            expires_at=hold_until or now + dt.timedelta(hours=HOLD_HOURS),
            booking_number=booking_number,
        )


def _close(reservation_id: int, *, status: str, restock: bool) -> bool:
    with transaction.atomic():
        moved = Reservation.objects.filter(
            pk=reservation_id, status=Reservation.Status.HELD
        ).update(status=status)
        if moved and restock:
            row = Reservation.objects.values("dealer_id", "part_id", "quantity").get(
                pk=reservation_id
            )
            Stock.objects.filter(dealer_id=row["dealer_id"], part_id=row["part_id"]).update(
                quantity=F("quantity") + row["quantity"]
            )
        return bool(moved)


def reservation_collect(*, reservation: Reservation) -> bool:
    return _close(reservation.pk, status=Reservation.Status.COLLECTED, restock=False)


def reservation_cancel(*, reservation: Reservation) -> bool:
    return _close(reservation.pk, status=Reservation.Status.RELEASED, restock=True)


def reservations_release_expired(*, now: dt.datetime | None = None) -> int:
    """Put back on the shelf every reservation not collected within 48 h (scheduled task)."""
    now = now or timezone.now()
    expired = Reservation.objects.filter(
        status=Reservation.Status.HELD, expires_at__lt=now
    ).values_list("pk", flat=True)
    return sum(_close(pk, status=Reservation.Status.RELEASED, restock=True) for pk in list(expired))


def reservations_for_booking_close(*, booking_number: str, fitted: bool) -> int:
    """The parts held for a workshop booking: fitted (collected) or put back on the shelf."""
    held = Reservation.objects.filter(
        booking_number=booking_number, status=Reservation.Status.HELD
    ).values_list("pk", flat=True)
    status = Reservation.Status.COLLECTED if fitted else Reservation.Status.RELEASED
    return sum(_close(pk, status=status, restock=not fitted) for pk in list(held))

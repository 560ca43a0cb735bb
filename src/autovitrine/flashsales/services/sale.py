"""The sale's life: create, publish, open, close; keep the waiting room told of its units."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from autovitrine.core.vin import validate_vin
from autovitrine.inventory.selectors import StockStatus
from autovitrine.inventory.services import vehicle_flash_sale_release, vehicles_flash_sale_take

from .. import selectors
from ..models import (
    FlashSale,
    Hold,
    SaleEvent,
    SaleUnit,
)
from ..queue import (
    UnitCounts,
    waiting_room,
)
from ._base import (
    QUEUE_ERRORS,
    RESERVED_SLUGS,
    _event,
    _now_ms,
    _on_postgres,
    logger,
    sale_info_forget,
)

# --- The sale -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SaleData:
    brand_id: int
    title: str
    slug: str
    price_ttc: int
    deposit_ttc: int
    opens_at: dt.datetime
    hold_seconds: int = 600
    admission_seconds: int = 120
    limit_per_customer: int = 1
    dealer_choice_allowed: bool = False
    pow_difficulty_bits: int = 16
    description: str = ""


def _sale_move(
    *, sale_id: int, to_status: str, by: Any = None, note: str = "", **fields: Any
) -> bool:
    """Move a sale along ``FlashSale.TRANSITIONS`` with one conditional UPDATE and an event."""
    sources = [src for src, targets in FlashSale.TRANSITIONS.items() if to_status in targets]
    with transaction.atomic():
        current = (
            FlashSale.objects.filter(pk=sale_id, status__in=sources)
            .values_list("status", flat=True)
            .first()
        )
        if current is None:
            return False
        moved = FlashSale.objects.filter(pk=sale_id, status=current).update(
            status=to_status, updated_at=timezone.now(), **fields
        )
        if moved:
            _event(
                sale_id, SaleEvent.Subject.SALE, sale_id, current, to_status, by=by, note=note
            ).save()
            transaction.on_commit(lambda: sale_info_forget(sale_id=sale_id))
        return bool(moved)


def sale_create(*, data: SaleData, vins: Sequence[str], by: Any) -> FlashSale:
    """A draft sale of exactly these stock vehicles, each reserved in the dealer's stock."""
    cleaned: list[str] = []
    for raw in vins:
        if raw.strip():
            try:
                cleaned.append(validate_vin(raw))
            except ValidationError as exc:
                raise ValidationError(
                    _("VIN %(vin)s : %(error)s") % {"vin": raw.strip(), "error": exc.messages[0]},
                    code="vin_invalid",
                ) from exc
    if not cleaned:
        raise ValidationError(_("Indiquez au moins un VIN."), code="vin_missing")
    if len(set(cleaned)) != len(cleaned):
        raise ValidationError(_("Un même VIN est indiqué deux fois."), code="vin_duplicate")
    if data.slug in RESERVED_SLUGS:
        raise ValidationError(
            _("Cette adresse est réservée : choisissez-en une autre."), code="slug"
        )
    if FlashSale.objects.filter(slug=data.slug).exists():
        raise ValidationError(_("Une vente utilise déjà cette adresse."), code="slug_taken")
    if not 0 < data.deposit_ttc <= data.price_ttc:
        raise ValidationError(
            _("L'acompte doit être positif et ne pas dépasser le prix."), code="deposit"
        )
    vehicles = selectors.vehicles_by_vin(cleaned)
    unknown = [vin for vin in cleaned if vin not in vehicles]
    if unknown:
        raise ValidationError(
            _("VIN absents du stock : %(vins)s") % {"vins": ", ".join(unknown)}, code="vin_unknown"
        )
    other_brand = [vin for vin in cleaned if vehicles[vin].dealer.brand_id != data.brand_id]
    if other_brand:
        raise ValidationError(
            _("Ces véhicules appartiennent à une concession d'une autre marque : %(vins)s")
            % {"vins": ", ".join(other_brand)},
            code="vin_brand",
        )
    unavailable = [vin for vin in cleaned if vehicles[vin].status != StockStatus.AVAILABLE]
    if unavailable:
        raise ValidationError(
            _("Ces véhicules ne sont pas disponibles : %(vins)s")
            % {"vins": ", ".join(unavailable)},
            code="vin_unavailable",
        )
    unidentified = selectors.dealers_without_seller_identity(
        {vehicles[vin].dealer_id for vin in cleaned}
    )
    if unidentified:
        raise ValidationError(
            _(
                "La concession de ces véhicules n'a pas renseigné son identité de vendeur "
                "(raison sociale, forme juridique, RCS, TVA) : %(vins)s"
            )
            % {
                "vins": ", ".join(vin for vin in cleaned if vehicles[vin].dealer_id in unidentified)
            },
            code="dealer_identity_missing",
        )
    with transaction.atomic():
        sale = FlashSale.objects.create(
            brand_id=data.brand_id,
            title=data.title,
            slug=data.slug,
            description=data.description,
            price_ttc=data.price_ttc,
            deposit_ttc=data.deposit_ttc,
            opens_at=data.opens_at,
            hold_seconds=data.hold_seconds,
            admission_seconds=data.admission_seconds,
            limit_per_customer=data.limit_per_customer,
            dealer_choice_allowed=data.dealer_choice_allowed,
            pow_difficulty_bits=data.pow_difficulty_bits,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        try:
            with transaction.atomic():
                SaleUnit.objects.bulk_create(
                    SaleUnit(
                        sale=sale,
                        stock_vehicle=vehicles[vin],
                        dealer_id=vehicles[vin].dealer_id,
                        one_per_customer=data.limit_per_customer == 1,
                    )
                    for vin in cleaned
                )
        except IntegrityError as exc:
            raise ValidationError(
                _("Un de ces véhicules est déjà dans une autre vente flash en cours."),
                code="vin_in_other_sale",
            ) from exc
        # From here the cars are owned by the sale (status ``flash_sale``, one database rule):
        # the stock page, the checkout and the admin refuse them until the sale lets them go.
        vehicles_flash_sale_take(
            vehicle_ids=[vehicles[vin].pk for vin in cleaned],
            sale_id=sale.pk,
            reason=_("Vente flash %(slug)s") % {"slug": sale.slug},
        )
        _event(sale.pk, SaleEvent.Subject.SALE, sale.pk, "", sale.status, by=by).save()
    return sale


def sale_publish(*, sale_id: int, by: Any) -> None:
    """Show the teaser and open the pre-queue."""
    if not _sale_move(sale_id=sale_id, to_status=FlashSale.Status.PUBLISHED, by=by):
        raise ValidationError(_("Seule une vente en brouillon peut être annoncée."), code="status")
    transaction.on_commit(lambda: waiting_room_restore(sale_id=sale_id))


def sale_open(*, sale_id: int, by: Any = None, early: bool = False) -> bool:
    """Open an announced sale whose time has come (or now, for head office with ``early``).

    The winner of the conditional UPDATE opens it; the waiting room then puts the pre-queue at
    the head of the line in the order of its draw tickets, in one step (retried by the next poll
    if the waiting room was unreachable).
    """
    now = timezone.now()
    fields: dict[str, Any] = {"opened_at": now}
    if early:
        fields["opens_at"] = now
    elif not FlashSale.objects.filter(pk=sale_id, opens_at__lte=now).exists():
        return False
    moved = _sale_move(sale_id=sale_id, to_status=FlashSale.Status.OPEN, by=by, **fields)
    sale = FlashSale.objects.get(pk=sale_id)
    if sale.status == FlashSale.Status.OPEN and sale.opened_at:
        try:
            drawn = waiting_room().draw(
                sale_id=sale_id, now_ms=int(sale.opened_at.timestamp() * 1000)
            )
        except QUEUE_ERRORS:
            logger.warning("Flash sale %s: waiting room unavailable at the opening", sale_id)
        else:
            if drawn:
                _event(sale_id, SaleEvent.Subject.QUEUE, None, "", "drawn").save()
    return moved


def sale_close(*, sale_id: int, by: Any) -> None:
    """End the sale: live holds are released, unsold cars go back to their dealer's stock.

    Lock order of the whole app (payment → purchase → sale → units → holds): the sale row is
    locked first, so the close waits for the claims and confirmations in flight (each holds the
    sale row ``FOR KEY SHARE``) and every later one sees the sale closed.
    """
    with transaction.atomic():
        FlashSale.objects.select_for_update().filter(pk=sale_id).first()
        if not _sale_move(sale_id=sale_id, to_status=FlashSale.Status.CLOSED, by=by):
            raise ValidationError(_("Cette vente est déjà terminée."), code="status")
        live = list(
            SaleUnit.objects.filter(sale_id=sale_id, status=SaleUnit.Status.HELD).values_list(
                "hold_ref", flat=True
            )
        )
        SaleUnit.objects.filter(sale_id=sale_id, status=SaleUnit.Status.HELD).update(
            status=SaleUnit.Status.AVAILABLE, holder=None, held_until=None, hold_ref=None
        )
        Hold.objects.filter(ref__in=[r for r in live if r], status=Hold.Status.ACTIVE).update(
            status=Hold.Status.RELEASED
        )
        unsold = list(
            SaleUnit.objects.filter(sale_id=sale_id)
            .exclude(status=SaleUnit.Status.SOLD)
            .values_list("stock_vehicle_id", flat=True)
        )
        SaleUnit.objects.filter(sale_id=sale_id).update(is_active=False)
        for vehicle_id in unsold:
            vehicle_flash_sale_release(
                vehicle_id=vehicle_id,
                sale_id=sale_id,
                to_status=StockStatus.AVAILABLE,
                by=by,
                reason=_("Fin de la vente flash"),
            )
    _mirror(sale_id=sale_id, state=FlashSale.Status.CLOSED)


def waiting_room_restore(*, sale_id: int) -> None:
    """(Re)build the sale's waiting room from the database: at publication, or after Redis lost it."""
    sale = FlashSale.objects.get(pk=sale_id)
    if sale.status == FlashSale.Status.DRAFT:
        return
    try:
        waiting_room().load(
            sale=selectors.sale_snapshot(sale),
            counts=selectors.unit_counts(sale_id=sale_id),
            places=selectors.queue_places(sale_id=sale_id),
            network_places=selectors.network_places(sale_id=sale_id),
        )
    except QUEUE_ERRORS:
        logger.warning("Flash sale %s: waiting room unavailable, not restored", sale_id)
        queue_outage_seen(sale_id=sale_id)
        return
    if sale.queue_outage_since is not None:
        holds_extend_after_outage(sale_id=sale_id)


def queue_outage_seen(*, sale_id: int) -> None:
    """Note when the waiting room was first found unreachable (the first to see it wins)."""
    FlashSale.objects.filter(pk=sale_id, queue_outage_since__isnull=True).update(
        queue_outage_since=timezone.now()
    )


def holds_extend_after_outage(*, sale_id: int) -> int:
    """The waiting room is back: the holds that were running while it was down (their deadline
    came after the outage began) get the outage's length added (issue #11, defect 6). A buyer
    whose page could not follow the sale during the outage loses none of the hold's time.

    Lock order (see docs): the sale row, then its units, then the holds. Returns the number of
    holds extended."""
    with transaction.atomic():
        sale = FlashSale.objects.select_for_update().filter(pk=sale_id).first()
        if sale is None or sale.queue_outage_since is None:
            return 0
        since = sale.queue_outage_since
        length = max(timezone.now() - since, dt.timedelta(0))
        units = list(
            SaleUnit.objects.select_for_update()
            .filter(sale_id=sale_id, status=SaleUnit.Status.HELD, held_until__gte=since)
            .order_by("pk")
            .values_list("pk", "hold_ref", "held_until")
        )
        for unit_id, hold_ref, held_until in units:
            # A held unit has both (check constraint saleunit_status_matches_holder).
            assert hold_ref is not None and held_until is not None
            SaleUnit.objects.filter(pk=unit_id).update(held_until=held_until + length)
            Hold.objects.filter(ref=hold_ref, unit_id=unit_id, status=Hold.Status.ACTIVE).update(
                expires_at=held_until + length
            )
        FlashSale.objects.filter(pk=sale_id).update(queue_outage_since=None)
        seconds = round(length.total_seconds())
        _event(
            sale_id,
            SaleEvent.Subject.SALE,
            sale_id,
            sale.status,
            sale.status,
            note=f"file d'attente revenue après {seconds} s : {len(units)} réservation(s) prolongée(s)",
        ).save()
    logger.info("Flash sale %s: %s holds extended by %s", sale_id, len(units), length)
    return len(units)


def sale_sync(*, sale_id: int, changes: Sequence[tuple[int, str]] = ()) -> UnitCounts:
    """Re-read the unit counts, mark the sale sold out when every unit is sold, tell the room."""
    counts = selectors.unit_counts(sale_id=sale_id)
    state = None
    if counts.total and counts.sold == counts.total:
        _sale_move(sale_id=sale_id, to_status=FlashSale.Status.SOLD_OUT)
        state = FlashSale.Status.SOLD_OUT
    _mirror(sale_id=sale_id, counts=counts, state=state, changes=changes)
    return counts


def _mirror(
    *,
    sale_id: int,
    counts: UnitCounts | None = None,
    state: str | None = None,
    changes: Sequence[tuple[int, str]] = (),
) -> None:
    try:
        waiting_room().apply(
            sale_id=sale_id, now_ms=_now_ms(), counts=counts, state=state, changes=changes
        )
    except QUEUE_ERRORS:
        logger.warning("Flash sale %s: waiting room unavailable, change not mirrored", sale_id)


def sale_share_lock(*, sale_id: int) -> str | None:
    """The sale's status, read under ``FOR KEY SHARE`` on PostgreSQL: a close (``FOR UPDATE``)
    waits for this transaction, and cannot have committed unseen. SQLite serializes writers."""
    if not _on_postgres():
        return FlashSale.objects.filter(pk=sale_id).values_list("status", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT status FROM {FlashSale._meta.db_table} WHERE id = %s FOR KEY SHARE",
            [sale_id],
        )
        row = cursor.fetchone()
    return row[0] if row else None

"""Writes of production tracking: API keys, event ingestion (idempotent, out-of-order safe),
the progress and ETA they move, and the live message each accepted event publishes."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import math
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, cast

import pydantic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, OperationalError, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from PIL import Image

from autovitrine.core.images import image_reencode
from autovitrine.core.mail import email_failure_note
from autovitrine.core.vin import validate_vin
from autovitrine.dealers.services import dealer_staff_notify
from autovitrine.orders.selectors import customer_order, order_by_number, orders_by_numbers
from autovitrine.orders.services import order_deliver, order_start_production

from . import eta, live, selectors, signing
from .models import (
    HOLDING_BOOKING_STATUSES,
    OPTIONAL_MILESTONES,
    ApiCredential,
    EtaChange,
    EventKind,
    HalfDay,
    Handover,
    HandoverBooking,
    HandoverCapacity,
    HandoverDocument,
    Notification,
    OrderProgress,
    Plant,
    ProductionEvent,
    PushSubscription,
    Station,
    StationPhoto,
    TrackingPreferences,
    TransportLeg,
    private_storage,
)
from .reference import legs_of, reference, reference_changed, stations_of
from .tasks import tracking_email_buyer
from .texts import ARRIVED_RANK, LEFT_PLANT_RANK, public_message

if TYPE_CHECKING:
    from autovitrine.orders.models import Order

MAX_BATCH = 500

# --- API keys -------------------------------------------------------------------------------


def credential_create(
    *, label: str, plant_id: int | None = None, carrier_id: int | None = None
) -> tuple[ApiCredential, str]:
    """A new key for one plant or one carrier; the secret is returned once, never stored."""
    if (plant_id is None) == (carrier_id is None):
        raise ValidationError(_("Une clé appartient à une usine ou à un transporteur."))
    secret = secrets.token_urlsafe(32)
    credential = ApiCredential.objects.create(
        key_id=f"av_{secrets.token_hex(8)}",
        secret_hash=signing.secret_hash(secret),
        label=label,
        plant_id=plant_id,
        carrier_id=carrier_id,
    )
    return credential, secret


def credential_revoke(*, credential_id: int, now: dt.datetime | None = None) -> int:
    return ApiCredential.objects.filter(pk=credential_id, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    )


class SignatureRefused(Exception):
    """A request the ingestion API refuses with a 401 and this stable code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def credential_authenticate(
    *,
    key_id: str,
    timestamp: str,
    given_signature: str,
    method: str,
    path: str,
    body: bytes,
    now: float,
) -> ApiCredential:
    """The active key that signed this request, or ``SignatureRefused``."""
    credential = (
        ApiCredential.objects.filter(key_id=key_id, revoked_at__isnull=True).first()
        if key_id
        else None
    )
    if credential is None:
        raise SignatureRefused("unknown_key", _("Clé d'API inconnue ou révoquée."))
    try:
        signed_at = int(timestamp)
    except ValueError:
        signed_at = None
    if signed_at is None or abs(now - signed_at) > signing.MAX_SKEW_SECONDS:
        raise SignatureRefused(
            "stale_timestamp",
            _("Horodatage absent ou écarté de plus de 5 minutes de notre horloge."),
        )
    if not signing.signature_matches(
        key_hex=credential.secret_hash,
        method=method,
        path=path,
        timestamp=timestamp,
        body=body,
        given=given_signature,
    ):
        raise SignatureRefused("bad_signature", _("Signature invalide."))
    return credential


# --- Events ---------------------------------------------------------------------------------

PLANT_KINDS = {
    EventKind.VIN_ASSIGNED,
    EventKind.BUILD_WEEK_PLANNED,
    EventKind.STATION_ENTERED,
    EventKind.STATION_LEFT,
    EventKind.QUALITY_HOLD,
    EventKind.QUALITY_RELEASE,
    EventKind.LEFT_PLANT,
}
CARRIER_KINDS = {EventKind.TRANSPORT_CHECKPOINT, EventKind.ARRIVED_AT_DEALER}


def station_rank(position: int, kind: str) -> int:
    return 10 * position + (2 if kind == EventKind.STATION_LEFT else 1)


def leg_rank(position: int) -> int:
    return LEFT_PLANT_RANK + 10 * position


class EventIn(pydantic.BaseModel):
    """One event of a batch (see docs/tracking.md for each kind's fields)."""

    model_config = pydantic.ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = pydantic.Field(min_length=1, max_length=64)
    kind: Literal[
        "vin_assigned",
        "build_week_planned",
        "station_entered",
        "station_left",
        "quality_hold",
        "quality_release",
        "left_plant",
        "transport_checkpoint",
        "arrived_at_dealer",
    ]
    occurred_at: dt.datetime
    order: str | None = pydantic.Field(
        default=None, max_length=20
    )  # the order number column (orders.Order.number)
    vin: str | None = pydantic.Field(default=None, max_length=20)
    line: str | None = pydantic.Field(default=None, max_length=20)
    station: str | None = pydantic.Field(default=None, max_length=30)
    leg: str | None = pydantic.Field(default=None, max_length=30)
    week: str | None = pydantic.Field(default=None, pattern=r"^\d{4}-W\d{2}$")
    place: str | None = pydantic.Field(default=None, max_length=100)
    reason: str | None = pydantic.Field(default=None, max_length=300)
    reason_public: bool = False
    eta: dt.datetime | None = None

    @pydantic.field_validator("occurred_at", "eta")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("indiquez le fuseau horaire (ex. 2026-03-05T08:30:00+01:00)")
        return value


class Rejected(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class EventResult:
    index: int
    id: str
    status: Literal["accepted", "rejected"]
    duplicate: bool = False
    code: str = ""
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"index": self.index, "id": self.id, "status": self.status}
        if self.status == "accepted":
            answer["duplicate"] = self.duplicate
        else:
            answer["code"] = self.code
            answer["message"] = self.message
        return answer


# A batch that met a concurrent one (the same event id, the same new VIN, a deadlock) runs again
# from the start; the second run sees what the other committed.
BATCH_ATTEMPTS = 3


class _Retry(Exception):
    pass


def events_ingest(*, credential: ApiCredential, events: list[Any]) -> list[EventResult]:
    """Apply a batch: each event is accepted (once: a second delivery answers as the first,
    flagged ``duplicate``) or rejected with its index and a stable code; one bad event never
    stops the others.

    The whole batch is one transaction with a handful of queries whatever its size: the progress
    rows it touches are locked at once, sorted by VIN (two concurrent batches take their common
    rows in the same order: no deadlock), the events are inserted in one statement that keeps
    the first of each ``event_id`` (``ON CONFLICT DO NOTHING``), the progress rows are written
    back in one round trip. The reference data (stations, legs) comes from a per-process cache
    (``reference``). Live messages are published and e-mails queued after the commit."""
    results: list[EventResult | None] = [None] * len(events)
    parsed: list[tuple[int, EventIn]] = []
    for index, raw in enumerate(events):
        try:
            parsed.append((index, EventIn.model_validate(raw)))
        except pydantic.ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(part) for part in first.get("loc", ()))
            raw_id = str(raw.get("id", ""))[:64] if isinstance(raw, dict) else ""
            results[index] = EventResult(
                index, raw_id, "rejected", code="invalid_event", message=f"{field}: {first['msg']}"
            )
    if parsed:
        for attempt in range(1, BATCH_ATTEMPTS + 1):
            try:
                with transaction.atomic():
                    decided = _Batch(credential, parsed).run()
                break
            except _Retry:
                if attempt == BATCH_ATTEMPTS:
                    raise
            except OperationalError as exc:
                deadlock = getattr(exc.__cause__, "sqlstate", None) == "40P01"
                if not deadlock or attempt == BATCH_ATTEMPTS:
                    raise
        for result in decided:
            results[result.index] = result
    return [result for result in results if result is not None]


@dataclass
class _Candidate:
    index: int
    event: EventIn
    progress: OrderProgress
    station: Station | None
    leg: TransportLeg | None


_LINE, _PLANT, _STATION, _LEG = (
    cast("models.ForeignKey[Any, Any]", OrderProgress._meta.get_field(name))
    for name in ("line", "plant", "station", "leg")
)


class _Batch:
    """One run of a batch inside its transaction (see ``events_ingest``)."""

    def __init__(self, credential: ApiCredential, parsed: list[tuple[int, EventIn]]) -> None:
        self.credential = credential
        self.parsed = parsed
        self.allowed = PLANT_KINDS if credential.plant_id else CARRIER_KINDS
        self.ref = reference()
        self.orders: dict[str, Order] = {}
        self.by_vin: dict[str, OrderProgress] = {}
        self.by_order_id: dict[int, OrderProgress] = {}
        # (progress, station) -> when the car first entered it (the ETA counts from there);
        # (progress, PLANT_EXIT) -> when it left the plant (the first leg counts from there).
        self.entered: dict[tuple[int, int], dt.datetime] = {}
        self._booked: set[int] | None = None
        self._booked_read: set[int] = set()
        self._chosen: dict[int, set[str]] | None = None

    # --- before anything is written -----------------------------------------------------

    def _lock(self) -> None:
        vins: set[str] = set()
        numbers: set[str] = set()
        for _index, event in self.parsed:
            if event.kind not in self.allowed:
                continue
            if event.kind == EventKind.VIN_ASSIGNED:
                numbers.add(event.order or "")
                with contextlib.suppress(ValidationError):
                    vins.add(validate_vin(event.vin or ""))
            elif event.vin:
                vins.add(event.vin.upper())
            elif event.order:
                numbers.add(event.order)
        numbers.discard("")
        if numbers:
            self.orders = orders_by_numbers(numbers=numbers)
        order_ids = {order.pk for order in self.orders.values()}
        if not vins and not order_ids:
            return
        rows = list(
            OrderProgress.objects.select_for_update(of=("self",))
            .select_related("order")
            # What ingestion reads of the order (the rest is read where needed).
            .only(*_PROGRESS_READ, "order__number", "order__status", "order__kind")
            .filter(Q(vin__in=vins) | Q(order_id__in=order_ids))
            .order_by("vin")
        )
        ref = self.ref
        if any(row.line_id not in ref.lines for row in rows):
            ref = self.ref = reference(fresh=True)  # a line added since this process loaded
        for row in rows:
            self._attach(row)

    def _attach(self, progress: OrderProgress) -> None:
        """Point the row's plant, line, station and leg at the cached reference objects."""
        ref = self.ref
        if progress.line_id in ref.lines:
            # The ids are those of the row: only the related objects' cache is filled.
            _LINE.set_cached_value(progress, ref.lines[progress.line_id])
            _PLANT.set_cached_value(progress, ref.plants[progress.plant_id])
            if progress.station_id is not None:
                _STATION.set_cached_value(progress, ref.stations[progress.station_id])
            if progress.leg_id is not None:
                _LEG.set_cached_value(progress, ref.legs[progress.leg_id])
        self.by_vin[progress.vin] = progress
        self.by_order_id[progress.order_id] = progress

    def _progress_for(self, event: EventIn) -> OrderProgress:
        if event.kind == EventKind.VIN_ASSIGNED:
            return self._assign_vin(event)
        if event.vin:
            progress = self.by_vin.get(event.vin.upper())
        elif event.order:
            order = self.orders.get(event.order)
            progress = self.by_order_id.get(order.pk) if order is not None else None
        else:
            raise Rejected("invalid_event", _("Indiquez le VIN ou le numéro de commande."))
        if progress is None or (
            self.credential.plant_id and progress.plant_id != self.credential.plant_id
        ):
            raise Rejected("unknown_vin", _("Aucune commande en production ne porte ce VIN."))
        return progress

    def _assign_vin(self, event: EventIn) -> OrderProgress:
        if not event.order or not event.vin:
            raise Rejected("invalid_event", _("Indiquez le numéro de commande et le VIN."))
        try:
            vin = validate_vin(event.vin)
        except ValidationError as exc:
            raise Rejected("invalid_vin", exc.messages[0]) from exc
        order = self.orders.get(event.order)
        if order is None or order.kind != "factory":
            raise Rejected("unknown_order", _("Aucune commande usine ne porte ce numéro."))
        if order.status not in ("confirmed", "in_production", "ready"):
            raise Rejected("order_not_confirmed", _("Cette commande n'est pas confirmée."))
        assert self.credential.plant_id is not None
        line = self.ref.line(self.credential.plant_id, event.line)
        if line is None:
            raise Rejected("unknown_line", _("Ligne inconnue dans cette usine."))
        progress = self.by_order_id.get(order.pk)
        if progress is not None:
            if progress.vin != vin:
                raise Rejected(
                    "vin_conflict", _("Un autre VIN est déjà attribué à cette commande.")
                )
            return progress
        if vin in self.by_vin:
            raise Rejected("vin_conflict", _("Ce VIN est déjà attribué à une autre commande."))
        try:
            progress = OrderProgress.objects.create(
                order=order, vin=vin, plant=line.plant, line=line
            )
        except IntegrityError as exc:  # a concurrent batch assigned it first
            raise _Retry from exc
        self._attach(progress)
        return progress

    def _where(
        self, progress: OrderProgress, event: EventIn
    ) -> tuple[Station | None, TransportLeg | None]:
        station: Station | None = None
        leg: TransportLeg | None = None
        if event.kind in (EventKind.STATION_ENTERED, EventKind.STATION_LEFT):
            station = self.ref.station(progress.line_id, event.station or "")
            if station is None:
                raise Rejected("unknown_station", _("Poste inconnu sur la ligne de cette voiture."))
        if event.kind == EventKind.TRANSPORT_CHECKPOINT:
            leg = self.ref.leg(progress.plant_id, event.leg or "")
            if leg is None:
                raise Rejected("unknown_leg", _("Étape de transport inconnue pour cette voiture."))
            if self.credential.carrier_id and leg.carrier_id != self.credential.carrier_id:
                raise Rejected(
                    "forbidden_leg", _("Cette étape est confiée à un autre transporteur.")
                )
        return station, leg

    # --- lazily read, once per batch --------------------------------------------------------

    def _prefetch_entered(self, candidates: list[_Candidate]) -> None:
        in_plant = {
            c.progress.pk
            for c in candidates
            if c.progress.rank < LEFT_PLANT_RANK
            and (c.progress.station_id is not None or c.station is not None)
        }
        # On (or about to reach) the first leg: its time runs from the plant's exit.
        on_first_leg = {
            c.progress.pk
            for c in candidates
            if c.progress.arrived_at is None
            and (c.progress.rank >= LEFT_PLANT_RANK or c.leg is not None)
        }
        if not in_plant and not on_first_leg:
            return
        rows = (
            ProductionEvent.objects.filter(
                Q(progress_id__in=in_plant, kind=EventKind.STATION_ENTERED)
                | Q(progress_id__in=on_first_leg, kind=EventKind.LEFT_PLANT)
            )
            .order_by("id")
            .values_list("progress_id", "kind", "station_id", "occurred_at")
        )
        for progress_id, kind, station_id, occurred_at in rows:
            step = PLANT_EXIT if kind == EventKind.LEFT_PLANT else station_id
            self.entered.setdefault((progress_id, step), occurred_at)

    def _has_booking(self, order_id: int) -> bool:
        """Whether the order has a handover booked (read for the whole batch at first need)."""
        if self._booked is None or order_id not in self._booked_read:
            self._booked_read = set(self.by_order_id) | {order_id}
            self._booked = selectors.orders_with_active_booking(order_ids=self._booked_read)
        return order_id in self._booked

    def _buyer_chose(self, order_id: int, milestone: str) -> bool:
        """Whether the buyer wants this milestone's e-mail (read for the whole batch at first
        need)."""
        if self._chosen is None or order_id not in self._chosen:
            self._chosen = selectors.buyer_email_milestones_many(
                order_ids=set(self.by_order_id) | {order_id}
            )
        return milestone in self._chosen[order_id]

    # --- the run ----------------------------------------------------------------------------

    def run(self) -> list[EventResult]:
        self._lock()
        stored = set(
            ProductionEvent.objects.filter(
                event_id__in={event.id for _index, event in self.parsed}
            ).values_list("event_id", flat=True)
        )
        results: list[EventResult] = []
        candidates: list[_Candidate] = []
        taken: set[str] = set()
        for index, event in self.parsed:
            if event.id in stored or event.id in taken:
                results.append(EventResult(index, event.id, "accepted", duplicate=True))
                continue
            if event.kind not in self.allowed:
                results.append(
                    EventResult(
                        index,
                        event.id,
                        "rejected",
                        code="forbidden_kind",
                        message=_("Cette clé ne peut pas envoyer ce type d'événement."),
                    )
                )
                continue
            try:
                progress = self._progress_for(event)
                station, leg = self._where(progress, event)
            except Rejected as exc:
                results.append(
                    EventResult(index, event.id, "rejected", code=exc.code, message=exc.message)
                )
                continue
            taken.add(event.id)
            candidates.append(_Candidate(index, event, progress, station, leg))
        if candidates:
            self._apply_all(candidates)
        results.extend(EventResult(c.index, c.event.id, "accepted") for c in candidates)
        return results

    def _apply_all(self, candidates: list[_Candidate]) -> None:
        self._prefetch_entered(candidates)
        rows: list[_Row] = []
        eta_changes: list[EtaChange] = []
        owed: dict[tuple[int, str], str] = {}
        touched: dict[int, OrderProgress] = {}
        for c in candidates:
            progress, event = c.progress, c.event
            touched[progress.pk] = progress
            previous_eta = (progress.eta_from, progress.eta_to)
            previous_rank = progress.rank
            handover_moved = False
            _move(progress, event, c.station, c.leg)
            reason = _eta_update(progress, event, entered=self.entered)
            if (progress.eta_from, progress.eta_to) != previous_eta and progress.eta_from:
                assert progress.eta_to is not None
                if previous_eta[0] is None:
                    reason = EtaChange.Reason.INITIAL
                eta_changes.append(
                    EtaChange(
                        progress_id=progress.pk,
                        eta_from=progress.eta_from,
                        eta_to=progress.eta_to,
                        reason=reason,
                        created_at=event.occurred_at,
                    )
                )
                if self._has_booking(progress.order_id):
                    handover_moved = _handover_check_slip(progress)
            for milestone, key in _milestones_crossed(
                progress,
                previous_rank=previous_rank,
                # The handover e-mail tells the new date: no second e-mail for the same change.
                previous_eta_to=None if handover_moved else previous_eta[1],
            ):
                if self._buyer_chose(progress.order_id, milestone):
                    owed.setdefault((progress.pk, key), milestone)
            if event.kind == EventKind.LEFT_PLANT:
                self.entered.setdefault((progress.pk, PLANT_EXIT), event.occurred_at)
            if event.kind == EventKind.STATION_ENTERED:
                assert c.station is not None
                self.entered.setdefault((progress.pk, c.station.pk), event.occurred_at)
                if progress.order.status == "confirmed":
                    started = order_start_production(number=progress.order.number)
                    progress.order.status = started.status
            public = public_message(
                kind=event.kind,
                data=(data := event.model_dump(mode="json", exclude_none=True)),
                occurred_at=event.occurred_at,
                station=c.station,
                leg=c.leg,
                progress=progress,
            )
            rows.append(
                _Row(
                    event_id=event.id,
                    kind=event.kind,
                    progress_id=progress.pk,
                    order_id=progress.order_id,
                    occurred_at=event.occurred_at,
                    station_id=c.station.pk if c.station else None,
                    leg_id=c.leg.pk if c.leg else None,
                    data=data,
                    public=public,
                )
            )
        ids = _events_insert(rows, credential_id=self.credential.pk)
        if len(ids) != len(rows):
            raise _Retry  # a concurrent delivery of one of them got in first
        # Each message names the order's event before it (the chain the locked rows keep):
        # two workers may publish in either order, and a stream that sees a link it has not
        # sent reads the table instead of skipping what is still on its way.
        messages: list[tuple[int, int, dict[str, Any]]] = []
        for row in sorted(rows, key=lambda row: ids[row.event_id]):
            progress = touched[row.progress_id]
            previous, progress.last_event_id = progress.last_event_id or 0, ids[row.event_id]
            messages.append(
                (row.order_id, previous, selectors.live_message(ids[row.event_id], row.public))
            )
        _progress_write(list(touched.values()))
        EtaChange.objects.bulk_create(eta_changes)
        _notifications_create(owed)
        transaction.on_commit(partial(live.publish_many, messages))


@dataclass(slots=True)
class _Row:
    """An accepted event, as it is inserted."""

    event_id: str
    kind: str
    progress_id: int
    order_id: int
    occurred_at: dt.datetime
    station_id: int | None
    leg_id: int | None
    data: dict[str, Any]
    public: dict[str, Any]


_EVENT_COLUMNS = (
    "event_id", "kind", "progress", "occurred_at", "received_at", "station", "leg", "credential",
    "data", "public",
)  # fmt: skip


def _fields(model: type[models.Model], names: tuple[str, ...]) -> list[models.Field[Any, Any]]:
    by_name = {field.name: field for field in model._meta.concrete_fields}
    return [by_name[name] for name in names]


def _column(field: models.Field[Any, Any], connection: BaseDatabaseWrapper) -> str:
    return connection.ops.quote_name(str(field.column))


@contextlib.contextmanager
def _bulk_cursor(connection: BaseDatabaseWrapper) -> Iterator[Any]:
    """On PostgreSQL a cursor that binds parameters on the server (Django's quotes each one into
    the SQL text on the client); Django's own elsewhere. Errors are Django's either way."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg

    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        yield cursor


def _events_insert(rows: list[_Row], *, credential_id: int) -> dict[str, int]:
    """Insert the rows in one statement; an ``event_id`` already there (a concurrent delivery)
    is skipped by the unique constraint. Returns the ids of the inserted rows by event id.

    On PostgreSQL the values travel as one array per column (``unnest``): ten parameters
    instead of thousands, which the driver would otherwise parse and quote one by one."""
    connection = connections[ProductionEvent.objects.db]
    fields = _fields(ProductionEvent, _EVENT_COLUMNS)
    pk, event_id = _fields(ProductionEvent, ("id", "event_id"))
    table = connection.ops.quote_name(ProductionEvent._meta.db_table)
    columns = ", ".join(_column(f, connection) for f in fields)
    received_at = timezone.now()
    conflict = (
        f"ON CONFLICT ({_column(event_id, connection)}) DO NOTHING "
        f"RETURNING {_column(pk, connection)}, {_column(event_id, connection)}"
    )
    if connection.vendor == "postgresql":
        sql = (
            f"INSERT INTO {table} ({columns}) "
            "SELECT e, k, p, o, %s, s, l, %s, d::jsonb, u::jsonb FROM unnest("
            "%s::text[], %s::text[], %s::bigint[], %s::timestamptz[], %s::bigint[], "
            "%s::bigint[], %s::text[], %s::text[]) WITH ORDINALITY AS v(e, k, p, o, s, l, d, u, n) "
            f"ORDER BY n {conflict}"
        )
        params: list[Any] = [
            received_at,
            credential_id,
            [r.event_id for r in rows],
            [r.kind for r in rows],
            [r.progress_id for r in rows],
            [r.occurred_at for r in rows],
            [r.station_id for r in rows],
            [r.leg_id for r in rows],
            [json.dumps(r.data) for r in rows],
            [json.dumps(r.public) for r in rows],
        ]
    else:
        params = []
        for r in rows:
            values = (
                r.event_id, r.kind, r.progress_id, r.occurred_at, received_at, r.station_id,
                r.leg_id, credential_id, r.data, r.public,
            )  # fmt: skip
            params.extend(
                f.get_db_prep_save(value, connection)
                for f, value in zip(fields, values, strict=True)
            )
        placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholders] * len(rows))} {conflict}"
    with _bulk_cursor(connection) as cursor:
        cursor.execute(sql, params)
        return {key: row_id for row_id, key in cursor.fetchall()}


_PROGRESS_COLUMNS = (
    "build_week", "rank", "stage_kind", "station", "leg", "stage_at", "on_hold", "hold_reason",
    "hold_reason_public", "hold_changed_at", "carrier_eta", "plant_eta", "eta_from", "eta_to",
    "arrived_at", "last_event_id", "updated_at",
)  # fmt: skip
_PROGRESS_READ = ("id", "order", "vin", "plant", "line", *_PROGRESS_COLUMNS)


def _progress_write(rows: list[OrderProgress]) -> None:
    """Write the locked progress rows back: on PostgreSQL one UPDATE fed by one array per
    column; elsewhere one UPDATE a row."""
    connection = connections[OrderProgress.objects.db]
    fields = _fields(OrderProgress, _PROGRESS_COLUMNS)
    (pk,) = _fields(OrderProgress, ("id",))
    table = connection.ops.quote_name(OrderProgress._meta.db_table)
    now = timezone.now()
    for row in rows:
        row.updated_at = now
    with _bulk_cursor(connection) as cursor:
        if connection.vendor == "postgresql":
            names = [f"c{i}" for i in range(len(fields))]
            arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in [pk, *fields])
            cursor.execute(
                f"UPDATE {table} SET "
                + ", ".join(
                    f"{_column(f, connection)} = v.{name}"
                    for f, name in zip(fields, names, strict=True)
                )
                + f" FROM unnest({arrays}) AS v(id, {', '.join(names)})"
                + f" WHERE {table}.{_column(pk, connection)} = v.id",
                [[row.pk for row in rows]]
                + [[getattr(row, f.attname) for row in rows] for f in fields],
            )
            return
        cursor.executemany(
            f"UPDATE {table} SET "
            + ", ".join(f"{_column(f, connection)} = %s" for f in fields)
            + f" WHERE {_column(pk, connection)} = %s",
            [
                [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields] + [row.pk]
                for row in rows
            ],
        )


def _notifications_create(owed: dict[tuple[int, str], str]) -> None:
    """The milestone e-mails owed, once each (the progress rows are locked: nobody else creates
    theirs meanwhile), sent by the task after the commit."""
    if not owed:
        return
    existing = set(
        Notification.objects.filter(
            progress_id__in={progress_id for progress_id, _key in owed},
            key__in={key for _progress_id, key in owed},
        ).values_list("progress_id", "key")
    )
    created = Notification.objects.bulk_create(
        Notification(progress_id=progress_id, key=key, milestone=milestone)
        for (progress_id, key), milestone in owed.items()
        if (progress_id, key) not in existing
    )
    for notification in created:
        transaction.on_commit(partial(tracking_email_buyer.enqueue, notification.pk))


# An ETA moving by more than this is worth an e-mail.
ETA_NOTICE_DAYS = 2


def _milestones_crossed(
    progress: OrderProgress, *, previous_rank: int, previous_eta_to: dt.date | None
) -> list[tuple[str, str]]:
    """The milestone e-mails this change owes the buyer, with their unique key (one e-mail per
    milestone; the ETA: per new date). Entering production is told by ``orders`` (the order's
    status change)."""
    owed: list[tuple[str, str]] = []
    if previous_rank < LEFT_PLANT_RANK <= progress.rank:
        owed.append((Notification.Milestone.LEFT_PLANT, "left_plant"))
    if previous_rank < ARRIVED_RANK <= progress.rank:
        owed.append((Notification.Milestone.ARRIVED, "arrived"))
    elif (
        previous_eta_to is not None
        and progress.eta_to is not None
        and abs((progress.eta_to - previous_eta_to).days) > ETA_NOTICE_DAYS
    ):
        owed.append((Notification.Milestone.ETA_CHANGED, f"eta:{progress.eta_to.isoformat()}"))
    return owed


def _move(
    progress: OrderProgress, event: EventIn, station: Station | None, leg: TransportLeg | None
) -> None:
    """Advance the progress if this event is further along than what it has seen; a late one
    (out of order) is kept in the history but moves nothing back."""
    rank = 0
    if station is not None:
        rank = station_rank(station.position, event.kind)
    elif event.kind == EventKind.LEFT_PLANT:
        rank = LEFT_PLANT_RANK
    elif leg is not None:
        rank = leg_rank(leg.position)
    elif event.kind == EventKind.ARRIVED_AT_DEALER:
        rank = ARRIVED_RANK
        progress.arrived_at = progress.arrived_at or event.occurred_at
    if rank > progress.rank:
        progress.rank = rank
        progress.stage_kind = event.kind
        progress.station = station
        progress.leg = leg
        progress.stage_at = event.occurred_at
    if event.kind == EventKind.BUILD_WEEK_PLANNED and event.week:
        progress.build_week = event.week
    if event.kind in (EventKind.QUALITY_HOLD, EventKind.QUALITY_RELEASE) and (
        progress.hold_changed_at is None or event.occurred_at >= progress.hold_changed_at
    ):
        progress.on_hold = event.kind == EventKind.QUALITY_HOLD
        progress.hold_reason = (event.reason or "") if progress.on_hold else ""
        progress.hold_reason_public = progress.on_hold and event.reason_public
        progress.hold_changed_at = event.occurred_at
    if event.eta is not None:
        if event.kind == EventKind.TRANSPORT_CHECKPOINT:
            progress.carrier_eta = event.eta
        elif event.kind in PLANT_KINDS:
            progress.plant_eta = event.eta


def _eta_update(
    progress: OrderProgress,
    event: EventIn,
    *,
    entered: dict[tuple[int, int], dt.datetime] | None = None,
) -> str:
    """Recompute the window; the reason a change is shown with."""
    before_to = progress.eta_to
    if progress.arrived_at is not None:
        day = timezone.localdate(progress.arrived_at)
        progress.eta_from = progress.eta_to = day
        return EtaChange.Reason.ARRIVED
    now = max(event.occurred_at, progress.stage_at or event.occurred_at)
    window = estimate_window(progress, now=now, entered=entered)
    if window is None:
        return EtaChange.Reason.INITIAL
    progress.eta_from = timezone.localdate(window.start)
    progress.eta_to = timezone.localdate(window.end)
    if event.kind == EventKind.QUALITY_HOLD:
        return EtaChange.Reason.QUALITY_HOLD
    if event.kind == EventKind.TRANSPORT_CHECKPOINT and event.eta is not None:
        later = before_to is not None and progress.eta_to > before_to
        return EtaChange.Reason.TRANSPORT_DELAY if later else EtaChange.Reason.CARRIER
    if event.eta is not None:
        return EtaChange.Reason.PLANT
    return EtaChange.Reason.PROGRESS


def _observed(row: Station | TransportLeg) -> eta.Observed | None:
    # Read from the row itself (refreshed in bulk by ``step_durations_refresh``): no query here.
    if row.observed_mean_hours is None:
        return None
    return eta.Observed(row.observed_runs, row.observed_mean_hours, row.observed_spread_hours or 0)


def _station_step(station: Station) -> eta.Step:
    typical = eta.Step(station.typical_minutes / 60, station.spread_minutes / 60)
    return eta.blend(typical, _observed(station))


def _leg_step(leg: TransportLeg) -> eta.Step:
    return eta.blend(eta.Step(float(leg.typical_hours), float(leg.spread_hours)), _observed(leg))


# The plant's exit, as a step of ``_Batch.entered`` (station ids are positive).
PLANT_EXIT = 0


def _left_plant_at(
    progress: OrderProgress, entered: dict[tuple[int, int], dt.datetime] | None
) -> dt.datetime | None:
    if entered is not None:
        return entered.get((progress.pk, PLANT_EXIT))
    return (
        ProductionEvent.objects.filter(progress=progress, kind=EventKind.LEFT_PLANT)
        .order_by("id")
        .values_list("occurred_at", flat=True)
        .first()
    )


def estimate_window(
    progress: OrderProgress,
    *,
    now: dt.datetime,
    entered: dict[tuple[int, int], dt.datetime] | None = None,
) -> eta.Window | None:
    """The arrival window from what the progress knows (see ``eta`` and docs/tracking.md).
    ``entered``: when the car entered each (progress, station), if the caller read it already."""
    stations = stations_of(progress.line)
    legs = legs_of(progress.plant)
    leg_steps = [_leg_step(leg) for leg in legs]
    if progress.rank >= LEFT_PLANT_RANK:
        current: eta.Step | None
        since = progress.stage_at
        if progress.leg is not None:
            after = [_leg_step(leg) for leg in legs if leg.position > progress.leg.position]
            current = _leg_step(progress.leg)
            if legs and progress.leg.pk == legs[0].pk:
                # Past the first leg's first checkpoint: the leg is measured from the plant's
                # exit (``observed_step_durations``), so its time spent counts from there too.
                since = _left_plant_at(progress, entered) or since
        else:  # left the plant, first leg under way
            after, current = leg_steps[1:], leg_steps[0] if leg_steps else None
        known = (
            progress.carrier_eta if progress.carrier_eta and progress.carrier_eta > now else None
        )
        return eta.remaining_window(
            now=now,
            current=current,
            current_since=since,
            after=after,
            known_end_of_current=known,
        )
    if progress.plant_eta is not None and progress.plant_eta > now:
        return eta.remaining_window(
            now=now,
            current=None,
            current_since=None,
            after=leg_steps,
            on_hold=progress.on_hold,
            known_end_of_current=progress.plant_eta,
        )
    if progress.station is not None:
        position = progress.station.position
        current = _station_step(progress.station)
        since = progress.stage_at
        if progress.stage_kind == EventKind.STATION_LEFT:
            # A station's typical duration runs from entering it to entering the next one.
            if entered is not None:
                entered_at = entered.get((progress.pk, progress.station.pk))
            else:
                entered_at = (
                    ProductionEvent.objects.filter(
                        progress=progress, kind=EventKind.STATION_ENTERED, station=progress.station
                    )
                    .values_list("occurred_at", flat=True)
                    .first()
                )
            since = entered_at or since
        after = [_station_step(s) for s in stations if s.position > position] + leg_steps
        return eta.remaining_window(
            now=now,
            current=current,
            current_since=since,
            after=after,
            on_hold=progress.on_hold,
        )
    if not progress.build_week:
        return None  # not scheduled yet: no honest date to give
    # Planned for a week: the car starts any time in it (uniform), not before now.
    year, week = progress.build_week.split("-W")
    monday = timezone.make_aware(
        dt.datetime.combine(dt.date.fromisocalendar(int(year), int(week), 1), dt.time())
    )
    base = max(now, monday)
    span = max((monday + dt.timedelta(days=7) - base).total_seconds() / 3600, 0.0)
    week_step = eta.Step(span / 2, span / math.sqrt(12))
    return eta.remaining_window(
        now=base,
        current=None,
        current_since=None,
        after=[week_step] + [_station_step(s) for s in stations] + leg_steps,
        on_hold=progress.on_hold,
    )


def tracking_preferences_set(*, number: str, customer_id: int, milestones: list[str]) -> None:
    """The milestone e-mails the buyer wants for this order (among ``OPTIONAL_MILESTONES``)."""
    order = customer_order(number=number, customer_id=customer_id)
    if order is None:
        raise ValidationError(_("Commande introuvable."), code="not_found")
    TrackingPreferences.objects.update_or_create(
        order_id=order.pk,
        defaults={"email_milestones": [m for m in OPTIONAL_MILESTONES if m in milestones]},
    )


def push_subscribe(*, user_id: int, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """Keep a browser's push subscription for this buyer (the same endpoint again: updated)."""
    if not endpoint.startswith("https://") and not settings.DEBUG_PUSH_ENDPOINTS:
        raise ValidationError(_("Adresse de push invalide."), code="push_endpoint")
    if not (endpoint and p256dh and auth) or len(endpoint) > 800 or len(p256dh) > 120:
        raise ValidationError(_("Abonnement incomplet."), code="push_subscription")
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user_id": user_id, "p256dh": p256dh, "auth": auth[:40]}
    )
    return subscription


# --- CSV import (plants without an API) -----------------------------------------------------

CSV_COLUMNS = (
    "id", "kind", "occurred_at", "vin", "order", "line", "station", "leg", "week", "place",
    "reason", "reason_public", "eta",
)  # fmt: skip
MAX_CSV_LINES = 5000
MAX_CSV_BYTES = 2 * 1024 * 1024
_TRUE = {"1", "true", "vrai", "oui", "yes"}


@dataclass
class CsvLineResult:
    line: int  # the line number in the file (the header is line 1)
    result: EventResult


@dataclass
class CsvImportReport:
    lines: list[CsvLineResult]

    @property
    def accepted(self) -> int:
        return sum(
            1 for r in self.lines if r.result.status == "accepted" and not r.result.duplicate
        )

    @property
    def duplicates(self) -> int:
        return sum(1 for r in self.lines if r.result.duplicate)

    @property
    def rejected(self) -> list[CsvLineResult]:
        return [r for r in self.lines if r.result.status == "rejected"]


def events_import_csv(*, credential: ApiCredential, data: bytes) -> CsvImportReport:
    """The events of a CSV file (a header naming the API's fields, one event a line; UTF-8,
    comma or semicolon), ingested exactly as an API batch sent with ``credential``: the same
    validation, idempotence and order rules. Each rejected line is reported with its number."""
    if credential.revoked_at is not None:
        raise ValidationError(_("Cette clé est révoquée."), code="revoked")
    if len(data) > MAX_CSV_BYTES:
        raise ValidationError(_("Fichier trop lourd : 2 Mo au plus."), code="csv_too_large")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            _("Le fichier doit être encodé en UTF-8."), code="csv_encoding"
        ) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [name.strip() for name in reader.fieldnames or []]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if not {"id", "kind", "occurred_at"} <= set(header) or unknown:
        raise ValidationError(
            _(
                "En-tête attendu : id, kind, occurred_at puis les champs utiles parmi %(cols)s%(bad)s."
            )
            % {
                "cols": ", ".join(CSV_COLUMNS[3:]),
                "bad": (_(" (colonnes inconnues : %(names)s)") % {"names": ", ".join(unknown)})
                if unknown
                else "",
            },
            code="csv_header",
        )
    reader.fieldnames = header
    rows: list[tuple[int, dict[str, Any]]] = []
    for row in reader:
        if len(rows) >= MAX_CSV_LINES:
            raise ValidationError(
                _("%(n)d lignes au plus par fichier.") % {"n": MAX_CSV_LINES}, code="csv_too_long"
            )
        event: dict[str, Any] = {
            key: value.strip() for key, value in row.items() if key and value and value.strip()
        }
        if not event:
            continue  # a blank line
        if "reason_public" in event:
            event["reason_public"] = event["reason_public"].lower() in _TRUE
        rows.append((reader.line_num, event))
    results = events_ingest(credential=credential, events=[event for _line, event in rows])
    return CsvImportReport(
        [CsvLineResult(line, result) for (line, _event), result in zip(rows, results, strict=True)]
    )


# --- Station photos -------------------------------------------------------------------------

STATION_PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}
# Large enough for a phone's full width at 2x, small enough to load on a train.
STATION_PHOTO_SIDE = 1600
PHOTO_KINDS = (EventKind.STATION_ENTERED, EventKind.STATION_LEFT)


class PhotoRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def station_photo_attach(
    *, credential: ApiCredential, event_id: str, upload: UploadedFile
) -> StationPhoto:
    """The plant's photo of a station event it sent: validated, scaled down, re-encoded without
    metadata (``core.images``: the GPS position and the camera's serial never reach the buyer),
    stored privately. Sending a photo again for the same event replaces it."""
    event = (
        ProductionEvent.objects.filter(event_id=event_id, kind__in=PHOTO_KINDS)
        .select_related("progress")
        .first()
    )
    if event is None or credential.plant_id != event.progress.plant_id:
        # Another plant's event is as unknown as a missing one: it reveals nothing.
        raise PhotoRefused(
            404, "unknown_event", _("Aucun événement de poste de cette usine ne porte cet id.")
        )
    if upload.size is None or upload.size > settings.MAX_PHOTO_BYTES:
        raise PhotoRefused(
            422,
            "photo_too_large",
            _("Photo trop lourde : %(mb)d Mo au plus.")
            % {"mb": settings.MAX_PHOTO_BYTES // (1024 * 1024)},
        )
    try:
        content = image_reencode(
            upload,
            allowed_formats=STATION_PHOTO_FORMATS,
            name="poste",
            max_side=STATION_PHOTO_SIDE,
        )
    except ValidationError as exc:
        raise PhotoRefused(422, exc.code or "photo_not_image", exc.messages[0]) from exc
    with Image.open(content) as picture:
        fmt, (width, height) = (picture.format or "JPEG").lower(), picture.size
    content.seek(0)
    extension = {"jpeg": "jpg"}.get(fmt, fmt)
    with transaction.atomic():
        previous = StationPhoto.objects.select_for_update().filter(event=event).first()
        if previous is not None:
            old_file = previous.file.name or ""
            previous.delete()
            if old_file:
                transaction.on_commit(partial(private_storage().delete, old_file))
        photo = StationPhoto(event=event, content_type=f"image/{fmt}", width=width, height=height)
        photo.file.save(f"{event.pk}-{secrets.token_hex(8)}.{extension}", content, save=False)
        photo.save()
    return photo


# --- Handover at the dealer -----------------------------------------------------------------
#
# Lock order (see docs/tracking.md): an order's progress row, then its handover row, then the
# order row (taken by ``orders`` services). Booking takes only the handover row; the seats are
# held by the unique constraints of ``HandoverBooking``, never by a lock.


class SlotFull(ValidationError):
    """Every place of that half-day is taken."""


def handover_capacity_set(*, dealer_id: int, rows: list[tuple[int, str, int, int]]) -> None:
    """The dealer's handover capacity: ``(weekday, half_day, bays, staff)`` for each half-day of
    the week it hands cars over; a half-day left out has none."""
    with transaction.atomic():
        HandoverCapacity.objects.filter(dealer_id=dealer_id).delete()
        HandoverCapacity.objects.bulk_create(
            HandoverCapacity(
                dealer_id=dealer_id, weekday=weekday, half_day=half_day, bays=bays, staff=staff
            )
            for weekday, half_day, bays, staff in rows
            if bays and staff
        )


def _locked_handover(order_id: int) -> Handover:
    handover, _created = Handover.objects.get_or_create(order_id=order_id)
    return Handover.objects.select_for_update().get(pk=handover.pk)


def _claim_seat(
    handover: Handover, *, dealer_id: int, day: dt.date, half_day: str, status: str
) -> HandoverBooking | None:
    """Insert the booking in the first free seat of that half-day, or ``None`` when all are
    taken. Each attempt is its own savepoint: a seat a concurrent buyer took meanwhile is a
    unique violation, and the next seat is tried."""
    places = selectors.places_on(selectors.dealer_places(dealer_id=dealer_id), day, half_day)
    taken = set(
        HandoverBooking.objects.filter(
            dealer_id=dealer_id, day=day, half_day=half_day, status__in=HOLDING_BOOKING_STATUSES
        ).values_list("seat", flat=True)
    )
    for seat in range(1, places + 1):
        if seat in taken:
            continue
        try:
            with transaction.atomic():
                return HandoverBooking.objects.create(
                    handover=handover,
                    dealer_id=dealer_id,
                    day=day,
                    half_day=half_day,
                    seat=seat,
                    status=status,
                )
        except IntegrityError:
            continue
    return None


def _parse_slot(value: str) -> tuple[dt.date, str]:
    try:
        day_text, half_day = value.rsplit("-", 1)
        day = dt.date.fromisoformat(day_text)
    except ValueError:
        raise ValidationError(_("Créneau inconnu."), code="unknown_slot") from None
    if half_day not in HalfDay.values:
        raise ValidationError(_("Créneau inconnu."), code="unknown_slot")
    return day, half_day


def handover_book(
    *, number: str, customer_id: int, slot: str, today: dt.date | None = None
) -> HandoverBooking:
    """The buyer books (or changes, or confirms an offered) handover slot ``YYYY-MM-DD-am|pm``.

    The slot must be at least one working day after the car's ETA; a full half-day is refused
    with ``SlotFull`` (the database decides between concurrent buyers). Booking the slot one
    already holds answers with it (a double click books once)."""
    day, half_day = _parse_slot(slot)
    order = customer_order(number=number, customer_id=customer_id)
    if order is None:
        raise ValidationError(_("Commande introuvable."), code="not_found")
    earliest = selectors.handover_earliest_day(order, today=today)
    if earliest is None:
        raise ValidationError(
            _("La date d'arrivée de votre voiture n'est pas encore connue : revenez plus tard."),
            code="eta_unknown",
        )
    if day < earliest:
        raise ValidationError(
            _("Ce créneau est trop tôt : votre voiture ne peut pas être prête avant le %(day)s.")
            % {"day": date_format(earliest, "j F")},
            code="too_early",
        )
    with transaction.atomic():
        handover = _locked_handover(order.pk)
        current = (
            HandoverBooking.objects.filter(
                handover=handover, status__in=selectors.ACTIVE_BOOKING_STATUSES
            )
            .order_by("-id")
            .first()
        )
        if current is not None and (current.day, current.half_day) == (day, half_day):
            if current.status == HandoverBooking.Status.OFFERED:
                current.status = HandoverBooking.Status.BOOKED
                current.changed_at = timezone.now()
                current.save(update_fields=["status", "changed_at"])
            return current
        if current is not None:
            current.status = HandoverBooking.Status.CHANGED
            current.changed_at = timezone.now()
            current.save(update_fields=["status", "changed_at"])
        booking = _claim_seat(
            handover,
            dealer_id=order.dealer_id,
            day=day,
            half_day=half_day,
            status=HandoverBooking.Status.BOOKED,
        )
        if booking is None:
            # Rolls the change back: the buyer keeps the slot they had.
            raise SlotFull(
                _("Ce créneau vient d'être pris : choisissez-en un autre."), code="slot_full"
            )
    return booking


def _handover_check_slip(progress: OrderProgress) -> bool:
    """Inside an event's transaction (progress row locked): if the new ETA makes the booked
    handover impossible, its seat goes back to the calendar, the first free slot after the new
    ETA is held for the buyer (offered before anyone else can take it), the buyer is e-mailed
    once and the dealer's staff are alerted. ``True`` when the booking moved."""
    if progress.eta_to is None:
        return False
    booking = (
        HandoverBooking.objects.filter(
            handover__order_id=progress.order_id, status__in=selectors.ACTIVE_BOOKING_STATUSES
        )
        .order_by("-id")
        .first()
    )
    if booking is None:
        return False
    earliest = selectors.earliest_for_eta(progress.eta_to, today=timezone.localdate())
    if booking.day >= earliest:
        return False
    handover = _locked_handover(progress.order_id)
    booking.status = HandoverBooking.Status.SLIPPED
    booking.changed_at = timezone.now()
    booking.save(update_fields=["status", "changed_at"])
    offered = None
    for slot in selectors.handover_free_slots(dealer_id=booking.dealer_id, earliest=earliest):
        offered = _claim_seat(
            handover,
            dealer_id=booking.dealer_id,
            day=slot.day,
            half_day=slot.half_day,
            status=HandoverBooking.Status.OFFERED,
        )
        if offered is not None:
            break
    notification, created = Notification.objects.get_or_create(
        progress=progress,
        key=f"handover-slip:{booking.pk}",
        defaults={"milestone": Notification.Milestone.HANDOVER_MOVED},
    )
    if created:
        transaction.on_commit(partial(tracking_email_buyer.enqueue, notification.pk))
        order = order_by_number(number=progress.order.number) or progress.order
        was = selectors.slot_label(booking.day, booking.half_day)
        now = selectors.slot_label(offered.day, offered.half_day) if offered else _("aucun")
        transaction.on_commit(
            partial(
                dealer_staff_notify,
                dealer_id=booking.dealer_id,
                subject=_("Remise à replanifier : commande %(number)s") % {"number": order.number},
                body=_(
                    "La date d'arrivée de %(vehicle)s (commande %(number)s, %(buyer)s) a glissé "
                    "après la remise prévue le %(was)s.\nCréneau proposé à l'acheteur : %(now)s."
                    "\nCalendrier des remises : %(url)s\n"
                )
                % {
                    "vehicle": order.vehicle_label,
                    "number": order.number,
                    "buyer": order.buyer_name,
                    "was": was,
                    "now": now,
                    "url": settings.PUBLIC_BASE_URL.rstrip("/")
                    + reverse("production:dealer_handovers"),
                },
            )
        )
    return True


# Documents: PDF as sent (checked by its signature), images re-encoded (no metadata kept).
DOCUMENT_IMAGE_FORMATS = {"JPEG", "PNG"}
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024


def handover_document_upload(
    *, number: str, customer_id: int, kind: str, upload: UploadedFile
) -> HandoverDocument:
    """The buyer's insurance certificate or trade-in papers, stored privately; a new upload of
    the same kind replaces the previous one."""
    order = customer_order(number=number, customer_id=customer_id)
    if order is None:
        raise ValidationError(_("Commande introuvable."), code="not_found")
    wanted = {item.key for item in selectors.handover_todo(order) if item.by_buyer}
    if kind not in wanted:
        raise ValidationError(_("Ce document n'est pas demandé."), code="unknown_document")
    if order.status in ("delivered", "cancelled", "withdrawn"):
        raise ValidationError(_("La remise de cette commande est close."), code="closed")
    if upload.size is None or upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(_("Fichier trop lourd : 5 Mo au plus."), code="document_too_large")
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    stored_name = f"{order.number}-{kind}-{secrets.token_hex(8)}"
    if head == b"%PDF-":
        content = ContentFile(upload.read(), name=f"{stored_name}.pdf")
        content_type = "application/pdf"
    else:
        try:
            content = image_reencode(
                upload, allowed_formats=DOCUMENT_IMAGE_FORMATS, name=f"{stored_name}.img"
            )
        except ValidationError:
            raise ValidationError(
                _("Déposez un PDF ou une photo (JPEG ou PNG)."), code="document_format"
            ) from None
        fmt = "jpeg" if content.read(3) == b"\xff\xd8\xff" else "png"
        content.seek(0)
        content.name = f"{stored_name}.{'jpg' if fmt == 'jpeg' else 'png'}"
        content_type = f"image/{fmt}"
    with transaction.atomic():
        handover = _locked_handover(order.pk)
        previous = HandoverDocument.objects.filter(handover=handover, kind=kind).first()
        if previous is not None:
            old_file = str(previous.file.name)
            previous.delete()
            transaction.on_commit(partial(private_storage().delete, old_file))
        document = HandoverDocument(
            handover=handover, kind=kind, content_type=content_type, size=content.size
        )
        document.file.save(str(content.name), content, save=False)
        document.save()
    return document


def _dealer_order(number: str, dealer_id: int) -> Order:
    order = selectors.dealer_handover_order(number=number, dealer_id=dealer_id)
    if order is None:
        raise ValidationError(_("Commande introuvable."), code="not_found")
    return order


BALANCE_MEANS = ("transfer", "bank_cheque", "loan", "card")


def handover_confirm_balance(*, number: str, dealer_id: int, by: Any, means: str) -> Handover:
    """The dealer has received the balance (transfer, bank cheque) or the lender's acceptance."""
    if means not in BALANCE_MEANS:
        raise ValidationError(_("Moyen de paiement inconnu."), code="means")
    order = _dealer_order(number, dealer_id)
    with transaction.atomic():
        handover = _locked_handover(order.pk)
        handover.balance_means = means
        handover.balance_confirmed_at = timezone.now()
        handover.balance_confirmed_by = by
        handover.save()
    return handover


def handover_check_identity(*, number: str, dealer_id: int, by: Any) -> Handover:
    """The dealer has seen the buyer's identity document, at the counter."""
    order = _dealer_order(number, dealer_id)
    with transaction.atomic():
        handover = _locked_handover(order.pk)
        handover.id_checked_at = handover.id_checked_at or timezone.now()
        handover.id_checked_by = handover.id_checked_by or by
        handover.save()
    return handover


def handover_complete(
    *,
    number: str,
    dealer_id: int,
    by: Any,
    trade_in_vin: str = "",
    trade_in_price_ttc: int | None = None,
    now: dt.datetime | None = None,
) -> Order:
    """The keys are handed over: every to-do item must be done; ``orders.order_deliver`` then
    moves the order to ``delivered`` (the withdrawal period runs from this day, C. consom.
    L221-18) and an accepted trade-in into the dealer's used stock. The booking is closed."""
    order = _dealer_order(number, dealer_id)
    missing = [item.label for item in selectors.handover_todo(order) if not item.done]
    if missing:
        raise ValidationError(
            _("Avant la remise, il reste : %(items)s.") % {"items": " ; ".join(missing)},
            code="todo_incomplete",
        )
    now = now or timezone.now()
    with transaction.atomic():
        handover = _locked_handover(order.pk)
        delivered = order_deliver(
            number=number,
            dealer_id=dealer_id,
            by=by,
            trade_in_vin=trade_in_vin,
            trade_in_price_ttc=trade_in_price_ttc,
            balance_means=handover.balance_means or "transfer",
            now=now,
        )
        handover.done_at = now
        handover.done_by = by
        handover.save()
        HandoverBooking.objects.filter(
            handover=handover, status__in=selectors.ACTIVE_BOOKING_STATUSES
        ).update(status=HandoverBooking.Status.DONE, changed_at=now)
    return delivered


# --- Observed durations fed back into the ETA (run by ``web.periodic``) -----------------------

# A plant's observed durations are measured again when older than this.
STEP_STATS_EVERY = dt.timedelta(hours=1)


def step_durations_refresh(*, now: dt.datetime | None = None, force: bool = False) -> int:
    """Measure again the observed duration of every station and leg of each plant last measured
    more than ``STEP_STATS_EVERY`` ago (all of them with ``force``): one bulk read of the recent
    events per plant, one bulk write of its rows. Ingestion itself never queries for them: it reads
    the measured figures on the station and leg rows it loads anyway. Returns the plants measured.
    """
    now = now or timezone.now()
    since = now - dt.timedelta(days=selectors.STEP_STATS_WINDOW_DAYS)
    plants = Plant.objects.prefetch_related("lines__stations", "legs")
    if not force:
        plants = plants.filter(
            Q(durations_observed_at__isnull=True)
            | Q(durations_observed_at__lte=now - STEP_STATS_EVERY)
        )
    measured = 0
    for plant in plants:
        durations = selectors.observed_step_durations(plant=plant, since=since)
        stations = [s for line in plant.lines.all() for s in line.stations.all()]
        legs = list(plant.legs.all())
        for kind, rows in (("station", stations), ("leg", legs)):
            for row in rows:
                observed = eta.observe(durations.get((kind, row.pk), []))
                row.observed_runs = observed.runs if observed else 0
                row.observed_mean_hours = round(observed.mean_hours, 3) if observed else None
                row.observed_spread_hours = round(observed.sd_hours, 3) if observed else None
        fields = ["observed_runs", "observed_mean_hours", "observed_spread_hours"]
        with transaction.atomic():
            Station.objects.bulk_update(stations, fields)
            TransportLeg.objects.bulk_update(legs, fields)
            Plant.objects.filter(pk=plant.pk).update(durations_observed_at=now)
            reference_changed()  # bulk writes skip save(): the workers' cached stations and legs
        measured += 1
    return measured


def notification_record_email_failure(
    *, notification_id: int, recipient: str, what: str, error: str
) -> None:
    """Write on a milestone notification that its e-mail did not leave: head office's tracking
    page lists it (the claim stays, so no task sends it twice)."""
    note = email_failure_note(what=what, recipient=recipient, error=error)
    Notification.objects.filter(pk=notification_id).update(email_error=note[:300])

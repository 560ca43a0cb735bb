"""Writes on trade-ins: validate and estimate the buyer's car, dealer offers, acceptance, intake.

At intake the car enters the dealer's used stock through ``inventory.services.vehicle_create``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from autovitrine.catalog.selectors import Energy
from autovitrine.core.vin import validate_vin
from autovitrine.inventory.selectors import StockCondition
from autovitrine.inventory.services import VehicleData, photo_validate, vehicle_create

from .models import (
    Condition,
    ReferencePrice,
    Segment,
    TradeIn,
    TradeInEvent,
    TradeInPhoto,
    ValuationRule,
)
from .selectors import active_rule, market_for, reference_for, rule_data
from .valuation import CarFacts, Estimate, estimate

OLDEST_YEAR = 1950
MAX_MILEAGE_KM = 999_999
# Beyond this average a figure is a typing error (an extra zero), not a taxi.
MAX_KM_PER_YEAR = 100_000
MAX_PHOTOS = 8
# Current plates (SIV, since 2009): AB-123-CD, letters I, O and U excluded.
SIV_PLATE = re.compile(r"^([A-HJ-NP-TV-Z]{2})[- ]?(\d{3})[- ]?([A-HJ-NP-TV-Z]{2})$")
# Older plates (FNI): 123 ABC 45, department last.
FNI_PLATE = re.compile(r"^(\d{1,4}) ?([A-Z]{1,3}) ?(\d{2}|2A|2B|97[1-6])$")


@dataclass(frozen=True, slots=True)
class TradeInInput:
    make: str
    model_label: str
    segment: str
    energy: str
    year: int
    mileage_km: int
    condition: str
    plate: str = ""
    vin: str = ""
    version: str = ""


def normalize_plate(raw: str) -> str:
    """``ab 123 cd`` → ``AB-123-CD``; raises a French ``ValidationError`` for anything else."""
    text = " ".join(raw.upper().replace("-", " ").split())
    if match := SIV_PLATE.match(text):
        return "-".join(match.groups())
    if match := FNI_PLATE.match(text):
        return " ".join(match.groups())
    raise ValidationError(
        _("Immatriculation non reconnue : saisissez-la au format AB-123-CD."), code="plate"
    )


def tradein_validate(data: TradeInInput, *, current_year: int | None = None) -> TradeInInput:
    """The input, normalized, or a ``ValidationError`` with a French message per field."""
    year_now = current_year or timezone.localdate().year
    errors: dict[str, ValidationError] = {}
    make, model_label = data.make.strip(), data.model_label.strip()
    if not make or len(make) > 60:
        errors["make"] = ValidationError(_("Indiquez la marque."), code="make")
    if not model_label or len(model_label) > 80:
        errors["model_label"] = ValidationError(_("Indiquez le modèle."), code="model_label")
    if data.segment not in Segment.values:
        errors["segment"] = ValidationError(_("Choisissez une catégorie."), code="segment")
    if data.energy not in Energy.values:
        errors["energy"] = ValidationError(_("Choisissez une énergie."), code="energy")
    if data.condition not in Condition.values:
        errors["condition"] = ValidationError(_("Choisissez l'état du véhicule."), code="condition")
    if data.year > year_now:
        errors["year"] = ValidationError(
            _("L'année ne peut pas être dans le futur (%(year)d au plus).") % {"year": year_now},
            code="year_future",
        )
    elif data.year < OLDEST_YEAR:
        errors["year"] = ValidationError(
            _("Nous reprenons les véhicules de %(year)d et après.") % {"year": OLDEST_YEAR},
            code="year_old",
        )
    if data.mileage_km < 0 or data.mileage_km > MAX_MILEAGE_KM:
        errors["mileage_km"] = ValidationError(
            _("Kilométrage invraisemblable : saisissez un nombre entre 0 et 999 999 km."),
            code="mileage_absurd",
        )
    elif "year" not in errors and data.mileage_km > MAX_KM_PER_YEAR * max(1, year_now - data.year):
        errors["mileage_km"] = ValidationError(
            _(
                "Kilométrage invraisemblable pour une voiture de %(year)d "
                "(plus de 100 000 km par an) : vérifiez le compteur."
            )
            % {"year": data.year},
            code="mileage_absurd",
        )
    plate = vin = ""
    if data.plate.strip():
        try:
            plate = normalize_plate(data.plate)
        except ValidationError as exc:
            errors["plate"] = exc
    if data.vin.strip():
        try:
            vin = validate_vin(data.vin)
        except ValidationError as exc:
            errors["vin"] = exc
    if not data.plate.strip() and not data.vin.strip():
        errors["plate"] = ValidationError(
            _("Indiquez l'immatriculation ou le VIN du véhicule."), code="plate_or_vin"
        )
    if errors:
        raise ValidationError(errors)
    version = " ".join(data.version.split())[:120]
    return replace(data, make=make, model_label=model_label, plate=plate, vin=vin, version=version)


def _rule_or_error() -> ValuationRule:
    rule = active_rule()
    if rule is None:
        raise ValidationError(
            _("L'estimation de reprise est momentanément indisponible."), code="no_rule"
        )
    return rule


def tradein_estimate(*, data: TradeInInput, current_year: int | None = None) -> Estimate:
    """The instant estimate under the rule in force (nothing is written)."""
    year_now = current_year or timezone.localdate().year
    data = tradein_validate(data, current_year=year_now)
    return _estimate(_rule_or_error(), data, year_now)


def _estimate(rule: ValuationRule, data: TradeInInput, year_now: int) -> Estimate:
    """The method of docs/tradein.md with the platform's data: head office's reference price
    for this car, and the asking prices of similar used cars in stock."""
    return estimate(
        rule_data(rule),
        _facts(data),
        current_year=year_now,
        reference=reference_for(
            segment=data.segment, make=data.make, model_label=data.model_label, version=data.version
        ),
        market=market_for(make=data.make, model_label=data.model_label, year=data.year),
        resale_markup_bp=rule.resale_markup_bp,
    )


def _facts(data: TradeInInput) -> CarFacts:
    return CarFacts(
        segment=data.segment,
        energy=data.energy,
        year=data.year,
        mileage_km=data.mileage_km,
        condition=data.condition,
        make=data.make,
        model_label=data.model_label,
        version=data.version,
    )


def tradein_create(
    *,
    customer: Any,
    data: TradeInInput,
    photos: Sequence[UploadedFile] = (),
    idempotency_key: str | None = None,
    current_year: int | None = None,
) -> TradeIn:
    """Save the buyer's car with its estimate frozen; a retried submit returns the first one."""
    if idempotency_key:
        existing = TradeIn.objects.filter(
            idempotency_key=idempotency_key, customer=customer
        ).first()
        if existing is not None:
            return existing
    year_now = current_year or timezone.localdate().year
    data = tradein_validate(data, current_year=year_now)
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(
            {"photos": _("%(n)d photos au plus.") % {"n": MAX_PHOTOS}}, code="photos_count"
        )
    for photo in photos:
        try:
            photo_validate(photo)
        except ValidationError as exc:
            raise ValidationError({"photos": exc}) from exc
    rule = _rule_or_error()
    result = _estimate(rule, data, year_now)
    try:
        with transaction.atomic():
            trade_in = TradeIn.objects.create(
                customer=customer,
                rule=rule,
                make=data.make,
                model_label=data.model_label,
                segment=data.segment,
                energy=data.energy,
                year=data.year,
                mileage_km=data.mileage_km,
                condition=data.condition,
                plate=data.plate,
                vin=data.vin,
                estimate_cents=result.total_cents,
                estimate_lines=[line.as_json() for line in result.lines],
                estimate_low_cents=result.low_cents,
                estimate_high_cents=result.high_cents,
                version_label=data.version,
                idempotency_key=idempotency_key or None,
            )
            TradeInEvent.objects.create(
                trade_in=trade_in,
                to_status=trade_in.status,
                amount_cents=trade_in.estimate_cents,
                by=customer,
            )
            for position, photo in enumerate(photos):
                TradeInPhoto.objects.create(trade_in=trade_in, image=photo, position=position)
    except IntegrityError:
        if idempotency_key:
            return TradeIn.objects.get(idempotency_key=idempotency_key, customer=customer)
        raise
    return trade_in


def _invalid_transition() -> ValidationError:
    return ValidationError(
        _("Cette action n'est plus possible pour cette reprise."), code="invalid_transition"
    )


def _move(
    trade_in: TradeIn,
    *,
    to_status: str,
    by: Any = None,
    note: str = "",
    amount_cents: int | None = None,
) -> TradeIn:
    """Change status inside the caller's transaction (row locked) and write the event."""
    if not TradeIn.TRANSITIONS.allows(trade_in.status, to_status):
        raise _invalid_transition()
    TradeInEvent.objects.create(
        trade_in=trade_in,
        from_status=trade_in.status,
        to_status=to_status,
        amount_cents=amount_cents,
        by=by if getattr(by, "is_authenticated", False) else None,
        note=note[:300],
    )
    trade_in.status = to_status
    trade_in.save()
    return trade_in


def _locked(**filters: Any) -> TradeIn:
    trade_in = TradeIn.objects.select_for_update().filter(**filters).first()
    if trade_in is None:
        raise TradeIn.DoesNotExist
    return trade_in


@transaction.atomic
def tradein_assign_dealer(*, trade_in_id: int, customer_id: int, dealer_id: int) -> TradeIn:
    """Hand the buyer's estimated car to the dealer that will take it (the delivering dealer)."""
    trade_in = _locked(pk=trade_in_id, customer_id=customer_id)
    if trade_in.status != TradeIn.Status.ESTIMATED or trade_in.dealer_id not in (None, dealer_id):
        raise ValidationError(
            _("Cette reprise est déjà rattachée à une autre commande."), code="tradein_taken"
        )
    trade_in.dealer_id = dealer_id
    trade_in.save(update_fields=["dealer", "updated_at"])
    return trade_in


@transaction.atomic
def tradein_make_offer(
    *, trade_in_id: int, dealer_id: int, by: Any, amount_cents: int | None = None, note: str = ""
) -> TradeIn:
    """The dealer confirms the estimate (no amount) or revises it, saying why."""
    trade_in = _locked(pk=trade_in_id, dealer_id=dealer_id)
    amount = trade_in.estimate_cents if amount_cents is None else amount_cents
    if amount <= 0:
        raise ValidationError(_("L'offre doit être un montant positif."), code="offer_amount")
    if amount != trade_in.estimate_cents and not note.strip():
        raise ValidationError(
            _("Expliquez à l'acheteur l'écart avec l'estimation."), code="offer_note"
        )
    trade_in.offer_cents = amount
    trade_in.offer_note = note.strip()[:300]
    return _move(trade_in, to_status=TradeIn.Status.OFFERED, by=by, note=note, amount_cents=amount)


@transaction.atomic
def tradein_accept(*, trade_in_id: int, customer_id: int) -> TradeIn:
    trade_in = _locked(pk=trade_in_id, customer_id=customer_id)
    return _move(
        trade_in,
        to_status=TradeIn.Status.ACCEPTED,
        by=trade_in.customer,
        amount_cents=trade_in.offer_cents,
    )


@transaction.atomic
def tradein_decline(*, trade_in_id: int, customer_id: int) -> TradeIn:
    trade_in = _locked(pk=trade_in_id, customer_id=customer_id)
    return _move(trade_in, to_status=TradeIn.Status.DECLINED, by=trade_in.customer)


@transaction.atomic
def tradein_cancel(*, trade_in_id: int, by: Any = None, note: str = "") -> TradeIn:
    """Drop a trade-in whose order ended; one already taken in stays as it is."""
    trade_in = _locked(pk=trade_in_id)
    if trade_in.status in (TradeIn.Status.CANCELLED, TradeIn.Status.RECEIVED):
        return trade_in
    return _move(trade_in, to_status=TradeIn.Status.CANCELLED, by=by, note=note)


def resale_price(trade_in: TradeIn) -> int:
    """Suggested used-stock price: the offer plus the rule's markup, rounded to 10 €."""
    offer = trade_in.offer_cents or trade_in.estimate_cents
    raw = offer * (10_000 + trade_in.rule.resale_markup_bp)
    return (raw + 5_000 * 1_000) // (10_000 * 1_000) * 1_000


@transaction.atomic
def tradein_receive(
    *, trade_in_id: int, dealer_id: int, by: Any, vin: str = "", price_ttc: int | None = None
) -> TradeIn:
    """At delivery the dealer takes the car: it enters that dealer's used stock, photos included."""
    trade_in = _locked(pk=trade_in_id, dealer_id=dealer_id)
    if trade_in.status != TradeIn.Status.ACCEPTED:
        raise _invalid_transition()
    raw_vin = vin or trade_in.vin
    if not raw_vin:
        raise ValidationError(
            {"vin": _("Saisissez le VIN du véhicule repris (case E de la carte grise).")},
            code="vin_required",
        )
    try:
        trade_in.vin = validate_vin(raw_vin)
    except ValidationError as exc:
        raise ValidationError({"vin": exc}) from exc
    photos = [
        ContentFile(photo.image.read(), name=PurePath(photo.image.name or "photo").name)
        for photo in trade_in.photos.all()
    ]
    vehicle = vehicle_create(
        dealer_id=dealer_id,
        data=VehicleData(
            condition=StockCondition.USED,
            vin=trade_in.vin,
            make=trade_in.make,
            model_label=trade_in.model_label,
            energy=trade_in.energy,
            year=trade_in.year,
            mileage_km=trade_in.mileage_km,
            price_ttc=price_ttc or resale_price(trade_in),
            description=_("Véhicule repris, état déclaré : %(condition)s.")
            % {"condition": trade_in.get_condition_display().lower()},
        ),
        by=by,
        photos=photos,  # type: ignore[arg-type]
    )
    trade_in.stock_vehicle = vehicle
    return _move(trade_in, to_status=TradeIn.Status.RECEIVED, by=by, note=vehicle.vin)


def reference_price_ensure(
    *,
    segment: str,
    new_price_cents: int,
    make: str = "",
    model_label: str = "",
    version_label: str = "",
    source: str = "",
) -> bool:
    """Record a reference new price unless one exists for the same car (head office's later
    edits are kept); whether it was added."""
    _price, created = ReferencePrice.objects.get_or_create(
        segment=segment,
        make=make,
        model_label=model_label,
        version_label=version_label,
        defaults={"new_price_cents": new_price_cents, "source": source},
    )
    return created

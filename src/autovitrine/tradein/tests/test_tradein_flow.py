"""A buyer's trade-in: validation in French, the frozen estimate, the dealer's offer, the intake."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from autovitrine.inventory.models import StockVehicle
from autovitrine.testing import factories as f
from autovitrine.tradein.models import TradeIn
from autovitrine.tradein.services import (
    TradeInInput,
    normalize_plate,
    tradein_accept,
    tradein_assign_dealer,
    tradein_create,
    tradein_decline,
    tradein_make_offer,
    tradein_receive,
)

from .factories import default_rule

VIN = "VF1RFB00X12345678"


def car(**changes) -> TradeInInput:
    fields: dict[str, Any] = dict(
        make="Peugeot",
        model_label="308",
        segment="hatch",
        energy="diesel",
        year=2019,
        mileage_km=85_000,
        condition="good",
        plate="ab 123 cd",
        vin="",
    )
    fields.update(changes)
    return TradeInInput(**fields)


def messages(exc: pytest.ExceptionInfo) -> dict[str, list[str]]:
    return exc.value.message_dict


@pytest.fixture
def rule(db):
    return default_rule()


@pytest.fixture
def estimated(customer, rule):
    return tradein_create(customer=customer, data=car(), current_year=2026)


@pytest.fixture
def offered(estimated, dealer, dealer_staff, customer):
    tradein_assign_dealer(trade_in_id=estimated.pk, customer_id=customer.pk, dealer_id=dealer.pk)
    return tradein_make_offer(trade_in_id=estimated.pk, dealer_id=dealer.pk, by=dealer_staff)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("ab 123 cd", "AB-123-CD"), ("AB123CD", "AB-123-CD"), ("1234 ab 69", "1234 AB 69")],
)
def test_plates_are_normalized(raw, expected):
    assert normalize_plate(raw) == expected


def test_a_future_year_is_refused_in_french(rule):
    # When
    with pytest.raises(ValidationError) as exc:
        tradein_create(customer=None, data=car(year=2027), current_year=2026)

    # Then
    assert messages(exc) == {"year": ["L'année ne peut pas être dans le futur (2026 au plus)."]}
    assert not TradeIn.objects.exists()


def test_an_absurd_mileage_is_refused_in_french(customer, rule):
    # When
    with pytest.raises(ValidationError) as absurd:
        tradein_create(customer=customer, data=car(mileage_km=1_500_000), current_year=2026)
    with pytest.raises(ValidationError) as implausible:
        tradein_create(
            customer=customer, data=car(year=2025, mileage_km=450_000), current_year=2026
        )

    # Then
    assert messages(absurd) == {
        "mileage_km": ["Kilométrage invraisemblable : saisissez un nombre entre 0 et 999 999 km."]
    }
    assert messages(implausible) == {
        "mileage_km": [
            "Kilométrage invraisemblable pour une voiture de 2025 (plus de 100 000 km par an) : "
            "vérifiez le compteur."
        ]
    }


def test_a_car_needs_a_plate_or_a_vin(customer, rule):
    # When
    with pytest.raises(ValidationError) as missing:
        tradein_create(customer=customer, data=car(plate=""), current_year=2026)
    with pytest.raises(ValidationError) as wrong:
        tradein_create(customer=customer, data=car(plate="XYZ", vin="VF1O"), current_year=2026)

    # Then
    assert messages(missing) == {"plate": ["Indiquez l'immatriculation ou le VIN du véhicule."]}
    assert messages(wrong) == {
        "plate": ["Immatriculation non reconnue : saisissez-la au format AB-123-CD."],
        "vin": ["Le VIN doit comporter 17 caractères (4 saisis)."],
    }


def test_the_estimate_is_frozen_with_its_breakdown(estimated):
    # Then 2019 diesel hatch, 85 000 km in 2026: 27 000 (segment's reference) × 0.95 = 25 650;
    # 7 years keep 47 % → 12 055.50 → 12 056; 6 000 km under 7 × 13 000: + 0.9 % → 12 164.50
    # → 12 165 € (docs/tradein.md)
    assert estimated.status == TradeIn.Status.ESTIMATED
    assert estimated.plate == "AB-123-CD"
    assert estimated.estimate_cents == 1_216_500
    assert sum(line["cents"] for line in estimated.estimate_lines) == 1_216_500
    assert estimated.estimate_lines[0] == {
        "label": "Prix de référence de la catégorie « compacte », véhicule neuf",
        "cents": 2_700_000,
    }
    assert (estimated.estimate_low_cents, estimated.estimate_high_cents) == (1_060_000, 1_370_000)


def test_a_retried_submit_keeps_one_trade_in(customer, rule):
    # When
    first = tradein_create(customer=customer, data=car(), idempotency_key="k1", current_year=2026)
    again = tradein_create(customer=customer, data=car(), idempotency_key="k1", current_year=2026)

    # Then
    assert again.pk == first.pk
    assert TradeIn.objects.count() == 1


def test_photos_are_kept_and_a_non_image_is_refused(customer, rule):
    # Given
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("photo.jpg", b"not an image", content_type="image/jpeg")

    # When
    saved = tradein_create(
        customer=customer, data=car(), photos=[f.png_upload(), f.png_upload()], current_year=2026
    )
    with pytest.raises(ValidationError) as exc:
        tradein_create(customer=customer, data=car(), photos=[fake], current_year=2026)

    # Then
    assert saved.photos.count() == 2
    assert messages(exc) == {"photos": ["Ce fichier n'est pas une image (JPEG, PNG ou WebP)."]}
    assert TradeIn.objects.count() == 1


def test_the_dealer_confirms_the_estimate_as_its_offer(offered):
    # Then
    assert offered.status == TradeIn.Status.OFFERED
    assert offered.offer_cents == offered.estimate_cents


def test_a_revised_offer_must_say_why(offered, dealer, dealer_staff):
    # When
    with pytest.raises(ValidationError) as exc:
        tradein_make_offer(
            trade_in_id=offered.pk, dealer_id=dealer.pk, by=dealer_staff, amount_cents=400_000
        )
    revised = tradein_make_offer(
        trade_in_id=offered.pk,
        dealer_id=dealer.pk,
        by=dealer_staff,
        amount_cents=400_000,
        note="Pare-brise fêlé, deux pneus à changer.",
    )

    # Then
    assert exc.value.messages == ["Expliquez à l'acheteur l'écart avec l'estimation."]
    assert (revised.status, revised.offer_cents) == (TradeIn.Status.OFFERED, 400_000)
    assert revised.offer_note == "Pare-brise fêlé, deux pneus à changer."
    assert list(revised.events.values_list("to_status", "amount_cents")) == [
        ("estimated", 1_216_500),
        ("offered", 1_216_500),
        ("offered", 400_000),
    ]


def test_another_dealer_cannot_make_an_offer(offered, other_dealer, other_dealer_staff):
    # When / Then
    with pytest.raises(TradeIn.DoesNotExist):
        tradein_make_offer(trade_in_id=offered.pk, dealer_id=other_dealer.pk, by=other_dealer_staff)


def test_a_declined_offer_can_be_revised_then_accepted(offered, customer, dealer, dealer_staff):
    # When
    tradein_decline(trade_in_id=offered.pk, customer_id=customer.pk)
    tradein_make_offer(
        trade_in_id=offered.pk,
        dealer_id=dealer.pk,
        by=dealer_staff,
        amount_cents=500_000,
        note="Geste commercial.",
    )
    accepted = tradein_accept(trade_in_id=offered.pk, customer_id=customer.pk)

    # Then
    assert (accepted.status, accepted.offer_cents) == (TradeIn.Status.ACCEPTED, 500_000)


def test_an_estimate_cannot_be_accepted_before_an_offer(estimated, customer):
    # When / Then
    with pytest.raises(ValidationError, match="n'est plus possible"):
        tradein_accept(trade_in_id=estimated.pk, customer_id=customer.pk)


def test_intake_puts_the_car_in_the_dealers_used_stock(offered, customer, dealer, dealer_staff):
    # Given an accepted offer on a car with photos
    offered.photos.create(image=f.png_upload("avant.png"), position=0)
    tradein_accept(trade_in_id=offered.pk, customer_id=customer.pk)

    # When
    received = tradein_receive(
        trade_in_id=offered.pk, dealer_id=dealer.pk, by=dealer_staff, vin=VIN
    )

    # Then 12 165 € + 25 % = 15 206.25 → 15 210 €
    vehicle = StockVehicle.objects.get(vin=VIN)
    assert received.status == TradeIn.Status.RECEIVED
    assert received.stock_vehicle == vehicle
    assert (vehicle.dealer, vehicle.condition, vehicle.status) == (dealer, "used", "available")
    assert (vehicle.make, vehicle.model_label, vehicle.year, vehicle.mileage_km) == (
        "Peugeot",
        "308",
        2019,
        85_000,
    )
    assert vehicle.price_ttc == 1_521_000
    assert vehicle.photos.count() == 1


def test_intake_without_a_vin_asks_for_it_and_writes_nothing(
    offered, customer, dealer, dealer_staff
):
    # Given the buyer gave only the plate
    tradein_accept(trade_in_id=offered.pk, customer_id=customer.pk)

    # When
    with pytest.raises(ValidationError) as exc:
        tradein_receive(trade_in_id=offered.pk, dealer_id=dealer.pk, by=dealer_staff)

    # Then
    assert exc.value.message_dict == {
        "vin": ["Saisissez le VIN du véhicule repris (case E de la carte grise)."]
    }
    offered.refresh_from_db()
    assert offered.status == TradeIn.Status.ACCEPTED
    assert not StockVehicle.objects.exists()


def test_a_trade_in_attached_to_one_dealer_cannot_go_to_another(
    estimated, customer, dealer, other_dealer
):
    # Given
    tradein_assign_dealer(trade_in_id=estimated.pk, customer_id=customer.pk, dealer_id=dealer.pk)

    # When / Then
    with pytest.raises(ValidationError, match="déjà rattachée"):
        tradein_assign_dealer(
            trade_in_id=estimated.pk, customer_id=customer.pk, dealer_id=other_dealer.pk
        )

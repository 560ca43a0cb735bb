"""Placing an order: the stock car is reserved at once, totals are frozen, never sold twice."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from autovitrine.inventory.models import StockVehicle, VehicleStatusEvent
from autovitrine.orders.models import Order
from autovitrine.orders.services import (
    BuyerIdentity,
    FactorySpec,
    order_place_factory,
    order_place_stock,
)
from autovitrine.testing import factories as f
from autovitrine.testing.concurrency import race


def test_ordering_a_stock_car_reserves_it_and_freezes_the_totals(place, vehicle, dealer):
    # When
    order = place()

    # Then 24 900 € TTC = 20 750 € HT + 4 150 € VAT; malus 540 €; carte grise: 7 CV × 43 € +
    # 11 € + 2,76 € in Auvergne-Rhône-Alpes
    vehicle.refresh_from_db()
    assert vehicle.status == StockVehicle.Status.RESERVED
    assert (order.kind, order.status, order.dealer) == ("stock", "draft", dealer)
    assert (order.price_ht, order.vat_cents, order.price_ttc) == (2_075_000, 415_000, 2_490_000)
    assert order.malus_cents == 54_000
    assert order.registration_cents == 31_476
    assert order.total_ttc == 2_575_476
    assert order.deposit_cents == 150_000
    assert order.balance_cents == 2_425_476
    assert order.commission_cents == 62_250
    assert [line["code"] for line in order.quote] == ["vehicle", "malus", "registration"]
    assert order.quote[2]["label"] == "Carte grise, estimation (7 CV, Auvergne-Rhône-Alpes)"
    assert order.vehicle["vin"] == vehicle.vin
    assert order.number.startswith("AV-") and len(order.number) == 16  # 65 bits
    assert list(order.events.values_list("from_status", "to_status")) == [("", "draft")]


def test_the_buyer_gets_an_e_mail_when_the_order_is_placed(
    place, mailoutbox, django_capture_on_commit_callbacks
):
    # When
    with django_capture_on_commit_callbacks(execute=True):
        order = place()

    # Then
    assert [mail.to for mail in mailoutbox] == [["camille@example.fr"]]
    assert mailoutbox[0].subject == f"Commande {order.number} : En attente de l'acompte"
    assert f"/commandes/{order.number}/" in mailoutbox[0].body


def test_identity_errors_come_back_in_french_and_nothing_is_written(customer, vehicle):
    # Given
    wrong = BuyerIdentity(
        first_name=" ",
        last_name="Martin",
        email="camille@",
        phone="12 34",
        street="3 rue de la République",
        postcode="6900",
        city="Lyon",
    )

    # When
    with pytest.raises(ValidationError) as exc:
        order_place_stock(
            customer=customer, vehicle_id=vehicle.pk, identity=wrong, idempotency_key="k"
        )

    # Then
    assert exc.value.message_dict == {
        "first_name": ["Indiquez votre prénom."],
        "email": ["Saisissez une adresse e-mail valide."],
        "phone": ["Saisissez un numéro de téléphone français (ex. 06 12 34 56 78)."],
        "postcode": ["Code postal invalide : 5 chiffres (ex. 69007)."],
    }
    vehicle.refresh_from_db()
    assert vehicle.status == StockVehicle.Status.AVAILABLE
    assert not Order.objects.exists()


def test_identity_is_normalized(place):
    # When
    order = place(
        identity=BuyerIdentity(
            first_name="  Camille ",
            last_name="Martin",
            email="Camille@Example.FR",
            phone="+33 6.12.34.56.78",
            street="3  rue de la République",
            postcode="69 002",
            city="Lyon",
        )
    )

    # Then
    assert (order.first_name, order.email, order.phone, order.street, order.postcode) == (
        "Camille",
        "camille@example.fr",
        "06 12 34 56 78",
        "3 rue de la République",
        "69002",
    )


def test_a_retried_submit_returns_the_same_order(place):
    # When
    first = place(key="same")
    again = place(key="same")

    # Then
    assert again.pk == first.pk
    assert Order.objects.count() == 1


def test_a_second_buyer_is_told_the_car_is_taken(place, vehicle, identity, other_dealer):
    # Given
    place()
    someone_else = f.UserFactory()

    # When
    with pytest.raises(ValidationError) as exc:
        order_place_stock(
            customer=someone_else, vehicle_id=vehicle.pk, identity=identity, idempotency_key="k-2"
        )

    # Then
    assert exc.value.messages == ["Ce véhicule vient d'être réservé par un autre acheteur."]
    assert Order.objects.count() == 1


def test_the_buyer_may_choose_another_delivering_dealer(place, other_dealer):
    # When
    order = place(dealer_id=other_dealer.pk)

    # Then
    assert order.dealer == other_dealer


def test_an_inactive_dealer_cannot_deliver(place, other_dealer, vehicle):
    # Given
    other_dealer.is_active = False
    other_dealer.save()

    # When
    with pytest.raises(ValidationError) as exc:
        place(dealer_id=other_dealer.pk)

    # Then
    assert exc.value.message_dict == {
        "dealer": ["Cette concession ne peut pas livrer ce véhicule."]
    }
    vehicle.refresh_from_db()
    assert vehicle.status == StockVehicle.Status.AVAILABLE


def test_a_used_car_pays_no_malus_and_half_regional_tax_after_ten_years(
    customer, dealer, identity, malus_scale
):
    # Given a 2012 used car, 7 CV
    used = f.StockVehicleFactory(
        dealer=dealer,
        condition="used",
        year=2012,
        price_ttc=600_000,
        co2_g_km=128,
        power_hp=130,
        mileage_km=150_000,
    )

    # When
    order = order_place_stock(
        customer=customer, vehicle_id=used.pk, identity=identity, idempotency_key="u"
    )

    # Then 7 × 43 € / 2 = 150,50 €, + 13,76 €
    assert order.malus_cents == 0
    assert order.registration_cents == 16_426
    assert order.deposit_cents == 60_000


def test_a_factory_order_freezes_version_paint_and_options(customer, dealer, identity, malus_scale):
    # Given
    version = f.VersionFactory(base_price_ht=2_075_000, co2_g_km=120, power_hp=130)
    colour = f.ColourFactory(
        car_model=version.car_model, code="rouge", name="Rouge", price_ht=50_000
    )
    roof = f.OptionFactory(
        car_model=version.car_model, code="toit", price_ht=75_000, co2_delta_g_km=3
    )
    spec = FactorySpec(
        model_code=version.car_model.code,
        version_code=version.code,
        colour_code="rouge",
        option_codes=("toit",),
    )

    # When
    order = order_place_factory(
        customer=customer, spec=spec, dealer_id=dealer.pk, identity=identity, idempotency_key="f"
    )

    # Then 20 750 + 500 + 750 = 22 000 € HT, 26 400 € TTC; CO2 123 g/km → malus between brackets
    assert (order.kind, order.stock_vehicle) == ("factory", None)
    assert [(line["code"], line["ht"], line["vat"], line["ttc"]) for line in order.quote[:3]] == [
        ("vehicle", 2_075_000, 415_000, 2_490_000),
        ("colour", 50_000, 10_000, 60_000),
        ("option", 75_000, 15_000, 90_000),
    ]
    assert (order.price_ht, order.vat_cents, order.price_ttc) == (2_200_000, 440_000, 2_640_000)
    assert (order.vehicle["co2_g_km"], order.vehicle["energy_class"]) == (123, "C")
    assert order.vehicle["options"] == [roof.name]
    assert order.vehicle["colour"] == colour.name
    assert order.malus_cents == 5_000


def test_a_factory_order_with_an_unknown_option_is_refused(customer, dealer, identity):
    # Given
    version = f.VersionFactory()
    spec = FactorySpec(
        model_code=version.car_model.code, version_code=version.code, option_codes=("gone",)
    )

    # When / Then
    with pytest.raises(ValidationError, match="ne sont plus proposés"):
        order_place_factory(
            customer=customer,
            spec=spec,
            dealer_id=dealer.pk,
            identity=identity,
            idempotency_key="x",
        )
    assert not Order.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_buyers_at_once_exactly_one_holds_the_car(vehicle, identity):
    # Given twelve buyers
    buyers = [f.UserFactory() for _ in range(12)]

    # When they all order the car at the same instant
    orders, errors = race(
        12,
        lambda i: order_place_stock(
            customer=buyers[i], vehicle_id=vehicle.pk, identity=identity, idempotency_key=f"b{i}"
        ),
    )

    # Then
    vehicle.refresh_from_db()
    assert len(orders) == 1
    assert [str(e.messages[0]) for e in errors] == [
        "Ce véhicule vient d'être réservé par un autre acheteur."
    ] * 11
    assert Order.objects.filter(stock_vehicle=vehicle).count() == 1
    assert vehicle.status == StockVehicle.Status.RESERVED
    assert VehicleStatusEvent.objects.filter(vehicle=vehicle, to_status="reserved").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_submit_sent_six_times_at_once_makes_one_order(customer, vehicle, identity):
    # When
    orders, errors = race(
        6,
        lambda i: order_place_stock(
            customer=customer, vehicle_id=vehicle.pk, identity=identity, idempotency_key="same"
        ),
    )

    # Then
    assert errors == []
    assert len({order.pk for order in orders}) == 1
    assert Order.objects.count() == 1

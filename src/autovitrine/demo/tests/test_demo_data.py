"""``manage.py demo_data``: a coherent demo on a small size, idempotent, whose accounts sign in."""

from __future__ import annotations

import io
import shutil

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db.models import Q
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from autovitrine.accounts.models import User
from autovitrine.catalog.models import Brand, CarModel, Colour, Option, Pack, Version
from autovitrine.configurator.models import ProductData
from autovitrine.core.money import Price
from autovitrine.core.places import haversine_km, resolve_place
from autovitrine.core.vin import validate_vin
from autovitrine.dealers.models import Dealer, DealerStaff, OpeningPeriod
from autovitrine.demo import community, loader
from autovitrine.demo.pictures import STORAGE_DIR, picture_name, render_car
from autovitrine.demo.range import CATALOG
from autovitrine.demo.stock import check_digit, draw_vehicle
from autovitrine.inventory.models import StockVehicle, VehiclePhoto, VehicleStatusEvent
from autovitrine.leads.models import Lead, LeadEvent
from autovitrine.testing import factories as f

SMALL = ("--dealers", "5", "--vehicles", "30")
COUNTED = (
    Brand,
    CarModel,
    Version,
    Colour,
    Option,
    Pack,
    Dealer,
    OpeningPeriod,
    DealerStaff,
    User,
    StockVehicle,
    VehiclePhoto,
    VehicleStatusEvent,
    StockVehicle.options.through,
    Lead,
    LeadEvent,
)


@pytest.fixture(scope="session")
def drawn_pictures(tmp_path_factory):
    """The 18 pictures drawn once for the whole session (drawing them takes about a second)."""
    folder = tmp_path_factory.mktemp("demo-pictures")
    for model in CATALOG:
        for colour in model.colours:
            path = folder / picture_name(model.code, colour.code).removeprefix(f"{STORAGE_DIR}/")
            path.write_bytes(render_car(body=model.body, hex_value=colour.hex_value, caption=""))
    return folder


@pytest.fixture
def pictures_in_media(settings, drawn_pictures):
    shutil.copytree(drawn_pictures, settings.MEDIA_ROOT / STORAGE_DIR)


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo_data", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def test_a_small_demo_holds_the_range_the_network_stock_accounts_and_leads(db, pictures_in_media):
    # When
    output = run_demo(*SMALL)

    # Then
    counted = counts()
    assert counted.pop("StockVehicle_options") > 0  # some cars come with options
    assert counted == {
        "Brand": 1,
        "CarModel": 6,
        "Version": 18,
        "Colour": 18,
        "Option": 32,
        "Pack": 5,
        "Dealer": 5,
        "OpeningPeriod": 4 * 6 + 12,  # Lyon, Marseille and Paris open through lunch
        "DealerStaff": 2,
        "User": 4 + community.MEMBERS - 1,  # the demo buyer is one of the collaborators
        "StockVehicle": 30,
        "VehiclePhoto": 30,
        "VehicleStatusEvent": 30 + StockVehicle.objects.exclude(status="available").count(),
        "Lead": 11,
        "LeadEvent": 13,
    }
    assert set(CarModel.objects.values_list("versions__energy", flat=True)) == {
        "petrol",
        "diesel",
        "hybrid",
        "phev",
        "electric",
    }
    assert (
        "Ajouts : catalogue 80, données produit 6, concessions 5, comptes 4, véhicules 30, "
        "demandes 11" in output
    )
    # Every model of the range is configurable, not only the Terra.
    published = ProductData.objects.filter(status=ProductData.Status.PUBLISHED)
    assert sorted(published.values_list("car_model__code", flat=True)) == sorted(
        CarModel.objects.values_list("code", flat=True)
    )
    for account in loader.ACCOUNTS:
        assert f"│ {account.email}" in output and loader.DEMO_PASSWORD in output
    # Each dealer sells, so each has the legal identity its order forms print (L221-5 1°).
    assert not Dealer.objects.filter(
        Q(company_name="") | Q(legal_form="") | Q(rcs="") | Q(vat_number="")
    ).exists()


def test_a_second_run_adds_nothing(db, pictures_in_media):
    # Given
    run_demo(*SMALL)
    before = counts()

    # When
    output = run_demo(*SMALL)

    # Then
    assert counts() == before
    assert (
        "Ajouts : catalogue 0, données produit 0, concessions 0, comptes 0, véhicules 0, "
        "demandes 0, prix de référence 0" in output
    )


def test_a_larger_stock_keeps_the_vehicles_already_there(db, pictures_in_media):
    # Given
    run_demo(*SMALL)
    first_vins = set(StockVehicle.objects.values_list("vin", flat=True))

    # When
    output = run_demo("--dealers", "5", "--vehicles", "45")

    # Then
    assert "véhicules 15" in output
    assert first_vins < set(StockVehicle.objects.values_list("vin", flat=True))
    assert StockVehicle.objects.count() == 45


@pytest.mark.parametrize("account", loader.ACCOUNTS, ids=lambda account: account.email)
def test_each_demo_account_signs_in_with_the_printed_password(
    db, client, pictures_in_media, account
):
    # Given
    run_demo(*SMALL)

    # When
    signed_in = client.login(
        request=RequestFactory().post("/"), username=account.email, password=loader.DEMO_PASSWORD
    )

    # Then
    assert signed_in is True
    assert User.objects.get(email=account.email).kind == account.kind


def test_the_lyon_salesperson_works_at_a_lyon_dealer_and_head_office_uses_the_admin(
    db, client, pictures_in_media
):
    # Given
    run_demo(*SMALL)
    lyon = resolve_place("Lyon")

    # When
    seller = User.objects.get(email="vendeur.lyon@demo.autovitrine.fr")
    client.force_login(User.objects.get(email="siege@demo.autovitrine.fr"))
    admin_home = client.get(reverse("admin:index"))

    # Then
    dealer = seller.dealer_staff.dealer
    assert dealer.city == "Lyon"
    assert haversine_km(dealer.latitude, dealer.longitude, lyon.latitude, lyon.longitude) < 5
    assert dealer.vehicles.exists()
    assert admin_home.status_code == 200
    apps = {app["app_label"] for app in admin_home.context["app_list"]}
    assert {"configurator", "flashsales", "catalog"} <= apps


def test_dealers_stand_in_their_city_with_its_postcode_and_hours(db, pictures_in_media):
    # When
    run_demo("--dealers", "12", "--vehicles", "0")

    # Then
    for dealer in Dealer.objects.all():
        place = resolve_place(dealer.city)
        assert dealer.postcode in place.postcodes, dealer.name
        assert haversine_km(dealer.latitude, dealer.longitude, place.latitude, place.longitude) < 6
        assert dealer.opening_periods.filter(weekday=5).exists()  # open on Saturday
        assert not dealer.opening_periods.filter(weekday=6).exists()  # closed on Sunday
    assert {"Lyon", "Marseille", "Paris", "Toulouse", "Nice", "Nantes", "Strasbourg"} <= set(
        Dealer.objects.values_list("city", flat=True)
    )


def test_vins_are_valid_unique_and_the_same_on_every_run(db, pictures_in_media):
    # When
    run_demo(*SMALL)

    # Then
    vins = list(StockVehicle.objects.values_list("vin", flat=True))
    assert len(set(vins)) == 30
    for vin in vins:
        assert validate_vin(vin) == vin
        assert vin[8] == check_digit(vin[:8] + "0" + vin[9:])
    assert draw_vehicle(7, today=timezone.localdate()).vin in vins


def test_the_iso_check_digit_matches_a_published_example():
    # The classic example VIN 1M8GDM9AXKP042788 has "X" as its check digit.
    assert check_digit("1M8GDM9A0KP042788") == "X"


def test_prices_follow_the_catalogue_new_and_used(db, pictures_in_media):
    # When
    run_demo(*SMALL)

    # Then: a new car costs at most its catalogue price (version, colour, options), at most 8 %
    # less; a used car costs less than the same car new
    for vehicle in StockVehicle.objects.select_related("version", "colour").prefetch_related(
        "options"
    ):
        catalogue = Price.from_ht(
            vehicle.version.base_price_ht
            + vehicle.colour.price_ht
            + sum(option.price_ht for option in vehicle.options.all())
        ).ttc
        if vehicle.condition == StockVehicle.Condition.NEW:
            assert catalogue * 92 // 100 <= vehicle.price_ttc <= catalogue, vehicle.vin
            assert vehicle.mileage_km <= 50 and vehicle.first_registration is None
        else:
            assert vehicle.price_ttc < catalogue * 80 // 100, vehicle.vin
            assert vehicle.first_registration.year == vehicle.year
        assert vehicle.price_ttc % 10_000 == 9_000  # shown as « 24 890 € »


def test_vehicles_share_a_handful_of_small_pictures(db, settings):
    # When: pictures drawn by the command itself
    run_demo("--dealers", "2", "--vehicles", "40")

    # Then
    names = set(VehiclePhoto.objects.values_list("image", flat=True))
    stored = sorted((settings.MEDIA_ROOT / STORAGE_DIR).iterdir())
    assert names <= {f"{STORAGE_DIR}/{path.name}" for path in stored}
    assert len(stored) == 18
    for path in stored:
        with Image.open(path) as picture:
            assert (picture.format, picture.size) == ("JPEG", (800, 500))
        assert path.stat().st_size < 150_000
    assert default_storage.exists(CarModel.objects.get(code="aurore-lumo").hero_image.name)


def test_reset_replaces_the_demo_and_leaves_other_data_alone(db, pictures_in_media):
    # Given: the demo, and a dealer and a customer that are not part of it
    run_demo(*SMALL)
    other_brand = Brand.objects.create(code="autre", name="Autre marque")
    outsider = f.DealerFactory(brand=other_brand, code="hors-demo")
    customer = f.UserFactory(email="client@example.fr")

    # When
    output = run_demo("--reset", "--dealers", "3", "--vehicles", "10")

    # Then
    assert "lignes de démonstration effacées" in output
    assert Dealer.objects.filter(brand__code="aurore").count() == 3
    assert StockVehicle.objects.count() == 10
    assert Dealer.objects.filter(pk=outsider.pk).exists()
    assert User.objects.filter(pk=customer.pk).exists()
    assert (
        User.objects.filter(email__endswith="@demo.autovitrine.fr").count()
        == 4 + community.MEMBERS - 1
    )  # with the community


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--dealers", "1"),
            "--dealers doit être compris entre 2 et 42 "
            "(Lyon et Marseille accueillent les comptes de démonstration).",
        ),
        (("--vehicles", "-5"), "--vehicles doit être compris entre 0 et 900000."),
    ],
)
def test_impossible_sizes_are_refused_in_french(db, args, message):
    # When
    with pytest.raises(CommandError) as refusal:
        run_demo(*args)

    # Then
    assert str(refusal.value) == message
    assert not Dealer.objects.exists()


def test_reset_is_refused_whole_when_other_data_points_at_the_demo(db, pictures_in_media):
    # Given: another brand's dealer sells a used Aurore of the demo range
    run_demo(*SMALL)
    outsider = f.DealerFactory(brand=Brand.objects.create(code="autre", name="Autre"))
    f.StockVehicleFactory(dealer=outsider, version=Version.objects.first())
    before = counts()

    # When
    with pytest.raises(CommandError) as refusal:
        run_demo("--reset", *SMALL)

    # Then: nothing was deleted
    assert str(refusal.value) == (
        "Impossible d'effacer la démo : d'autres données (stock d'autres concessions, "
        "commandes, ventes flash…) y font référence. Rien n'a été effacé."
    )
    assert counts() == before


def test_every_model_of_the_catalogue_has_cars_on_sale_even_in_a_small_demo(
    db, client, pictures_in_media
):
    # Given
    run_demo(*SMALL)

    # When: each model's « voir en stock » link, as the model page writes it
    found = {
        spec.code: client.get(reverse("inventory:search"), {"model": spec.code})
        .context["results"]
        .total
        for spec in CATALOG
    }

    # Then
    assert set(found) == {spec.code for spec in CATALOG}
    assert all(total >= 1 for total in found.values()), found

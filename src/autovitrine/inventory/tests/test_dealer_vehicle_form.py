"""Adding and editing a stock vehicle: catalog data, French prices, photos, and bad input refused
with a French message and nothing written."""

from __future__ import annotations

import datetime as dt
import html
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from autovitrine.inventory.models import StockVehicle, VehiclePhoto, VehicleStatusEvent
from autovitrine.testing import factories as f

ADD_URL = reverse("inventory:dealer_vehicle_add")
VIN = "VF1RJA00X68123456"


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def edit_url(vehicle: StockVehicle) -> str:
    return reverse("inventory:dealer_vehicle_edit", kwargs={"vehicle_id": vehicle.pk})


@pytest.fixture
def staff_client(client_as):
    client, _ = client_as("dealer_staff")
    return client


@pytest.fixture
def version():
    return f.VersionFactory(
        car_model__name="Austral", trim="Techno", powertrain="E-Tech 200", co2_g_km=105
    )


@pytest.fixture
def colour(version):
    return f.ColourFactory(car_model=version.car_model, name="Rouge Flamme")


@pytest.fixture
def sunroof(version):
    return f.OptionFactory(car_model=version.car_model, name="Toit ouvrant", co2_delta_g_km=2)


def form_data(catalog_version, **overrides) -> dict:
    return {
        "condition": "new",
        "vin": VIN,
        "version": str(catalog_version.pk),
        "colour": "",
        "mileage_km": "12",
        "first_registration": "",
        "price": "23 490",
        "description": "",
        **overrides,
    }


def written_rows() -> tuple[int, int, int]:
    return (
        StockVehicle.objects.count(),
        VehiclePhoto.objects.count(),
        VehicleStatusEvent.objects.count(),
    )


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_a_new_car_is_added_with_its_catalog_data_options_and_photos(
    staff_client, dealer, dealer_staff, version, colour, sunroof
):
    # When
    response = staff_client.post(
        ADD_URL,
        form_data(
            version,
            vin="vf1rja00x68 123456",
            colour=str(colour.pk),
            options=[str(sunroof.pk)],
            price="23 490,50",
            photos=[f.png_upload("avant.png"), f.png_upload("arriere.png")],
        ),
    )

    # Then
    vehicle = StockVehicle.objects.get()
    assert response.status_code == 302
    assert response["Location"] == edit_url(vehicle)
    assert (vehicle.dealer, vehicle.vin, vehicle.condition) == (dealer, VIN, "new")
    assert (vehicle.make, vehicle.model_label, vehicle.version_label) == (
        "Aurore",
        "Austral",
        "Techno E-Tech 200",
    )
    assert (vehicle.colour, vehicle.colour_label) == (colour, "Rouge Flamme")
    assert list(vehicle.options.all()) == [sunroof]
    assert (vehicle.price_ttc, vehicle.mileage_km, vehicle.co2_g_km) == (2_349_050, 12, 107)
    assert vehicle.year == timezone.localdate().year
    photos = list(vehicle.photos.all())
    assert [(Path(p.image.name).stem.split("_")[0], p.position) for p in photos] == [
        ("avant", 0),
        ("arriere", 1),
    ]
    assert list(vehicle.status_events.values_list("to_status", "by")) == [
        ("available", dealer_staff.pk)
    ]


def test_a_used_car_takes_its_year_from_the_first_registration(staff_client, version):
    # When
    staff_client.post(
        ADD_URL,
        form_data(version, condition="used", mileage_km="45 300", first_registration="2021-03-15"),
    )

    # Then
    vehicle = StockVehicle.objects.get()
    assert (vehicle.condition, vehicle.mileage_km, vehicle.year) == ("used", 45_300, 2021)
    assert vehicle.first_registration == dt.date(2021, 3, 15)


def test_the_form_offers_only_the_colours_and_options_of_the_chosen_version(
    staff_client, version, colour, sunroof
):
    # Given a colour of another model
    elsewhere = f.ColourFactory(name="Vert Forêt")

    # When htmx asks for the version's extras
    response = staff_client.get(ADD_URL, {"version": version.pk}, HTTP_HX_REQUEST="true")

    # Then
    text = page_text(response)
    assert "Rouge Flamme" in text and "Toit ouvrant" in text
    assert elsewhere.name not in text
    assert f'hx-get="{ADD_URL}"' in text


def png_bytes_upload(name: str, size: int) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="PNG")
    content = buffer.getvalue()
    return SimpleUploadedFile(name, content + b"\0" * (size - len(content)), "image/png")


def gif_upload() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="GIF")
    return SimpleUploadedFile("anime.gif", buffer.getvalue(), "image/gif")


BAD_INPUTS = [
    ({"vin": "VF1ABC"}, "vin", "Le VIN doit comporter 17 caractères (6 saisis)."),
    ({"vin": "VF1RJA00O68123456"}, "vin", "Le VIN ne peut pas contenir les lettres I, O ou Q."),
    ({"vin": "VF1RJA00-68123456"}, "vin", "Le VIN ne contient que des lettres et des chiffres."),
    (
        {"price": "vingt mille"},
        "price",
        "Saisissez un prix en euros, par exemple 23 490 ou 23 490,50.",
    ),
    (
        {"price": "23 490,505"},
        "price",
        "Saisissez un prix en euros, par exemple 23 490 ou 23 490,50.",
    ),
    ({"price": "0"}, "price", "Le prix doit être supérieur à 0 €."),
    ({"mileage_km": "-5"}, "mileage_km", "Le kilométrage ne peut pas être négatif."),
    (
        {"mileage_km": "12 km"},
        "mileage_km",
        "Saisissez un kilométrage en chiffres, par exemple 12 500.",
    ),
    (
        {"mileage_km": "5000"},
        "mileage_km",
        "Un véhicule neuf ne dépasse pas 100 km : vérifiez le kilométrage ou choisissez « Occasion ».",
    ),
    (
        {"first_registration": (timezone.localdate() + dt.timedelta(days=1)).isoformat()},
        "first_registration",
        "La première immatriculation ne peut pas être dans le futur.",
    ),
    (
        {"condition": "used", "mileage_km": "80000"},
        "first_registration",
        "Indiquez la première immatriculation d'un véhicule d'occasion.",
    ),
    (
        {"version": ""},
        "version",
        "Choisissez la version du catalogue (un véhicule neuf en a toujours une).",
    ),
    (
        {"photos": [SimpleUploadedFile("notes.txt", b"pas une image", "text/plain")]},
        "photos",
        "notes.txt : Ce fichier n'est pas une image (JPEG, PNG ou WebP).",
    ),
    (
        {
            "photos": [
                f.png_upload("bonne.png"),
                png_bytes_upload("enorme.png", 5 * 1024 * 1024 + 1),
            ]
        },
        "photos",
        "enorme.png : La photo dépasse 5 Mo.",
    ),
    (
        {"photos": [gif_upload()]},
        "photos",
        "anime.gif : Format d'image non accepté : utilisez JPEG, PNG ou WebP.",
    ),
]


@pytest.mark.parametrize(
    ("overrides", "field", "message"), BAD_INPUTS, ids=[m for _o, _f, m in BAD_INPUTS]
)
def test_bad_input_gets_a_french_message_and_nothing_is_written(
    staff_client, version, overrides, field, message
):
    # Given
    before = written_rows()

    # When
    response = staff_client.post(ADD_URL, form_data(version, **overrides))

    # Then
    text = page_text(response)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message in text
    assert 'aria-invalid="true"' in text and f'id="id_{field}_error"' in text
    assert "Le véhicule n'a pas été enregistré : corrigez les champs signalés." in text
    assert written_rows() == before
    assert stored_files() == []


def test_a_colour_or_option_of_another_model_is_refused(staff_client, version):
    # Given
    foreign_colour = f.ColourFactory()
    foreign_option = f.OptionFactory()

    # When
    response = staff_client.post(
        ADD_URL,
        form_data(version, colour=str(foreign_colour.pk), options=[str(foreign_option.pk)]),
    )

    # Then
    errors = response.context["form"].errors
    assert errors["colour"] == [
        "Sélectionnez un choix valide. Ce choix ne fait pas partie de ceux disponibles."
    ]
    assert errors["options"] == [
        f"Sélectionnez un choix valide. {foreign_option.pk} n’en fait pas partie."
    ]
    assert StockVehicle.objects.count() == 0


def test_a_vin_already_in_stock_anywhere_is_refused(staff_client, version, other_dealer):
    # Given
    f.StockVehicleFactory(dealer=other_dealer, vin=VIN)
    before = written_rows()

    # When
    response = staff_client.post(ADD_URL, form_data(version))

    # Then
    assert response.context["form"].errors["vin"] == ["Un véhicule avec ce VIN est déjà en stock."]
    assert written_rows() == before


def test_editing_updates_the_fields_and_keeps_the_history(staff_client, dealer, version, sunroof):
    # Given
    vehicle = f.StockVehicleFactory(dealer=dealer, vin=VIN, version=version, price_ttc=2_490_000)
    vehicle.options.add(sunroof)

    # When
    response = staff_client.post(
        edit_url(vehicle), form_data(version, price="22 990", description="Première main")
    )

    # Then
    assert response.status_code == 302
    vehicle.refresh_from_db()
    assert (vehicle.price_ttc, vehicle.description) == (2_299_000, "Première main")
    assert list(vehicle.options.all()) == []
    assert StockVehicle.objects.count() == 1


def test_the_edit_form_shows_the_current_values(staff_client, dealer, version, sunroof):
    # Given
    vehicle = f.StockVehicleFactory(dealer=dealer, vin=VIN, version=version, price_ttc=2_349_050)
    vehicle.options.add(sunroof)

    # When
    form = staff_client.get(edit_url(vehicle)).context["form"]

    # Then
    assert form["price"].value() == "23\u202f490,50"
    assert form["vin"].value() == VIN
    assert form["options"].value() == [sunroof.pk]


def test_photos_are_reordered_removed_and_added_in_one_save(
    staff_client, dealer, version, django_capture_on_commit_callbacks
):
    # Given three photos
    vehicle = f.StockVehicleFactory(dealer=dealer, vin=VIN, version=version)
    first, second, third = (
        VehiclePhoto.objects.create(vehicle=vehicle, image=f.png_upload(f"{n}.png"), position=i)
        for i, n in enumerate(["un", "deux", "trois"])
    )
    removed_file = Path(second.image.path)

    # When the third moves first, the second goes, and a new one comes
    data = form_data(version)
    data.update(
        {
            f"photo_{first.pk}_position": "2",
            f"photo_{second.pk}_position": "2",
            f"photo_{second.pk}_delete": "on",
            f"photo_{third.pk}_position": "1",
            "photos": [f.png_upload("quatre.png")],
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(edit_url(vehicle), data)

    # Then
    assert response.status_code == 302
    photos = list(vehicle.photos.order_by("position"))
    assert [p.pk for p in photos[:2]] == [third.pk, first.pk]
    assert Path(photos[2].image.name).stem.startswith("quatre")
    assert [p.position for p in photos] == [0, 1, 2]
    assert not removed_file.exists()


def test_a_bad_photo_on_edit_keeps_the_vehicle_as_it_was(staff_client, dealer, version):
    # Given
    vehicle = f.StockVehicleFactory(dealer=dealer, vin=VIN, version=version, price_ttc=2_490_000)
    kept = VehiclePhoto.objects.create(vehicle=vehicle, image=f.png_upload(), position=0)

    # When
    data = form_data(version, price="19 990")
    data.update(
        {
            f"photo_{kept.pk}_position": "1",
            f"photo_{kept.pk}_delete": "on",
            "photos": [SimpleUploadedFile("cv.pdf", b"%PDF-1.4", "application/pdf")],
        }
    )
    response = staff_client.post(edit_url(vehicle), data)

    # Then
    assert response.context["form"].errors["photos"] == [
        "cv.pdf : Ce fichier n'est pas une image (JPEG, PNG ou WebP)."
    ]
    vehicle.refresh_from_db()
    assert vehicle.price_ttc == 2_490_000
    assert list(vehicle.photos.all()) == [kept]


def test_a_north_american_vin_with_a_wrong_check_digit_is_refused(staff_client, version):
    response = staff_client.post(ADD_URL, form_data(version, vin="1M8GDM9A1KP042788"))

    assert response.status_code == 200
    assert (
        response.context["form"]
        .errors["vin"][0]
        .startswith("Le caractère de contrôle du VIN (9e position) ne correspond pas")
    )
    assert not StockVehicle.objects.exists()


def test_a_european_vin_without_check_digit_is_saved_with_a_warning(staff_client, version):
    response = staff_client.post(ADD_URL, form_data(version, vin="VF1RJA00068123456"), follow=True)

    assert StockVehicle.objects.get().vin == "VF1RJA00068123456"
    shown = [str(m) for m in response.context["messages"]]
    assert any("c'est courant pour un véhicule européen" in m for m in shown)


def test_only_one_wheel_size_may_be_ticked(staff_client, version, sunroof):
    wheels = [
        f.OptionFactory(car_model=version.car_model, name=name, category="wheels")
        for name in ("Jantes 18 pouces", "Jantes 20 pouces")
    ]

    two = staff_client.post(
        ADD_URL, form_data(version, options=[wheels[0].pk, wheels[1].pk, sunroof.pk])
    )
    one = staff_client.post(ADD_URL, form_data(version, options=[wheels[1].pk, sunroof.pk]))

    assert two.context["form"].errors["options"] == [
        "Une seule option « Jantes » à la fois : Jantes 18 pouces, Jantes 20 pouces."
    ]
    assert one.status_code == 302
    assert {o.name for o in StockVehicle.objects.get().options.all()} == {
        "Jantes 20 pouces",
        "Toit ouvrant",
    }


def test_a_used_car_of_another_make_is_described_by_hand(staff_client, version):
    data = form_data(
        version,
        condition="used",
        version="",
        vin="WVWZZZ1KZAW000001",
        make="Volkswagen",
        model_label="Golf",
        version_label="1.4 TSI Confortline",
        energy="petrol",
        gearbox="manuelle",
        power_hp="122",
        mileage_km="98 000",
        first_registration="2010-05-12",
    )

    response = staff_client.post(ADD_URL, data)

    assert response.status_code == 302
    car = StockVehicle.objects.get()
    assert (car.make, car.model_label, car.version_label, car.version_id, car.year) == (
        "Volkswagen",
        "Golf",
        "1.4 TSI Confortline",
        None,
        2010,
    )


def test_a_car_without_catalogue_version_must_be_used_and_have_a_listed_make(staff_client, version):
    new_car = staff_client.post(ADD_URL, form_data(version, version=""))
    unknown_make = staff_client.post(
        ADD_URL,
        form_data(
            version,
            condition="used",
            version="",
            make="Trabant",
            model_label="601",
            energy="petrol",
            first_registration="1988-01-01",
        ),
    )

    assert new_car.context["form"].errors["version"] == [
        "Choisissez la version du catalogue (un véhicule neuf en a toujours une)."
    ]
    assert "make" in unknown_make.context["form"].errors
    assert not StockVehicle.objects.exists()


def test_a_trade_in_taken_back_opens_in_the_form_with_its_make(staff_client, dealer):
    car = f.StockVehicleFactory(
        dealer=dealer,
        condition="used",
        make="peugeot",
        model_label="308",
        version=None,
        car_model=None,
    )

    response = staff_client.get(reverse("inventory:dealer_vehicle_edit", args=[car.pk]))

    assert response.context["form"].initial["make"] == "Peugeot"

"""factory_boy factories shared by every app's tests."""

from __future__ import annotations

import datetime as dt
import io
import random
import string

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from autovitrine.accounts.models import User
from autovitrine.catalog.models import Brand, CarModel, Colour, Energy, Option, Version
from autovitrine.dealers.models import Dealer, DealerStaff, OpeningPeriod
from autovitrine.inventory.models import StockVehicle
from autovitrine.leads.models import Lead

VIN_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
PASSWORD = "motdepasse-demo-2026"


def random_vin(rng: random.Random | None = None) -> str:
    choice = rng.choice if rng is not None else random.choice
    return "VF1" + "".join(choice(VIN_ALPHABET) for _ in range(14))


def png_upload(name: str = "photo.png", size: tuple[int, int] = (64, 48)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 90, 200)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.fr")
    first_name = "Camille"
    last_name = "Martin"
    kind = User.Kind.CUSTOMER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805 — factory_boy hook signature
        if create:
            obj.save()


class BrandFactory(factory.django.DjangoModelFactory[Brand]):
    class Meta:
        model = Brand
        django_get_or_create = ("code",)

    code = "aurore"
    name = "Aurore"


class CarModelFactory(factory.django.DjangoModelFactory[CarModel]):
    class Meta:
        model = CarModel

    brand = factory.SubFactory(BrandFactory)
    code = factory.Sequence(lambda n: f"modele-{n}")
    name = factory.Sequence(lambda n: f"Modèle {n}")
    body = CarModel.Body.HATCH


class VersionFactory(factory.django.DjangoModelFactory[Version]):
    class Meta:
        model = Version

    car_model = factory.SubFactory(CarModelFactory)
    code = factory.Sequence(lambda n: f"version-{n}")
    trim = "Life"
    powertrain = "1.2 TCe 130"
    energy = Energy.PETROL
    power_hp = 130
    gearbox = Version.Gearbox.MANUAL
    base_price_ht = 2_075_000
    co2_g_km = 128
    consumption_x10 = 56
    crit_air = 1
    recycled_share_pct = 18


class ColourFactory(factory.django.DjangoModelFactory[Colour]):
    class Meta:
        model = Colour

    car_model = factory.SubFactory(CarModelFactory)
    code = factory.Sequence(lambda n: f"teinte-{n}")
    name = "Bleu Iron"
    hex_value = "#1f3a93"


class OptionFactory(factory.django.DjangoModelFactory[Option]):
    class Meta:
        model = Option

    car_model = factory.SubFactory(CarModelFactory)
    code = factory.Sequence(lambda n: f"option-{n}")
    name = "Toit ouvrant"
    category = Option.Category.COMFORT
    price_ht = 75_000


class DealerFactory(factory.django.DjangoModelFactory[Dealer]):
    class Meta:
        model = Dealer

    brand = factory.SubFactory(BrandFactory)
    code = factory.Sequence(lambda n: f"concession-{n}")
    name = factory.Sequence(lambda n: f"Aurore Lyon {n}")
    street = "12 avenue Jean Jaurès"
    postcode = "69007"
    city = "Lyon"
    latitude = 45.7485
    longitude = 4.8467
    phone = "04 72 00 00 00"
    email = factory.Sequence(lambda n: f"concession{n}@example.fr")
    # The seller identity an order form states (dealers without it may not sell online).
    company_name = factory.LazyAttribute(lambda dealer: f"{dealer.name} SAS")
    legal_form = "SAS"
    share_capital_eur = 50_000
    rcs = factory.Sequence(lambda n: f"RCS Lyon 000 000 {n % 1000:03d}")
    vat_number = factory.Sequence(lambda n: f"FR00000000{n % 1000:03d}")

    @factory.post_generation
    def hours(obj, create, extracted, **kwargs):  # noqa: N805
        if not create or extracted is False:
            return
        for weekday in range(6):
            OpeningPeriod.objects.create(
                dealer=obj, weekday=weekday, opens_at=dt.time(9), closes_at=dt.time(12, 30)
            )
            OpeningPeriod.objects.create(
                dealer=obj, weekday=weekday, opens_at=dt.time(14), closes_at=dt.time(19)
            )


class DealerStaffFactory(factory.django.DjangoModelFactory[DealerStaff]):
    class Meta:
        model = DealerStaff

    user = factory.SubFactory(UserFactory, kind=User.Kind.DEALER)
    dealer = factory.SubFactory(DealerFactory)
    role = DealerStaff.Role.SALES


class StockVehicleFactory(factory.django.DjangoModelFactory[StockVehicle]):
    class Meta:
        model = StockVehicle

    dealer = factory.SubFactory(DealerFactory)
    condition = StockVehicle.Condition.NEW
    vin = factory.LazyFunction(random_vin)
    version = factory.SubFactory(VersionFactory)
    car_model = factory.LazyAttribute(lambda o: o.version.car_model if o.version else None)
    make = "Aurore"
    model_label = factory.LazyAttribute(lambda o: o.car_model.name if o.car_model else "Clio")
    version_label = factory.LazyAttribute(lambda o: str(o.version) if o.version else "")
    energy = factory.LazyAttribute(lambda o: o.version.energy if o.version else Energy.PETROL)
    year = 2026
    mileage_km = 10
    price_ttc = 2_490_000
    co2_g_km = 128


class LeadFactory(factory.django.DjangoModelFactory[Lead]):
    class Meta:
        model = Lead

    dealer = factory.SubFactory(DealerFactory)
    kind = Lead.Kind.QUESTION
    name = "Jeanne Dupont"
    email = factory.Sequence(lambda n: f"prospect{n}@example.fr")
    message = "Est-il disponible samedi ?"


def random_code(n: int = 8) -> str:
    return "".join(random.choice(string.ascii_lowercase) for _ in range(n))

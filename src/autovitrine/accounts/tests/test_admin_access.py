"""The admin is the head office's: every list, add and edit page opens for it, and for nobody else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from autovitrine.accounts.models import User
from autovitrine.catalog.models import Pack
from autovitrine.catalog.services_malus import MALUS_DATA_DIR, malus_scale_load
from autovitrine.dealers.models import DealerStaff
from autovitrine.testing import factories as f

ADMIN_MODELS = [
    "accounts.user",
    "catalog.brand",
    "catalog.carmodel",
    "catalog.version",
    "catalog.colour",
    "catalog.option",
    "catalog.pack",
    "catalog.malusscale",
    "dealers.dealer",
    "inventory.stockvehicle",
    "leads.lead",
]
# Leads come from buyers only: the head office reads them, it does not type them in.
ADDABLE_MODELS = [name for name in ADMIN_MODELS if name != "leads.lead"]


def admin_url(model: str, page: str, *args) -> str:
    app_label, model_name = model.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{page}", args=args)


@pytest.fixture
def one_of_each(dealer, dealer_staff, customer):
    """A row of every model, linked together as in real use."""
    vehicle = f.StockVehicleFactory(dealer=dealer)
    car_model = vehicle.car_model
    option = f.OptionFactory(car_model=car_model)
    pack = Pack.objects.create(
        car_model=car_model, code="hiver", name="Pack Hiver", price_ht=50_000
    )
    pack.options.add(option)
    return {
        "accounts.user": dealer_staff,
        "catalog.brand": car_model.brand,
        "catalog.carmodel": car_model,
        "catalog.version": vehicle.version,
        "catalog.colour": f.ColourFactory(car_model=car_model),
        "catalog.option": option,
        "catalog.pack": pack,
        "catalog.malusscale": malus_scale_load(path=MALUS_DATA_DIR / "malus-2026.json"),
        "dealers.dealer": dealer,
        "inventory.stockvehicle": vehicle,
        "leads.lead": f.LeadFactory(dealer=dealer, vehicle=vehicle, customer=customer),
    }


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_head_office_opens_each_list_and_record(client_as, one_of_each, model):
    # Given
    client, _ = client_as("head_office")
    record = one_of_each[model]

    # When
    listing = client.get(admin_url(model, "changelist"))
    detail = client.get(admin_url(model, "change", record.pk))

    # Then
    assert (listing.status_code, detail.status_code) == (200, 200)
    assert str(record) in listing.content.decode()


@pytest.mark.parametrize("model", ADDABLE_MODELS)
def test_head_office_opens_each_add_page(db, client_as, model):
    # Given
    client, _ = client_as("head_office")

    # When
    response = client.get(admin_url(model, "add"))

    # Then
    assert response.status_code == 200


def test_the_admin_home_lists_every_section_for_head_office(db, client_as):
    # Given
    client, _ = client_as("head_office")

    # When
    response = client.get(reverse("admin:index"))

    # Then
    listed = {
        f"{app['app_label']}.{entry['object_name'].lower()}"
        for app in response.context["app_list"]
        for entry in app["models"]
    }
    assert set(ADMIN_MODELS) <= listed


@pytest.mark.parametrize("role", ["anonymous", "customer", "dealer_staff"])
@pytest.mark.parametrize("model", ["inventory.stockvehicle", "leads.lead", "accounts.user"])
def test_nobody_but_head_office_reaches_the_admin(db, client_as, role, model):
    # Given
    client, _ = client_as(role)
    url = admin_url(model, "changelist")

    # When
    response = client.get(url)

    # Then: sent to the admin sign-in page
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={url}"


def test_dealer_staff_flagged_staff_by_mistake_still_sees_nothing(client_as, dealer_staff):
    # Given
    dealer_staff.is_staff = True
    dealer_staff.save(update_fields=["is_staff"])
    client, _ = client_as("dealer_staff")

    # When
    home = client.get(reverse("admin:index"))
    listing = client.get(admin_url("inventory.stockvehicle", "changelist"))

    # Then
    assert home.status_code == 200 and home.context["app_list"] == []
    assert listing.status_code == 403


def add_user_form(**overrides) -> dict[str, str]:
    form = {
        "email": "  Nouveau.Vendeur@Example.fr ",
        "kind": User.Kind.DEALER,
        "first_name": "Lucas",
        "last_name": "Bernard",
        "usable_password": "true",
        "password1": f.PASSWORD,
        "password2": f.PASSWORD,
        "dealer_staff-TOTAL_FORMS": "1",
        "dealer_staff-INITIAL_FORMS": "0",
        "dealer_staff-MIN_NUM_FORMS": "0",
        "dealer_staff-MAX_NUM_FORMS": "1",
        "dealer_staff-0-dealer": "",
        "dealer_staff-0-role": DealerStaff.Role.SALES,
        "_save": "Enregistrer",
    }
    form.update(overrides)
    return form


def test_head_office_creates_a_salesperson_who_can_then_sign_in(client_as, dealer):
    # Given
    client, _ = client_as("head_office")

    # When
    response = client.post(
        admin_url("accounts.user", "add"), add_user_form(**{"dealer_staff-0-dealer": dealer.pk})
    )

    # Then
    assert response.status_code == 302
    user = User.objects.get(email="nouveau.vendeur@example.fr")
    assert (user.kind, user.dealer_staff.dealer, user.dealer_staff.role) == (
        User.Kind.DEALER,
        dealer,
        DealerStaff.Role.SALES,
    )
    client.logout()
    signed_in = client.post(
        reverse("accounts:login"), {"username": user.email, "password": f.PASSWORD}
    )
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_dealer_account_without_its_dealer_is_refused(db, client_as):
    # Given
    client, _ = client_as("head_office")

    # When
    response = client.post(admin_url("accounts.user", "add"), add_user_form())

    # Then
    assert response.status_code == 200
    assert "Rattachez ce membre du personnel à sa concession." in response.content.decode()
    assert not User.objects.filter(email="nouveau.vendeur@example.fr").exists()


def test_a_customer_account_cannot_be_attached_to_a_dealer(client_as, dealer):
    # Given
    client, _ = client_as("head_office")
    form = add_user_form(kind=User.Kind.CUSTOMER, **{"dealer_staff-0-dealer": dealer.pk})

    # When
    response = client.post(admin_url("accounts.user", "add"), form)

    # Then
    assert response.status_code == 200
    assert (
        "Seul un compte « Personnel concession » peut être rattaché à une concession."
        in response.content.decode()
    )
    assert not User.objects.filter(email="nouveau.vendeur@example.fr").exists()


def test_only_a_superuser_may_hand_out_superuser_rights(client_as, customer):
    # Given
    client, _ = client_as("head_office")

    # When
    form = client.get(admin_url("accounts.user", "change", customer.pk)).context["adminform"].form

    # Then
    assert "kind" in form.fields and "is_staff" in form.fields
    assert "is_superuser" not in form.fields and "user_permissions" not in form.fields

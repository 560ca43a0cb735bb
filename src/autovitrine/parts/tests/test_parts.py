"""Parts: search by reference or car, reservations that never take stock below zero."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from autovitrine.conftest import ROLES
from autovitrine.parts.models import Compatibility, Part, Reservation, Stock
from autovitrine.parts.selectors import search_parts
from autovitrine.parts.services import (
    OutOfStock,
    reservation_create,
    reservations_release_expired,
    stock_set,
)
from autovitrine.testing import factories as f
from autovitrine.testing.concurrency import race


@pytest.fixture
def car_model(db):
    return f.CarModelFactory()


@pytest.fixture
def pads(car_model):
    part = Part.objects.create(
        reference="PL-3001", name="Plaquettes avant", kind="plaquettes-av", price_ht=5000
    )
    Compatibility.objects.create(part=part, car_model=car_model, year_from=2018, year_to=2024)
    return part


@pytest.fixture
def mats(db):
    return Part.objects.create(
        reference="AC-TAPIS",
        name="Tapis de sol",
        kind="tapis",
        price_ht=6000,
        universal=True,
        is_accessory=True,
    )


def test_search_by_reference_prefix_and_by_car(pads, mats, car_model, dealer):
    stock_set(dealer_id=dealer.pk, part_id=pads.pk, quantity=4)
    assert [h.reference for h in search_parts(query="pl-30")] == ["PL-3001"]
    for_car = search_parts(car_model_id=car_model.pk, year=2020, dealer_id=dealer.pk)
    assert {h.reference: h.in_stock for h in for_car} == {"PL-3001": 4, "AC-TAPIS": 0}
    assert [h.reference for h in search_parts(car_model_id=car_model.pk, year=2026)] == ["AC-TAPIS"]
    other = f.CarModelFactory()
    assert [h.reference for h in search_parts(car_model_id=other.pk)] == ["AC-TAPIS"]


def test_a_reservation_takes_stock_and_is_released_after_48h(pads, dealer, customer):
    stock_set(dealer_id=dealer.pk, part_id=pads.pk, quantity=2)
    now = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    reservation = reservation_create(
        customer_id=customer.pk, dealer_id=dealer.pk, part=pads, quantity=2, now=now
    )
    assert Stock.objects.get(part=pads).quantity == 0
    with pytest.raises(OutOfStock):
        reservation_create(customer_id=customer.pk, dealer_id=dealer.pk, part=pads)
    assert reservations_release_expired(now=now + dt.timedelta(hours=47)) == 0
    assert reservations_release_expired(now=now + dt.timedelta(hours=49)) == 1
    reservation.refresh_from_db()
    assert reservation.status == "released" and Stock.objects.get(part=pads).quantity == 2


def test_bad_quantity_is_refused(pads, dealer, customer):
    stock_set(dealer_id=dealer.pk, part_id=pads.pk, quantity=50)
    for quantity in (0, 11):
        with pytest.raises(ValidationError):
            reservation_create(
                customer_id=customer.pk, dealer_id=dealer.pk, part=pads, quantity=quantity
            )


def test_the_database_refuses_negative_stock(pads, dealer):
    stock = stock_set(dealer_id=dealer.pk, part_id=pads.pk, quantity=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(pk=stock.pk).update(quantity=-1)


@pytest.mark.django_db(transaction=True)
def test_100_clients_reserving_the_last_3_units_get_exactly_3(pads, dealer):
    import threading

    stock_set(dealer_id=dealer.pk, part_id=pads.pk, quantity=3)
    buyers = [f.UserFactory().pk for _ in range(100)]
    pool = threading.BoundedSemaphore(20)  # 100 connections are shared by everyone here

    def reserve(i):
        with pool:
            try:
                return reservation_create(customer_id=buyers[i], dealer_id=dealer.pk, part=pads)
            except OutOfStock:
                return None
            finally:
                connection.close()

    results, errors = race(100 if connection.vendor == "postgresql" else 20, reserve)
    assert errors == []
    assert len([r for r in results if r]) == 3
    assert Reservation.objects.count() == 3 and Stock.objects.get(part=pads).quantity == 0


PART_PAGE = {
    "anonymous": 302,
    "customer": 302,
    "other_dealer_staff": 403,
    "dealer_staff": 403,
    "head_office": 403,
}
LABELS = {
    "anonymous": 302,
    "customer": 403,
    "other_dealer_staff": 200,
    "dealer_staff": 200,
    "head_office": 200,  # names no dealer here: the dealer chooser (see the counter test)
}


@pytest.mark.parametrize("role", ROLES)
def test_reserve_and_labels_by_role(client_as, pads, dealer, role):
    stock_set(dealer_id=dealer.pk, part_id=pads.pk, quantity=5)
    client, _ = client_as(role)
    url = reverse(
        "parts:at_dealer", kwargs={"dealer_code": dealer.code, "reference": pads.reference}
    )
    page = client.get(url)
    assert page.status_code == 200 and "<svg" in page.content.decode()
    assert client.post(url, {"quantite": "1"}).status_code == PART_PAGE[role]
    assert Stock.objects.get(part=pads).quantity == (4 if role == "customer" else 5)
    labels = client.get(reverse("parts:labels"))
    assert labels.status_code == LABELS[role]
    if labels.status_code == 200 and role != "head_office":
        assert labels.content.startswith(b"%PDF")


def test_search_page_and_api(client, pads, mats, dealer, car_model):
    assert "PL-3001" in client.get(reverse("parts:search"), {"q": "PL"}).content.decode()
    response = client.get("/api/parts/search", {"q": "PL", "dealer": dealer.pk})
    assert response.status_code == 200 and response.json()[0]["reference"] == "PL-3001"
    bad = client.get("/api/parts/search", {"year": "abc"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_input"


COUNTER = {
    "anonymous": 302,
    "customer": 403,
    "other_dealer_staff": 200,  # its own counter, without this dealer's reservation
    "dealer_staff": 200,
    "head_office": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_the_parts_counter_by_role(client_as, pads, dealer, customer, role):
    stock_set(dealer_id=dealer.pk, part_id=pads.pk, quantity=5)
    reservation = reservation_create(customer_id=customer.pk, dealer_id=dealer.pk, part=pads)
    client, _ = client_as(role)
    query = f"?concession={dealer.code}" if role == "head_office" else ""
    url = reverse("parts:counter") + query
    page = client.get(url)
    assert page.status_code == COUNTER[role]
    if page.status_code == 200:
        assert (reservation.number in page.content.decode()) == (role != "other_dealer_staff")
        labels = client.get(reverse("parts:labels") + query)
        assert labels.status_code == 200 and labels.content.startswith(b"%PDF")
    if role == "other_dealer_staff":
        assert (
            client.post(url, {"numero": reservation.number, "action": "cancel"}).status_code == 404
        )
        assert Stock.objects.get(part=pads).quantity == 4


def test_head_office_without_a_dealer_picks_one_from_a_list(client_as, dealer):
    client, _ = client_as("head_office")
    for name in ("parts:counter", "parts:labels"):
        page = client.get(reverse(name))
        assert page.status_code == 200
        assert f'href="?concession={dealer.code}"' in page.content.decode()
    # The link opens that dealer's counter; a code naming no dealer is still a 404
    counter = client.get(reverse("parts:counter"), {"concession": dealer.code})
    assert counter.status_code == 200 and dealer.name in counter.content.decode()
    assert client.get(reverse("parts:counter"), {"concession": "nope"}).status_code == 404


def test_the_search_page_offers_a_dealer_chooser(client_as, pads, dealer, car_model):
    stock_set(dealer_id=dealer.pk, part_id=pads.pk, quantity=3)
    client, _ = client_as("head_office")
    page = client.get(reverse("parts:search"), {"modele": car_model.pk, "annee": 2020})
    html = page.content.decode()
    assert f'<option value="{dealer.code}"' in html and 'id="choose-dealer-hint"' in html
    assert "en stock" not in html
    chosen = client.get(
        reverse("parts:search"), {"modele": car_model.pk, "annee": 2020, "concession": dealer.code}
    ).content.decode()
    assert "3 en stock" in chosen
    assert reverse("parts:at_dealer", args=[dealer.code, "PL-3001"]) in chosen
    # A dealer's staff find their own dealer chosen
    staff, _ = client_as("dealer_staff")
    own = staff.get(reverse("parts:search"), {"q": "PL"}).content.decode()
    assert f'<option value="{dealer.code}" selected>' in own


def test_the_counter_hands_over_or_cancels_a_reservation(client_as, pads, dealer, customer):
    stock_set(dealer_id=dealer.pk, part_id=pads.pk, quantity=5)
    handed = reservation_create(customer_id=customer.pk, dealer_id=dealer.pk, part=pads)
    dropped = reservation_create(
        customer_id=customer.pk, dealer_id=dealer.pk, part=pads, quantity=2
    )
    client, _ = client_as("dealer_staff")
    url = reverse("parts:counter")
    assert client.post(url, {"numero": handed.number, "action": "collect"}).status_code == 302
    assert client.post(url, {"numero": dropped.number, "action": "cancel"}).status_code == 302
    handed.refresh_from_db()
    dropped.refresh_from_db()
    assert (handed.status, dropped.status) == ("collected", "released")
    assert Stock.objects.get(part=pads).quantity == 4  # 5 − 1 handed over
    # A second click changes nothing and says so
    again = client.post(url, {"numero": dropped.number, "action": "cancel"}, follow=True)
    assert "plus en cours" in again.content.decode()
    assert Stock.objects.get(part=pads).quantity == 4
    assert handed.number not in client.get(url).content.decode()


def test_a_part_to_fit_at_a_workshop_job_is_left_to_the_job(client_as, pads, dealer, customer):
    stock_set(dealer_id=dealer.pk, part_id=pads.pk, quantity=5)
    held = reservation_create(
        customer_id=customer.pk, dealer_id=dealer.pk, part=pads, booking_number="AT0123456789"
    )
    client, _ = client_as("dealer_staff")
    url = reverse("parts:counter")
    assert "AT0123456789" in client.get(url).content.decode()
    client.post(url, {"numero": held.number, "action": "cancel"})
    held.refresh_from_db()
    assert held.status == "held" and Stock.objects.get(part=pads).quantity == 4


def test_a_part_page_shows_its_picture(client, pads, dealer):
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "grey").save(buffer, format="PNG")
    pads.picture.save("pl-3001.png", ContentFile(buffer.getvalue()))
    url = reverse(
        "parts:at_dealer", kwargs={"dealer_code": dealer.code, "reference": pads.reference}
    )
    assert f'src="{pads.picture.url}" alt="Plaquettes avant"' in client.get(url).content.decode()

"""Head office sees the workshop and parts in the admin; bookings and reservations read-only."""

import pytest
from django.urls import reverse

PAGES = [
    "workshop_operation",
    "workshop_booking",
    "workshop_technician",
    "workshop_bay",
    "workshop_loancar",
    "workshop_workshopsettings",
    "workshop_serviceschedule",
    "workshop_closure",
    "parts_part",
    "parts_reservation",
]


@pytest.mark.parametrize("page", PAGES)
def test_head_office_opens_the_lists(client_as, booking_for_admin, page):
    client, _ = client_as("head_office")
    assert client.get(reverse(f"admin:{page}_changelist")).status_code == 200


def test_a_booking_cannot_be_changed_in_the_admin(client_as, booking_for_admin):
    client, _ = client_as("head_office")
    url = reverse("admin:workshop_booking_change", args=[booking_for_admin.pk])
    response = client.get(url)
    assert response.status_code == 200 and 'name="_save"' not in response.content.decode()
    assert client.get(reverse("admin:workshop_booking_add")).status_code == 403


@pytest.fixture
def booking_for_admin(car, customer, dealer, workshop, ops):
    from autovitrine.workshop.services import booking_hold

    from .conftest import next_weekday

    return booking_hold(
        customer_id=customer.pk,
        dealer_id=dealer.pk,
        car=car,
        operation_ids=[ops["pre-ct"].pk],
        starts_at=next_weekday(9),
    )

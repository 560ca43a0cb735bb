"""The dealer sets its own workshop rate, promotion and options; the next fixed price uses them."""

import pytest
from django.urls import reverse

from autovitrine.conftest import ROLES
from autovitrine.dealers.models import DealerStaff
from autovitrine.workshop.models import WorkshopSettings

TERMS_PAGE = {
    "anonymous": 302,
    "customer": 403,
    "other_dealer_staff": 403,  # sales staff do not set prices
    "dealer_staff": 403,
    "head_office": 200,
}
FORM = {
    "hourly_rate_eur": "100",
    "labour_discount_pct": "10",
    "offers_wait": "on",
    "wait_max_minutes": "60",
    "offers_loan_car": "",
    "offers_pickup": "on",
    "pickup_price_eur": "25,00",
    "cancel_deadline_hours": "12",
    "slot_step_minutes": "15",
}


@pytest.mark.parametrize("role", ROLES)
def test_the_terms_page_by_role(client_as, dealer, workshop, role):
    client, _ = client_as(role)
    query = f"?concession={dealer.code}" if role == "head_office" else ""
    assert client.get(reverse("workshop:terms") + query).status_code == TERMS_PAGE[role]


def test_the_after_sales_manager_sets_the_rate_and_the_owner_sees_the_new_price(
    client, client_as, dealer_staff, car, dealer, workshop, ops
):
    DealerStaff.objects.filter(pk=dealer_staff.dealer_staff.pk).update(role="aftersales")
    client.force_login(dealer_staff, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("workshop:terms"), FORM)
    assert response.status_code == 302
    terms = WorkshopSettings.objects.get(dealer=dealer)
    assert (terms.hourly_rate_ht, terms.labour_discount_pct, terms.pickup_price_ht) == (
        10000,
        10,
        2500,
    )
    assert (terms.offers_loan_car, terms.cancel_deadline_hours, terms.slot_step_minutes) == (
        False,
        12,
        15,
    )
    owner, _ = client_as("customer")
    page = owner.get(
        reverse("workshop:book", kwargs={"car_id": car.pk}),
        {"op": ops["revision-60000"].pk, "concession": dealer.pk},
    )
    labour = page.context["found"].quote.lines[0]
    assert labour.amount_ht == 22500  # 150 min × 100 € × 90 %
    assert "loan_car" not in [value for value, _label in page.context["options"]]


def test_bad_terms_are_said_in_french_and_change_nothing(client, dealer_staff, dealer, workshop):
    DealerStaff.objects.filter(pk=dealer_staff.dealer_staff.pk).update(role="manager")
    client.force_login(dealer_staff, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("workshop:terms"), FORM | {"hourly_rate_eur": "-5"})
    assert response.status_code == 422
    assert "supérieure ou égale à 20" in response.content.decode()
    assert WorkshopSettings.objects.get(dealer=dealer).hourly_rate_ht == 9000

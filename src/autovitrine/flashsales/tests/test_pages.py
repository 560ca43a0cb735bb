"""The flash-sale pages over HTTP: buyer journey, JSON endpoints, who may see what."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from autovitrine.conftest import ROLES
from autovitrine.flashsales.models import FlashSale, Purchase, QueueEntry, SaleUnit
from autovitrine.flashsales.tokens import PASS_COOKIE, proof_of_work_solve
from autovitrine.inventory.models import StockVehicle
from autovitrine.testing import factories as f
from autovitrine.testing.text import must_find

from .factories import claim, join, status


def _page_attr(html: str, name: str) -> str:
    return must_find(rf'{name}="([^"]*)"', html).group(1)


def _join_over_http(client, kit) -> dict:
    page = client.get(reverse("flashsales:teaser", kwargs={"slug": kit.sale.slug})).content.decode()
    challenge = _page_attr(page, "data-challenge")
    response = client.post(
        reverse("flashsales:join", kwargs={"slug": kit.sale.slug}),
        {
            "challenge": challenge,
            "nonce": proof_of_work_solve(challenge, kit.sale.pow_difficulty_bits),
        },
        headers={"Idempotency-Key": _page_attr(page, "data-join-key")},
    )
    assert response.status_code == 200, response.content
    return response.json()


def _status_over_http(client, kit) -> dict:
    return client.get(reverse("flashsales:status", kwargs={"slug": kit.sale.slug})).json()


def test_the_teaser_shows_the_sale_and_invites_visitors_to_sign_in(client, sale_kit):
    kit = sale_kit(units=3, hold_seconds=600)

    response = client.get(reverse("flashsales:teaser", kwargs={"slug": kit.sale.slug}))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Terra série limitée" in html
    assert "19\u202f900\u00a0€" in html
    assert "3 voitures, pas une de plus." in html
    assert "10 minutes pour payer" in html
    assert "Se connecter pour rejoindre la file" in html
    assert "data-countdown-to=" in html


def test_a_draft_sale_is_not_shown(client, sale_kit):
    kit = sale_kit(units=1)
    FlashSale.objects.filter(pk=kit.sale.pk).update(status=FlashSale.Status.DRAFT)

    response = client.get(reverse("flashsales:teaser", kwargs={"slug": kit.sale.slug}))

    assert response.status_code == 404


def test_joining_needs_a_signed_in_account(client, sale_kit):
    kit = sale_kit(units=1)

    response = client.post(reverse("flashsales:join", kwargs={"slug": kit.sale.slug}))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "login_required"


def test_joining_is_protected_against_cross_site_requests(sale_kit, customer):
    kit = sale_kit(units=1)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(customer)

    response = browser.post(reverse("flashsales:join", kwargs={"slug": kit.sale.slug}))

    assert response.status_code == 403
    assert not QueueEntry.objects.exists()


def test_apps_get_a_challenge_for_their_account_and_join_with_it(client, client_as, sale_kit):
    kit = sale_kit(units=1, pow_difficulty_bits=4)
    url = reverse("flashsales:challenge", kwargs={"slug": kit.sale.slug})
    assert client.get(url).status_code == 401
    signed_in, buyer = client_as("customer")

    issued = signed_in.get(url).json()
    response = signed_in.post(
        reverse("flashsales:join", kwargs={"slug": kit.sale.slug}),
        {"challenge": issued["challenge"], "nonce": proof_of_work_solve(issued["challenge"], 4)},
    )

    assert issued["difficulty"] == 4
    assert response.json()["place"] == "pre"
    assert QueueEntry.objects.get().customer == buyer


def test_a_bad_proof_of_work_gets_a_structured_french_error(client_as, sale_kit):
    kit = sale_kit(units=1, pow_difficulty_bits=20)
    client, _ = client_as("customer")

    response = client.post(
        reverse("flashsales:join", kwargs={"slug": kit.sale.slug}),
        {"challenge": "forged", "nonce": "1"},
    )

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "pow_invalid",
        "message": "La vérification anti-robot a échoué. Rechargez la page et réessayez.",
        "details": [],
    }


def test_a_buyer_joins_waits_claims_pays_and_gets_the_order(client_as, sale_kit):
    # Given a published sale of one car, and a signed-in customer on its page
    kit = sale_kit(units=1)
    client, buyer = client_as("customer")

    # When they join before the opening, they are in the pre-queue
    joined = _join_over_http(client, kit)
    assert (joined["place"], joined["pre_length"], joined["poll_ms"]) == ("pre", 1, 600_000)
    queue_pass = client.cookies[PASS_COOKIE]
    assert (queue_pass["httponly"], queue_pass["path"], queue_pass["samesite"]) == (
        True,
        "/ventes-flash/",
        "Strict",
    )

    # When the sale opens, their page learns they are admitted and claims with the token
    kit.open()
    admitted = _status_over_http(client, kit)
    assert admitted["place"] == "admitted"
    response = client.post(
        reverse("flashsales:claim", kwargs={"slug": kit.sale.slug}),
        {"token": admitted["admission"]["token"], "idempotency_key": "claim-1"},
    )
    hold_url = response.url
    hold_page = client.get(hold_url).content.decode()
    vehicle = kit.vehicles[0]
    assert "Votre voiture est réservée" in hold_page
    assert vehicle.vin in hold_page
    assert "Payer l'acompte de 500\u00a0€" in hold_page

    # When they pay the deposit on the provider's page
    response = client.post(hold_url + "payer/", {"idempotency_key": "pay-1"})
    assert response.url.startswith("/paiement/simulateur/")  # the payments app's provider
    response = client.post(response.url, {"outcome": "pay"})

    # Then the order is confirmed and the car is sold to them
    order_page = client.get(response.url).content.decode()
    assert "Commande confirmée" in order_page
    assert Purchase.objects.get().customer == buyer
    assert SaleUnit.objects.get().status == SaleUnit.Status.SOLD
    assert StockVehicle.objects.get(pk=vehicle.pk).status == StockVehicle.Status.SOLD


def test_a_refused_payment_sends_the_buyer_back_with_a_clear_message(client_as, sale_kit):
    kit = sale_kit(units=1)
    client, _ = client_as("customer")
    _join_over_http(client, kit)
    kit.open()
    token = _status_over_http(client, kit)["admission"]["token"]
    hold_url = client.post(
        reverse("flashsales:claim", kwargs={"slug": kit.sale.slug}), {"token": token}
    ).url
    payment_url = client.post(hold_url + "payer/").url

    response = client.post(payment_url, {"outcome": "fail"}, follow=True)

    html = response.content.decode()
    assert "Paiement refusé" in html
    assert "Le paiement a été refusé : la voiture est remise en vente." in html
    assert SaleUnit.objects.get().status == SaleUnit.Status.AVAILABLE


def test_a_claim_without_a_valid_token_goes_back_to_the_sale_page(client_as, sale_kit):
    kit = sale_kit(units=1)
    kit.open()
    client, _ = client_as("customer")

    response = client.post(
        reverse("flashsales:claim", kwargs={"slug": kit.sale.slug}), {"token": "x"}, follow=True
    )

    assert "Votre accès à la réservation n&#x27;est pas valable" in response.content.decode()
    assert not SaleUnit.objects.filter(status=SaleUnit.Status.HELD).exists()


def test_someone_elses_hold_and_order_are_not_found(client_as, sale_kit, buyers):
    kit = sale_kit(units=1)
    [owner] = buyers(1)
    join(kit, owner)
    kit.open()
    held = claim(kit, owner, status(kit, owner)["admission"]["token"])
    client, _ = client_as("customer")

    assert client.get(reverse("flashsales:hold", kwargs={"ref": held.hold_ref})).status_code == 404
    assert client.post(reverse("flashsales:pay", kwargs={"ref": held.hold_ref})).status_code == 404


def test_the_status_endpoint_reads_no_database_in_the_common_case(
    client_as, sale_kit, django_assert_num_queries
):
    kit = sale_kit(units=2)
    client, _ = client_as("customer")
    _join_over_http(client, kit)
    kit.open()
    _status_over_http(client, kit)  # first read of the sale per process

    with django_assert_num_queries(0):
        page = _status_over_http(client, kit)

    assert page["place"] == "admitted"


def test_visitors_see_the_units_left_without_a_place(client, sale_kit):
    kit = sale_kit(units=2)
    kit.open()

    page = _status_over_http(client, kit)

    assert (page["place"], page["units"]["left"], page["sold_out"]) == ("none", 2, False)


# --- Who may watch the sale -----------------------------------------------------------------

EXPECTED_DASHBOARD = {
    "anonymous": 302,
    "customer": 403,
    "other_dealer_staff": 404,
    "dealer_staff": 200,
    "head_office": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_the_live_dashboard_is_for_head_office_and_dealers_with_units(role, client_as, sale_kit):
    kit = sale_kit(units=1)
    client, _ = client_as(role)

    page = client.get(reverse("flashsales:dashboard", kwargs={"slug": kit.sale.slug}))
    data = client.get(reverse("flashsales:dashboard_data", kwargs={"slug": kit.sale.slug}))

    assert page.status_code == data.status_code == EXPECTED_DASHBOARD[role]
    if role == "anonymous":
        assert page.url.startswith("/compte/connexion/")


def test_a_dealer_sees_the_sale_figures_and_only_its_own_units(client_as, sale_kit, other_dealer):
    kit = sale_kit(units=2)
    foreign = f.StockVehicleFactory(dealer=other_dealer)
    SaleUnit.objects.create(sale=kit.sale, stock_vehicle=foreign, dealer=other_dealer)
    client, _ = client_as("dealer_staff")

    data = client.get(reverse("flashsales:dashboard_data", kwargs={"slug": kit.sale.slug})).json()

    assert data["units"] == {"available": 3, "held": 0, "sold": 0, "total": 3}
    assert sorted(u["vin"] for u in data["own_units"]) == sorted(v.vin for v in kit.vehicles)
    assert len(data["sales_per_minute"]) == 30


EXPECTED_OFFICE = {
    "anonymous": 302,
    "customer": 403,
    "other_dealer_staff": 403,
    "dealer_staff": 403,
    "head_office": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_head_office_pages_are_for_head_office_only(role, client_as, sale_kit):
    kit = sale_kit(units=1)
    client, _ = client_as(role)

    for url in (
        reverse("flashsales:office_sales"),
        reverse("flashsales:office_sale_create"),
        reverse("flashsales:office_sale", kwargs={"slug": kit.sale.slug}),
        reverse("flashsales:office_queue", kwargs={"slug": kit.sale.slug}),
    ):
        assert client.get(url).status_code == EXPECTED_OFFICE[role], url


def test_head_office_creates_publishes_and_opens_a_sale_from_vins(client_as, dealer):
    client, _ = client_as("head_office")
    cars = [f.StockVehicleFactory(dealer=dealer) for _ in range(2)]

    response = client.post(
        reverse("flashsales:office_sale_create"),
        {
            "brand": dealer.brand_id,
            "title": "Terra 97",
            "slug": "terra-97",
            "price": "19 900",
            "deposit": "500",
            "opens_at": "2030-06-01T07:00",
            "hold_minutes": "10",
            "limit_per_customer": "1",
            "pow_difficulty_bits": "16",
            "vins": "\n".join(c.vin.lower() for c in cars),
        },
    )
    sale = FlashSale.objects.get(slug="terra-97")
    assert response.url == reverse("flashsales:office_sale", kwargs={"slug": "terra-97"})
    assert (sale.price_ttc, sale.deposit_ttc, sale.hold_seconds) == (1_990_000, 50_000, 600)
    assert sale.units.count() == 2
    assert set(StockVehicle.objects.values_list("status", flat=True)) == {"flash_sale"}

    client.post(response.url, {"action": "publish"})
    client.post(response.url, {"action": "open"})

    sale.refresh_from_db()
    assert sale.status == FlashSale.Status.OPEN and sale.opened_at is not None


def test_a_sale_with_an_unknown_vin_is_not_created(client_as, dealer):
    client, _ = client_as("head_office")

    response = client.post(
        reverse("flashsales:office_sale_create"),
        {
            "brand": dealer.brand_id,
            "title": "Terra",
            "slug": "terra",
            "price": "19 900",
            "deposit": "500",
            "opens_at": "2030-06-01T07:00",
            "hold_minutes": "10",
            "limit_per_customer": "1",
            "pow_difficulty_bits": "16",
            "vins": "VF1AAAAAAAAAAAAAA",
        },
    )

    assert response.status_code == 200
    assert "VIN absents du stock : VF1AAAAAAAAAAAAAA" in response.content.decode()
    assert not FlashSale.objects.exists()


def test_staff_see_accounts_sharing_an_address_and_remove_one(client_as, sale_kit, buyers):
    kit = sale_kit(units=1)
    farm = buyers(3)
    for account in farm:
        join(kit, account, ip="203.0.113.66")
    [honest] = buyers(1)
    join(kit, honest, ip="198.51.100.1")
    client, _ = client_as("head_office")
    url = reverse("flashsales:office_queue", kwargs={"slug": kit.sale.slug})

    html = client.get(url).content.decode()
    entry = QueueEntry.objects.get(customer=farm[0])
    client.post(url, {"entry": entry.pk, "reason": "ferme de comptes"})

    assert html.count('class="suspicious"') == 3
    assert "3 comptes" in html
    entry.refresh_from_db()
    assert (entry.status, entry.removed_reason) == ("removed", "ferme de comptes")

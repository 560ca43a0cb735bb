"""On a phone, from the home page with links and buttons only: the dealer sees the paid order on
its dashboard, confirms it, answers a test-drive lead with another slot; head office finds the
order and its payment in the admin. axe-core checks every page of the way."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from autovitrine.accounts.models import User
from autovitrine.accounts.services import user_profile_update
from autovitrine.leads.models import Lead, LeadEvent
from autovitrine.orders.models import Order
from autovitrine.payments.models import Payment
from autovitrine.testing import factories as f
from autovitrine.testing.browser import emails_to, open_account_menu, open_the_car_from_home

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR).parent.parent / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[str]:
    before = len(page.csp_violations)
    page.evaluate(AXE.read_text())  # devtools evaluation: not an inline script under the CSP
    found = page.evaluate("async () => (await axe.run(document)).violations")
    # The audit's own style checks are refused by the CSP and reported with no page URL: they
    # are axe-core's, not the site's; anything else stays recorded.
    page.csp_violations[before:] = [
        v for v in page.csp_violations[before:] if not v.startswith(": Applying inline style")
    ]
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in found]


def sign_in_from_home(page, email: str) -> None:
    page.goto("/")
    page.get_by_role("link", name="Se connecter").click()
    form = page.locator("#login-form")
    form.locator("[name=username]").fill(email)
    form.locator("[name=password]").fill(f.PASSWORD)
    form.locator("[type=submit]").click()
    page.wait_for_load_state()


@pytest.fixture
def business():
    dealer = f.DealerFactory(code="aurore-lyon", name="Aurore Lyon Confluence")
    staff = f.DealerStaffFactory(dealer=dealer, user__email="vendeur@example.fr").user
    buyer = f.UserFactory(email="lea@example.fr")
    payment = Payment.objects.create(
        provider="simulated",
        idempotency_key="order-AV-JOURNEY1-deposit",
        purpose="order_deposit",
        reference="AV-JOURNEY1",
        amount_cents=150_000,
        status=Payment.Status.SUCCEEDED,
    )
    order = Order.objects.create(
        number="AV-JOURNEY1",
        kind=Order.Kind.STOCK,
        status=Order.Status.DEPOSIT_PAID,
        customer=buyer,
        dealer=dealer,
        stock_vehicle=f.StockVehicleFactory(dealer=dealer, status="reserved"),
        deposit_payment=payment,
        vehicle_label="Aurore Terra 1.2 130",
        first_name="Léa",
        last_name="Fontaine",
        email=buyer.email,
        phone="0612345678",
        street="3 rue de la République",
        postcode="69002",
        city="Lyon",
        price_ht=2_075_000,
        vat_cents=415_000,
        price_ttc=2_490_000,
        total_ttc=2_490_000,
        deposit_cents=150_000,
        contract_at=timezone.now(),
        idempotency_key="journey-1",
    )
    asked = timezone.now() + dt.timedelta(days=1)
    lead = f.LeadFactory(
        dealer=dealer, name="Paul Martin", kind=Lead.Kind.TEST_DRIVE, preferred_slot=asked
    )
    head_office = f.UserFactory(email="siege@example.fr", kind=User.Kind.HEAD_OFFICE, is_staff=True)
    return order, lead, staff, head_office


@pytest.fixture
def shop(business):
    """The buyer of the whole chain, with a profile, and a car of the dealer's stock."""
    _, _, staff, _ = business
    buyer = f.UserFactory(email="hugo@example.fr", first_name="Hugo", last_name="Bernard")
    user_profile_update(
        user=buyer,
        first_name="Hugo",
        last_name="Bernard",
        phone="06 98 76 54 32",
        street="12 quai Perrache",
        postcode="69002",
        city="Lyon",
    )
    car = f.StockVehicleFactory(dealer=staff.dealer_staff.dealer, price_ttc=2_290_000)
    return buyer, car


def test_from_the_buyer_s_online_order_to_the_dealer_s_confirmation(
    new_phone, granian_server, business, shop
):
    """The whole chain as people live it, links and buttons only from the home page: a buyer
    orders online and pays the deposit through the provider; the dealer is told by e-mail, sees
    the order waiting on its dashboard and in its list, confirms it; the buyer reads it."""
    _, _, staff, _ = business
    buyer, car = shop
    problems: dict[str, list[str]] = {}

    # The buyer finds the car from the home page, buys it online and pays the deposit.
    phone = new_phone()
    sign_in_from_home(phone, buyer.email)
    open_the_car_from_home(phone, car)
    phone.get_by_role("link", name="Acheter en ligne").click()
    checkout = phone.locator("#checkout-form")
    checkout.locator("[name=accept]").check()
    checkout.locator("[type=submit]").click()
    phone.wait_for_url("**/commandes/AV-*/")
    number = phone.url.rstrip("/").rsplit("/", 1)[-1]
    phone.locator("#pay-deposit").click()
    phone.wait_for_url("**/paiement/simulateur/**")
    phone.locator("#sim-pay").click()
    phone.locator("#withdraw").wait_for()

    # The dealer's staff is told by e-mail, with the link to the order in its space.
    [told] = [
        m for m in emails_to(granian_server.mail, staff.email) if number in (m["Subject"] or "")
    ]
    assert " ".join(told["Subject"].split()) == f"Acompte payé : commande {number} à confirmer"
    link = re.search(r"(http://\S+/commandes/concession/\S+/)", told.get_content()).group(1)

    # The dealer signs in: the dashboard shows the order waiting, the list counts it.
    desk = new_phone()
    sign_in_from_home(desk, staff.email)
    desk.get_by_role("link", name="Ma concession").click()
    desk.wait_for_selector("#day-tiles")
    problems["dashboard"] = axe_violations(desk)
    assert desk.locator("#tile-orders-to-confirm .count").inner_text() == "2"
    desk.locator("#tile-orders-to-confirm a").click()
    desk.wait_for_selector("#dealer-orders")
    problems["list"] = axe_violations(desk)
    assert desk.locator("#filter-deposit_paid").inner_text() == "À confirmer (2)"
    assert desk.locator("#filter-deposit_paid").get_attribute("aria-current") == "page"
    desk.get_by_role("link", name=number).click()
    desk.wait_for_selector("#confirm-order")
    assert desk.url == link  # the e-mail's link leads to this very page
    problems["order"] = axe_violations(desk)
    desk.locator("#confirm-order").click()
    desk.wait_for_load_state()
    assert Order.objects.get(number=number).status == Order.Status.CONFIRMED

    # The list now has one order to confirm and one delivery to prepare.
    desk.get_by_role("link", name="Ma concession").click()
    desk.locator("#tile-deliveries a").click()
    desk.wait_for_selector("#dealer-orders")
    assert desk.locator("#filter-a-livrer").inner_text() == "À livrer (1)"
    assert desk.locator("#filter-deposit_paid").inner_text() == "À confirmer (1)"

    # The buyer reads the confirmation in « Mes commandes ».
    open_account_menu(phone, "Mes commandes")
    card = phone.locator("#order-list li", has_text=number)
    assert "Confirmée par la concession" in card.inner_text()
    assert problems == {"dashboard": [], "list": [], "order": []}


def test_the_dealer_answers_a_lead_with_a_new_slot(new_phone, business):
    _, lead, staff, _ = business
    desk = new_phone()
    sign_in_from_home(desk, staff.email)
    problems: dict[str, list[str]] = {}

    # Back on the dashboard, the test-drive lead: another slot is proposed.
    desk.get_by_role("link", name="Ma concession").click()
    desk.locator("#tile-new-leads a").click()
    desk.get_by_role("link", name="Paul Martin").first.click()
    desk.wait_for_selector("#lead-slot-form")
    problems["lead"] = axe_violations(desk)
    new_slot = timezone.localtime(timezone.now() + dt.timedelta(days=3)).replace(
        hour=15, minute=0, second=0, microsecond=0
    )
    slot_form = desk.locator("#lead-slot-form")
    slot_form.locator("[name=slot-slot]").fill(new_slot.strftime("%Y-%m-%dT%H:%M"))
    slot_form.locator("[name=slot-text]").fill("Le matin est complet, l'après-midi vous va ?")
    # Every action of the lead page is a button a thumb can hit (44 px, WCAG 2.5.5).
    for action in ("Proposer ce créneau", "Clore", "Envoyer la réponse"):
        assert desk.get_by_role("button", name=action).bounding_box()["height"] >= 44
    slot_form.locator("[type=submit]").click()
    desk.wait_for_load_state()

    proposal = LeadEvent.objects.get(lead=lead, kind=LeadEvent.Kind.SLOT_PROPOSED)
    assert proposal.slot == new_slot
    assert "Créneau proposé" in desk.locator(".lead-events").inner_text()
    assert problems == {"lead": []}


def test_head_office_finds_the_order_and_its_payment_in_the_admin(new_phone, business):
    order, _, _, head_office = business
    page = new_phone()
    sign_in_from_home(page, head_office.email)
    problems: dict[str, list[str]] = {}

    page.get_by_role("link", name="Siège").click()
    page.wait_for_selector("#office-pages")
    problems["admin home"] = axe_violations(page)
    page.locator("#office-pages").get_by_role("link", name="Commandes").click()
    page.get_by_role("link", name=order.number).click()
    page.wait_for_selector("text=Paiement de l'acompte")
    problems["order"] = axe_violations(page)
    page.get_by_role("link", name="1\u202f500\u00a0€ — Payé").click()
    page.wait_for_load_state()
    problems["payment"] = axe_violations(page)

    assert page.url.endswith(f"/admin/payments/payment/{order.deposit_payment_id}/change/")
    assert "AV-JOURNEY1" in page.content()
    assert problems == {"admin home": [], "order": [], "payment": []}


def test_the_dealer_s_lists_fit_a_phone_without_sideways_scrolling(new_phone, business):
    _, _, staff, _ = business
    desk = new_phone()
    sign_in_from_home(desk, staff.email)
    widths: dict[str, int] = {}

    desk.get_by_role("link", name="Ma concession").click()
    desk.get_by_role("link", name="Voir le stock").click()
    desk.wait_for_selector("table")
    widths["stock"] = desk.evaluate("document.documentElement.scrollWidth")
    desk.get_by_role("link", name="Tableau de bord").click()
    desk.locator("#tile-orders-to-confirm a").click()
    desk.wait_for_selector("#dealer-orders")
    widths["orders"] = desk.evaluate("document.documentElement.scrollWidth")

    # Wide tables scroll inside their frame; the page itself stays the phone's width.
    assert widths == {"stock": 390, "orders": 390}

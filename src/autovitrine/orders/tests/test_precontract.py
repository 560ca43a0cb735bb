"""Pre-contractual information on the checkout pages and on the order form (Code de la
consommation L221-5 and L111-1: the seller's identity, the total price and its parts, the
delivery date or deadline (L216-1: 30 days when none is agreed), the withdrawal rule, the legal
guarantees (L217-3 and following, C. civ. 1641), the consumer mediator (L616-1))."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from autovitrine.dealers.selectors import dealer_can_deliver, delivering_dealer_choices
from autovitrine.flashsales import services as flash
from autovitrine.orders.documents import order_form_pdf
from autovitrine.orders.models import Order
from autovitrine.pricing.quotes import l216_1_delivery_by, planned_factory_delivery
from autovitrine.testing import factories as f


def _pdf_text(order: Order) -> str:
    reader = PdfReader(io.BytesIO(order_form_pdf(order)))
    return "\n".join(page.extract_text() for page in reader.pages)


def _with_identity(dealer):
    dealer.company_name = "Garage du Rhône SAS"
    dealer.legal_form = "SAS"
    dealer.share_capital_eur = 50_000
    dealer.rcs = "RCS Lyon 123 456 789"
    dealer.vat_number = "FR12123456789"
    dealer.save()
    return dealer


def test_l221_5_the_order_form_names_the_seller_with_its_legal_identity(paid_order, dealer):
    _with_identity(dealer)
    paid_order.refresh_from_db()

    text = _pdf_text(paid_order)

    assert "Garage du Rhône SAS, SAS, au capital de 50 000 €" in text
    assert "RCS Lyon 123 456 789" in text
    assert "TVA FR12123456789" in text


def test_l216_1_a_stock_order_is_delivered_within_30_days_of_the_contract(paid_order):
    # The contract's date is the buyer's (Paris), also just after midnight there.
    concluded = timezone.localtime(paid_order.created_at).date()
    assert paid_order.delivery_by == concluded + dt.timedelta(days=30)
    assert "art. L216-1" in _pdf_text(paid_order)


def test_l216_1_a_factory_order_states_its_planned_week():
    planned = planned_factory_delivery(dt.date(2026, 3, 4))
    assert planned == dt.date(2026, 5, 29)  # the Friday of the 12th week ahead
    assert planned.weekday() == 4
    assert l216_1_delivery_by(dt.date(2026, 3, 4)) == dt.date(2026, 4, 3)


def test_l217_3_l616_1_guarantees_and_mediator_are_on_the_order_form(paid_order, settings):
    text = _pdf_text(paid_order)

    assert "L217-3" in text
    assert "1641" in text
    assert settings.CONSUMER_MEDIATOR["name"] in text
    assert "L616-1" in text


def test_l616_1_no_placeholder_is_printed_for_an_unknown_mediator_address(paid_order, settings):
    """L616-1: the seller gives « les coordonnées » of its mediator: the website when the postal
    address is not known, never a « to fill in » placeholder."""
    settings.CONSUMER_MEDIATOR = {
        "name": "Médiateur de Mobilians",
        "address": "",
        "url": "https://www.mediateur-mobilians.fr",
    }
    text = " ".join(_pdf_text(paid_order).split())

    assert "Médiateur de Mobilians, https://www.mediateur-mobilians.fr." in text
    assert "renseigner" not in text


def test_l616_1_the_selling_dealers_own_mediator_wins_over_the_brands(paid_order, dealer):
    """L616-1: « les coordonnées du ou des médiateurs compétents dont il relève »: the seller is
    the dealer, so its mediator is the one named."""
    dealer.mediator_name = "Médiation Auto Rhône"
    dealer.mediator_address = "2 rue de la Paix, 69002 Lyon"
    dealer.mediator_url = "https://mediation.example.fr"
    dealer.save()
    paid_order.refresh_from_db()

    text = " ".join(_pdf_text(paid_order).split())

    assert (
        "Médiation Auto Rhône, 2 rue de la Paix, 69002 Lyon, https://mediation.example.fr" in text
    )
    assert "Médiateur de Mobilians" not in text


def test_l221_5_the_checkout_page_shows_the_information_before_ordering(
    client, customer, vehicle, dealer
):
    _with_identity(dealer)
    client.force_login(customer)

    page = client.get(
        reverse("orders:checkout_stock", kwargs={"vehicle_id": vehicle.pk})
    ).content.decode()

    assert 'id="precontract"' in page
    assert "Garage du Rhône SAS" in page
    assert "art. L216-1" in page
    assert "jusqu&#x27;à 14 jours après la prise de possession" in page
    assert "L217-3" in page
    assert "L616-1" in page


def test_totals_add_up_base_line_each_line_the_total(paid_order):
    """A line named in a total is shown as a line: the rows add up to the total, to the cent."""
    text = _pdf_text(paid_order)
    lines = [line for line in paid_order.quote]

    assert sum(line["ttc"] for line in lines) == paid_order.total_ttc
    assert [line["code"] for line in lines] == ["vehicle", "malus", "registration"]
    assert "Total TTC du contrat" in text


def test_registration_taxes_not_collected_by_the_seller_stay_outside_the_total(
    settings, place, malus_scale
):
    settings.ORDER_REGISTRATION_COLLECTED_BY_SELLER = False

    order = place()

    assert order.registration_collected is False
    assert order.total_ttc == order.price_ttc
    assert "hors contrat, à payer à l'immatriculation" in _pdf_text(order)


def _without_identity(dealer):
    dealer.company_name = dealer.legal_form = dealer.rcs = dealer.vat_number = ""
    dealer.save()
    return dealer


def test_l221_5_a_dealer_without_its_seller_identity_does_not_sell_online(vehicle, dealer):
    """L221-5 1° and L111-1 4°: before the contract the buyer is given the seller's identity; a
    dealer whose company name, legal form, RCS or VAT number is missing is not offered."""
    assert dealer_can_deliver(dealer_id=dealer.pk, new_car=True)
    _without_identity(dealer)

    assert not dealer_can_deliver(dealer_id=dealer.pk, new_car=True)
    assert not dealer_can_deliver(dealer_id=dealer.pk, new_car=False)
    offered = delivering_dealer_choices(postcode="69007", new_car=True, include_dealer_id=dealer.pk)
    assert dealer.pk not in {choice.dealer.pk for choice in offered}


def test_l221_5_a_flash_sale_of_cars_from_a_dealer_without_identity_is_refused(dealer, head_office):
    _without_identity(dealer)
    vehicle = f.StockVehicleFactory.create(dealer=dealer)
    data = flash.SaleData(
        brand_id=dealer.brand_id,
        title="Terra série limitée",
        slug="terra-serie-limitee",
        price_ttc=1_990_000,
        deposit_ttc=50_000,
        opens_at=timezone.now() + dt.timedelta(hours=1),
    )

    with pytest.raises(ValidationError) as refused:
        flash.sale_create(data=data, vins=[vehicle.vin], by=head_office)

    assert refused.value.code == "dealer_identity_missing"
    assert vehicle.vin in refused.value.messages[0]

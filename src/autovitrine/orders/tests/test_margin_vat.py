"""Used cars under the margin scheme (CGI art. 297 A): a used car bought from a private person is
resold with VAT due on the margin only; the invoice shows no VAT separately and carries the
mention « TVA sur la marge – art. 297 A du CGI »; a car bought with VAT is sold under normal VAT."""

from __future__ import annotations

import io

from pypdf import PdfReader

from autovitrine.orders.documents import order_form_pdf
from autovitrine.orders.services import order_place_stock
from autovitrine.pricing.quotes import COMMISSION_RATE_BP
from autovitrine.testing import factories as f

from .conftest import pay


def _used(dealer, **changes):
    values = dict(
        dealer=dealer,
        condition="used",
        price_ttc=1_500_000,
        co2_g_km=128,
        power_hp=130,
        version__power_hp=130,
        mileage_km=42_000,
        year=2021,
    )
    values.update(changes)
    return f.StockVehicleFactory(**values)


def _pdf_text(order) -> str:
    reader = PdfReader(io.BytesIO(order_form_pdf(order)))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_art_297_a_a_margin_scheme_order_shows_no_vat_and_the_mention(
    dealer, customer, identity, malus_scale
):
    vehicle = _used(dealer, vat_scheme="margin", purchase_price_cents=1_200_000)

    order = pay(
        order_place_stock(
            customer=customer, vehicle_id=vehicle.pk, identity=identity, idempotency_key="m-1"
        )
    )

    car_line = order.quote[0]
    assert (car_line["ht"], car_line["vat"], car_line["ttc"]) == (None, None, 1_500_000)
    assert order.vat_scheme == "margin"
    assert order.purchase_price_cents == 1_200_000
    text = _pdf_text(order)
    assert "TVA sur la marge – art. 297 A du CGI" in text


def test_art_297_a_the_dealer_commission_is_on_the_margin_ht(
    dealer, customer, identity, malus_scale
):
    vehicle = _used(dealer, vat_scheme="margin", purchase_price_cents=1_200_000)

    order = order_place_stock(
        customer=customer, vehicle_id=vehicle.pk, identity=identity, idempotency_key="m-2"
    )

    # Margin TTC 3 000 € → margin HT 2 500 € (VAT 500 € due on the margin); 3 % of 2 500 €.
    assert order.commission_cents == 250_000 * COMMISSION_RATE_BP // 10_000 == 7_500


def test_a_used_car_bought_with_vat_is_sold_under_normal_vat(
    dealer, customer, identity, malus_scale
):
    vehicle = _used(dealer, vat_scheme="normal")

    order = order_place_stock(
        customer=customer, vehicle_id=vehicle.pk, identity=identity, idempotency_key="m-3"
    )

    car_line = order.quote[0]
    assert (car_line["ht"], car_line["vat"], car_line["ttc"]) == (1_250_000, 250_000, 1_500_000)
    assert order.commission_cents == 37_500
    assert "art. 297 A" not in _pdf_text(order)

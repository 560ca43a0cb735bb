"""Order documents: the order form with its legal mentions, the deposit receipt."""

from __future__ import annotations

import pytest

from autovitrine.orders.documents import deposit_receipt_pdf, order_form_pdf


def test_the_order_form_is_a_pdf_with_the_order_and_the_legal_mentions(paid_order):
    # When
    pdf = order_form_pdf(paid_order)

    # Then (pages are not compressed: the text can be read in the bytes)
    assert pdf.startswith(b"%PDF-")
    assert paid_order.number.encode() in pdf
    assert paid_order.vehicle["vin"].encode() in pdf
    for fragment in (
        b"Bon de commande n",
        b"Camille Martin",
        b"20 750,00",  # price HT
        b"4 150,00",  # VAT
        b"25 754,76",  # total TTC
        b"24 254,76",  # balance
        b"L214-1",  # deposit, not earnest money
        b"L221-18",  # 14-day withdrawal right
        b"L312-44",  # credit condition
        b"formulaire de r",
    ):
        assert fragment in pdf, fragment


def test_the_deposit_receipt_shows_the_amount_and_the_payment(paid_order):
    # When
    pdf = deposit_receipt_pdf(paid_order)

    # Then
    assert pdf.startswith(b"%PDF-")
    assert paid_order.number.encode() in pdf
    assert b"1 500,00" in pdf
    assert paid_order.deposit_payment.provider_id.encode() in pdf


@pytest.mark.parametrize("render", [order_form_pdf, deposit_receipt_pdf])
def test_documents_are_stable_for_the_same_order(paid_order, render):
    assert render(paid_order) == render(paid_order)

"""Totals that add up (issue #14), read where the buyer reads them: the order page and the order
form PDF. Each itemised line (the car, the malus, the carte grise estimate…) is shown, and the
lines sum to the total shown, to the cent; deductions lead to the balance shown."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from django.urls import reverse
from pypdf import PdfReader

from autovitrine.orders.documents import order_form_pdf

AMOUNT = r"(\d{1,3}(?:[\s\u202f\u00a0]\d{3})*,\d{2})"


def cents(text: str) -> int:
    return int(Decimal(re.sub(r"[\s\u202f\u00a0€]", "", text).replace(",", ".")) * 100)


def test_the_order_page_lines_sum_to_its_total_and_balance(client, customer, paid_order):
    client.force_login(customer)
    html = client.get(reverse("orders:detail", kwargs={"number": paid_order.number})).content
    table = re.search(r'<table class="totals" id="order-totals">.*?</table>', html.decode(), re.S)
    assert table is not None
    rows = re.findall(r'<tr data-code="([a-z_]+)">(.*?)</tr>', table.group(0), re.S)
    lines = {
        code: cents(re.findall(r'<td class="amount">([^<]+)</td>', row)[-1]) for code, row in rows
    }
    total = cents(re.search(r'id="total-ttc">([^<]+)<', table.group(0)).group(1))
    minus = [cents(m) for m in re.findall(r'<td class="amount"[^>]*>−([^<]+)</td>', table.group(0))]
    balance = cents(re.search(r'id="balance">([^<]+)<', table.group(0)).group(1))

    assert {"vehicle", "registration"} <= set(lines)  # the car and the carte grise as lines
    assert sum(lines.values()) == total == paid_order.total_ttc
    assert total - sum(minus) == balance


def test_the_order_form_pdf_lines_sum_to_its_total(paid_order):
    text = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(order_form_pdf(paid_order))).pages
    )
    rows = [row.strip() for row in text.split("Le prix", 1)[1].splitlines() if row.strip()]
    start = rows.index("TTC") + 1
    end = rows.index("Total TTC du contrat")
    items: list[tuple[str, list[int]]] = []
    for row in rows[start:end]:
        if re.fullmatch(AMOUNT + r"\s*€", row):
            items[-1][1].append(cents(row))
        else:
            items.append((row, []))
    total = cents(rows[end + 1])
    after = rows[end + 2 : rows.index("Solde à la livraison")]
    deductions = [
        cents(row.lstrip("-−")) for row in after if re.fullmatch("[-−]" + AMOUNT + r"\s*€", row)
    ]
    balance = cents(rows[rows.index("Solde à la livraison") + 1])

    labels = [label for label, _amounts in items]
    assert any(label.startswith("Carte grise") for label in labels)  # named, so shown as a line
    assert any(label.startswith("Malus") for label in labels)
    assert all(amounts for _label, amounts in items)
    # HT + VAT = TTC where a line has them; then the TTC column sums to the total.
    for label, amounts in items:
        if len(amounts) == 3:
            assert amounts[0] + amounts[1] == amounts[2], label
    assert sum(amounts[-1] for _label, amounts in items) == total == paid_order.total_ttc
    assert total - sum(deductions) == balance

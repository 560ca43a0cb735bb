"""Part labels: a QR code per part at a dealer (opens its page with "Réserver"), A4 sheets."""

from __future__ import annotations

import io
from collections.abc import Sequence

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from autovitrine.core.money import Price, format_eur

from .models import Part

# 3 columns × 8 rows of 70 × 37 mm labels: the common A4 label sheet (24 per page).
COLUMNS, ROWS = 3, 8
LABEL_W, LABEL_H = 70 * mm, 37 * mm


def part_qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=4, title="QR")


def label_sheet_pdf(parts: Sequence[Part], url_of: dict[int, str]) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    _, height = A4
    for index, part in enumerate(parts):
        if index and index % (COLUMNS * ROWS) == 0:
            pdf.showPage()
        slot = index % (COLUMNS * ROWS)
        x = (slot % COLUMNS) * LABEL_W
        y = height - (slot // COLUMNS + 1) * LABEL_H
        qr = segno.make(url_of[part.pk], error="m")
        matrix = list(qr.matrix)
        size = 28 * mm
        cell = size / len(matrix)
        for r, row in enumerate(matrix):
            for c, dark in enumerate(row):
                if dark:
                    pdf.rect(
                        x + 3 * mm + c * cell,
                        y + 4 * mm + size - (r + 1) * cell,
                        cell,
                        cell,
                        stroke=0,
                        fill=1,
                    )
        pdf.setFont("Helvetica-Bold", 9)
        pdf.drawString(x + 34 * mm, y + 27 * mm, part.reference)
        pdf.setFont("Helvetica", 7)
        pdf.drawString(x + 34 * mm, y + 22 * mm, part.name[:30])
        pdf.setFont("Helvetica-Bold", 10)
        pdf.drawString(
            x + 34 * mm,
            y + 14 * mm,
            format_eur(Price.from_ht(part.price_ht).ttc, with_cents=True) + " TTC",
        )
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()

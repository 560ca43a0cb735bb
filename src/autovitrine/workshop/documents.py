"""Workshop documents: the booking's calendar invitation (.ics) and the invoice PDF."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from autovitrine.core.money import format_eur, vat_of_line

from .models import Booking


def booking_ics(booking: Booking) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//AutoVitrine//Atelier//FR")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event()
    event.add("uid", f"{booking.number}@autovitrine.fr")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", booking.starts_at)
    event.add("dtend", booking.starts_at + dt.timedelta(minutes=30))
    event.add(
        "summary",
        _("Dépôt du véhicule à l'atelier — %(dealer)s") % {"dealer": booking.dealer.name},
    )
    event.add("location", f"{booking.dealer.name}, {booking.dealer.street}, {booking.dealer.city}")
    event.add("description", _("Rendez-vous n° %(n)s") % {"n": booking.number})
    calendar.add_component(event)
    return calendar.to_ical()


def invoice_pdf(booking: Booking) -> bytes:
    """The invoice at collection: one line per operation, part and accepted extra work, VAT
    rounded per line (``core.money``), totals that add up to the cent."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(_("Facture atelier %(n)s") % {"n": booking.number})
    width, height = A4
    y = height - 25 * mm
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawString(20 * mm, y, _("Facture atelier n° %(n)s") % {"n": booking.number})
    y -= 8 * mm
    pdf.setFont("Helvetica", 10)
    dealer = booking.dealer
    for text in (
        dealer.company_name or dealer.name,
        f"{dealer.street}, {dealer.postcode} {dealer.city}",
        _("TVA : %(v)s") % {"v": dealer.vat_number} if dealer.vat_number else "",
        _("Véhicule : %(car)s")
        % {"car": booking.car.label if booking.car else booking.walk_in_label},
        _("Date : %(d)s") % {"d": timezone.localtime(booking.starts_at).strftime("%d/%m/%Y")},
    ):
        if text:
            pdf.drawString(20 * mm, y, text)
            y -= 5 * mm
    y -= 5 * mm
    pdf.setFont("Helvetica-Bold", 10)
    pdf.drawString(20 * mm, y, _("Désignation"))
    pdf.drawRightString(150 * mm, y, _("HT"))
    pdf.drawRightString(190 * mm, y, _("TVA"))
    pdf.setFont("Helvetica", 10)
    for line in booking.lines.order_by("is_extra", "pk"):
        y -= 6 * mm
        pdf.drawString(20 * mm, y, line.label[:80])
        pdf.drawRightString(150 * mm, y, format_eur(line.amount_ht, with_cents=True))
        pdf.drawRightString(190 * mm, y, format_eur(vat_of_line(line.amount_ht), with_cents=True))
    y -= 10 * mm
    pdf.setFont("Helvetica-Bold", 11)
    for label, amount in (
        (_("Total HT"), booking.total_ht),
        (_("TVA 20 %"), booking.total_vat),
        (_("Total TTC"), booking.total_ttc),
    ):
        pdf.drawString(120 * mm, y, label)
        pdf.drawRightString(190 * mm, y, format_eur(amount, with_cents=True))
        y -= 6 * mm
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()

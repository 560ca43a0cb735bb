"""Background work for the workshop: confirmation with its .ics, the 48 h reminder, and the
scheduled sweeps (expired holds, reminders) run by ``web.periodic``."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_tasks import task

from autovitrine.core.mail import MessageBuilder, email_message, send_or_report
from autovitrine.core.money import format_eur, vat_of_line


def _public_url(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def _mail(booking_id: int, *, reminder: bool) -> None:
    from .documents import booking_ics
    from .models import Booking
    from .selectors import booking_token

    booking = (
        Booking.objects.select_related("dealer", "customer", "car").filter(pk=booking_id).first()
    )
    if booking is None or booking.customer is None:
        return
    when = date_format(timezone.localtime(booking.starts_at), "l j F Y à H:i")
    manage = _public_url(reverse("workshop:manage", kwargs={"token": booking_token(booking)}))
    subject = (
        _("Rappel : votre rendez-vous atelier %(when)s")
        if reminder
        else _("Rendez-vous atelier confirmé : %(when)s")
    ) % {"when": when}
    body = _(
        "Bonjour,\n\nVotre rendez-vous n° %(number)s chez %(dealer)s (%(street)s, %(city)s) "
        "est prévu le %(when)s.\nPrix forfaitaire : %(total)s TTC.\n\n"
        "Annuler ou déplacer le rendez-vous (sans vous connecter) : %(manage)s\n\nAutoVitrine"
    ) % {
        "number": booking.number,
        "dealer": booking.dealer.name,
        "street": booking.dealer.street,
        "city": booking.dealer.city,
        "when": when,
        "total": f"{booking.total_ttc / 100:.2f} €".replace(".", ","),
        "manage": manage,
    }
    to = booking.customer.email
    _send_or_record(
        booking.pk,
        what=_("Rappel au client") if reminder else _("Confirmation au client"),
        to=to,
        build=lambda: email_message(
            subject=subject,
            body=body,
            to=[to],
            attachments=[
                (f"rendez-vous-{booking.number}.ics", booking_ics(booking), "text/calendar")
            ],
        ),
    )


def _send_or_record(booking_id: int, *, what: str, to: str, build: MessageBuilder) -> None:
    """Send one e-mail about the booking; on failure, write it on the booking instead."""
    from .services import booking_record_email_failure

    send_or_report(
        build,
        recipient=to,
        report=lambda recipient, error: booking_record_email_failure(
            booking_id=booking_id, recipient=recipient, what=what, error=error
        ),
        about=f"booking {booking_id}: {what}",
    )


@task()
def booking_send_confirmation(booking_id: int) -> None:
    _mail(booking_id, reminder=False)


@task()
def booking_send_reminder(booking_id: int) -> None:
    _mail(booking_id, reminder=True)


@task()
def quote_send_to_owner(quote_id: int) -> None:
    """Tell the owner that extra work awaits their answer, with the link to accept or refuse."""
    from .models import ExtraWorkQuote

    quote = (
        ExtraWorkQuote.objects.select_related("booking__dealer", "booking__customer")
        .filter(pk=quote_id)
        .first()
    )
    if quote is None:
        return
    booking = quote.booking
    customer = booking.customer
    if customer is None:
        return
    page = _public_url(reverse("workshop:booking", kwargs={"number": booking.number}))
    amount_ttc = quote.amount_ht + vat_of_line(quote.amount_ht)
    build = lambda: email_message(  # noqa: E731 — built inside the failure guard
        subject=_("Travaux supplémentaires proposés : votre accord est demandé (%(number)s)")
        % {"number": booking.number},
        body=_(
            "Bonjour,\n\n%(dealer)s propose des travaux supplémentaires sur votre véhicule "
            "(rendez-vous n° %(number)s) :\n%(description)s — %(amount)s TTC.\n\n"
            "Rien ne sera fait sans votre accord. Acceptez ou refusez en ligne : %(page)s\n\n"
            "AutoVitrine"
        )
        % {
            "dealer": booking.dealer.name,
            "number": booking.number,
            "description": quote.description,
            "amount": format_eur(amount_ttc, with_cents=True),
            "page": page,
        },
        to=[customer.email],
    )
    _send_or_record(
        booking.pk, what=_("Devis de travaux au client"), to=customer.email, build=build
    )

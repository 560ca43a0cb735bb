"""Background work for leads: the dealer's notification e-mail and the customer's e-mails.

An e-mail that cannot be sent (no address, SMTP refused, a broken header) is written on the
lead's history (``LeadEvent.Kind.EMAIL_FAILED``) and flagged in the dealer's list: the request is
never lost in a failed task (issue 10)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks import task

from autovitrine.core.mail import email_message, send_or_report


@task()
def lead_notify_dealer(lead_id: int) -> None:
    from .models import Lead

    lead = Lead.objects.select_related("dealer", "vehicle").filter(pk=lead_id).first()
    if lead is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "lead": lead,
            "backoffice_url": settings.PUBLIC_BASE_URL.rstrip("/") + reverse("leads:dealer_list"),
        }
        _send(
            lead_id=lead.pk,
            what=gettext("Avis de nouvelle demande à la concession"),
            subject=render_to_string("leads/email_new_lead_subject.txt", context).strip(),
            body=render_to_string("leads/email_new_lead.txt", context),
            to=lead.dealer.email,
        )


@task()
def lead_acknowledge_customer(lead_id: int) -> None:
    """Tell the customer their request reached the dealer, repeating what they asked."""
    from .models import Lead

    lead = Lead.objects.select_related("dealer", "vehicle").filter(pk=lead_id).first()
    if lead is None or not lead.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "lead": lead,
            "dealer": lead.dealer,
            "slot": timezone.localtime(lead.preferred_slot) if lead.preferred_slot else None,
            "vehicle_url": _public_url(
                reverse("inventory:vehicle", kwargs={"vehicle_id": lead.vehicle_id})
            )
            if lead.vehicle_id
            else "",
            "my_leads_url": _public_url(reverse("leads:mine")) if lead.customer_id else "",
        }
        _send(
            lead_id=lead.pk,
            what=gettext("Accusé de réception au client"),
            subject=render_to_string("leads/email/acknowledged_subject.txt", context).strip(),
            body=render_to_string("leads/email/acknowledged_body.txt", context),
            to=lead.email,
            reply_to=lead.dealer.email,
        )


def _public_url(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


@task()
def lead_email_customer(event_id: int) -> None:
    """Send the customer the dealer's answer: a reply, a proposed slot (with the signed link that
    accepts it) or the confirmation of their slot."""
    from .models import LeadEvent
    from .services import slot_link_token

    event = (
        LeadEvent.objects.select_related("lead", "lead__dealer", "by").filter(pk=event_id).first()
    )
    if event is None or not event.lead.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "event": event,
            "lead": event.lead,
            "dealer": event.lead.dealer,
            "slot": timezone.localtime(event.slot) if event.slot else None,
            "accept_url": _public_url(
                reverse("leads:slot_accept", kwargs={"token": slot_link_token(event)})
            )
            if event.kind == LeadEvent.Kind.SLOT_PROPOSED
            else "",
            "my_leads_url": _public_url(reverse("leads:mine")) if event.lead.customer_id else "",
        }
        _send(
            lead_id=event.lead_id,
            what=gettext("Réponse au client"),
            subject=render_to_string("leads/email/answer_subject.txt", context).strip(),
            body=render_to_string("leads/email/answer_body.txt", context),
            to=event.lead.email,
            reply_to=event.lead.dealer.email,
        )


@task()
def lead_notify_dealer_slot(event_id: int) -> None:
    """Tell the dealer the customer accepted the proposed slot (it is now on the agenda)."""
    from .models import LeadEvent

    event = LeadEvent.objects.select_related("lead", "lead__dealer").filter(pk=event_id).first()
    if event is None:
        return
    lead = event.lead
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "lead": lead,
            "slot": timezone.localtime(event.slot) if event.slot else None,
            "lead_url": _public_url(reverse("leads:dealer_detail", kwargs={"lead_id": lead.pk})),
        }
        _send(
            lead_id=lead.pk,
            what=gettext("Avis de créneau accepté à la concession"),
            subject=render_to_string("leads/email/slot_accepted_subject.txt", context).strip(),
            body=render_to_string("leads/email/slot_accepted_body.txt", context),
            to=lead.dealer.email,
        )


def _send(*, lead_id: int, what: str, subject: str, body: str, to: str, reply_to: str = "") -> None:
    """Send one e-mail about the lead; on failure, write it on the lead instead of raising."""
    from .services import lead_record_email_failure

    send_or_report(
        lambda: email_message(subject=subject, body=body, to=[to], reply_to=[reply_to]),
        recipient=to,
        report=lambda recipient, error: lead_record_email_failure(
            lead_id=lead_id, recipient=recipient, what=what, error=error
        ),
        about=f"lead {lead_id}: {what}",
    )

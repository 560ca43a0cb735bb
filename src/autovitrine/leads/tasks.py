"""Background work for leads: the dealer's notification e-mail."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task


@task()
def lead_notify_dealer(lead_id: int) -> None:
    from .models import Lead

    lead = Lead.objects.select_related("dealer", "vehicle").filter(pk=lead_id).first()
    if lead is None:
        return
    context = {
        "lead": lead,
        "backoffice_url": settings.PUBLIC_BASE_URL.rstrip("/") + reverse("leads:dealer_list"),
    }
    send_mail(
        subject=render_to_string("leads/email_new_lead_subject.txt", context).strip(),
        message=render_to_string("leads/email_new_lead.txt", context),
        from_email=None,
        recipient_list=[lead.dealer.email],
    )

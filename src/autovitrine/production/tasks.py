"""Background work of production tracking: the buyer's milestone e-mails."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from autovitrine.core.mail import email_message


@task()
def tracking_email_buyer(notification_id: int) -> None:
    """Send a milestone e-mail once: the row is claimed by one conditional update."""
    from .models import Notification
    from .selectors import handover_current_booking, slot_label
    from .texts import eta_text

    claimed = Notification.objects.filter(pk=notification_id, sent_at__isnull=True).update(
        sent_at=timezone.now()
    )
    if not claimed:
        return
    notification = Notification.objects.select_related("progress__order", "progress__plant").get(
        pk=notification_id
    )
    progress = notification.progress
    order = progress.order
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    with translation.override(settings.LANGUAGE_CODE):
        offered = handover_current_booking(order)
        context = {
            "order": order,
            "milestone": notification.get_milestone_display(),
            "kind": notification.milestone,
            "plant": progress.plant.name,
            "eta": eta_text(progress),
            "url": base + reverse("production:timeline", kwargs={"number": order.number}),
            "handover_url": base + reverse("production:handover", kwargs={"number": order.number}),
            "offered": slot_label(offered.day, offered.half_day) if offered else "",
        }
        email_message(
            subject=render_to_string("production/email/milestone_subject.txt", context).strip(),
            body=render_to_string("production/email/milestone_body.txt", context),
            to=[order.email],
        ).send()

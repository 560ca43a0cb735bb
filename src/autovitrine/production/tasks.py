"""Background work of production tracking: the buyer's milestone e-mails."""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks import task
from pywebpush import WebPushException, webpush

from autovitrine.core.mail import email_message, send_or_report

logger = logging.getLogger(__name__)


@task()
def tracking_email_buyer(notification_id: int) -> None:
    """Send a milestone e-mail once: the row is claimed by one conditional update."""
    from .models import Notification
    from .selectors import handover_current_booking, slot_label
    from .services import notification_record_email_failure
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
        subject = render_to_string("production/email/milestone_subject.txt", context).strip()
        what = gettext("E-mail de suivi « %(milestone)s » à l'acheteur") % {
            "milestone": context["milestone"]
        }
        send_or_report(
            lambda: email_message(
                subject=subject,
                body=render_to_string("production/email/milestone_body.txt", context),
                to=[order.email],
            ),
            recipient=order.email,
            report=lambda recipient, error: notification_record_email_failure(
                notification_id=notification_id, recipient=recipient, what=what, error=error
            ),
            about=f"order {order.number}: {notification.milestone}",
        )
    push_buyer(
        user_id=order.customer_id,
        title=subject,
        body=str(context["eta"]),
        url=str(context["url"]),
    )


def push_buyer(*, user_id: int, title: str, body: str, url: str) -> int:
    """Send a Web Push message to each browser the buyer subscribed (encrypted aes128gcm, signed
    with the VAPID key); a subscription its push service says is gone (404, 410) is dropped.
    Runs once per milestone: the caller holds the notification's claim."""
    from .models import PushSubscription

    if not settings.WEBPUSH_VAPID_PRIVATE_KEY:
        return 0
    payload = json.dumps({"title": title, "body": body, "url": url}, ensure_ascii=False)
    sent = 0
    for subscription in PushSubscription.objects.filter(user_id=user_id):
        try:
            webpush(
                subscription_info={
                    "endpoint": subscription.endpoint,
                    "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                },
                data=payload,
                vapid_private_key=settings.WEBPUSH_VAPID_PRIVATE_KEY,
                vapid_claims={"sub": settings.WEBPUSH_VAPID_SUBJECT},
                ttl=24 * 3600,
                timeout=10,
            )
        except WebPushException as exc:
            status = getattr(exc.response, "status_code", None)
            if status in (404, 410):
                subscription.delete()
            else:
                logger.warning("web push refused (%s) for subscription %s", status, subscription.pk)
            continue
        sent += 1
    return sent

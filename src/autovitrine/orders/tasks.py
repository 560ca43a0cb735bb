"""Background work for orders: the buyer's e-mail at each step."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task


@task()
def order_email_buyer(event_id: int) -> None:
    """Tell the buyer what just happened to their order, with a link to follow it."""
    from .models import OrderEvent

    event = OrderEvent.objects.select_related("order", "order__dealer").filter(pk=event_id).first()
    if event is None:
        return
    order = event.order
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "order": order,
            "event": event,
            "status_label": order.Status(event.to_status).label,
            "order_url": settings.PUBLIC_BASE_URL.rstrip("/")
            + reverse("orders:detail", kwargs={"number": order.number}),
        }
        send_mail(
            subject=render_to_string("orders/email/status_subject.txt", context).strip(),
            message=render_to_string("orders/email/status_body.txt", context),
            from_email=None,
            recipient_list=[order.email],
        )

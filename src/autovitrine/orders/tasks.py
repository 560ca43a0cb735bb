"""Background work for orders: the buyer's e-mail at each step."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django_tasks import task

from autovitrine.core.mail import email_message, send_or_report


@task()
def order_email_buyer(event_id: int) -> None:
    """Tell the buyer what just happened to their order, with a link to follow it."""
    from .models import OrderEvent

    event = OrderEvent.objects.select_related("order", "order__dealer").filter(pk=event_id).first()
    if event is None:
        return
    from .documents import order_form_pdf
    from .selectors import withdrawal_rule_text
    from .services import order_record_email_failure

    order = event.order
    with translation.override(settings.LANGUAGE_CODE):
        # The contract is made when the deposit is paid: the order form (with the standard
        # withdrawal form, R221-1) goes with that e-mail, on a durable medium (L221-13).
        attach = event.is_transition and event.to_status == order.Status.DEPOSIT_PAID
        context = {
            "withdrawal_rule": withdrawal_rule_text(order) if order.contract_at else "",
            "attached": attach,
            "order": order,
            "event": event,
            "status_label": order.Status(event.to_status).label,
            "order_url": settings.PUBLIC_BASE_URL.rstrip("/")
            + reverse("orders:detail", kwargs={"number": order.number}),
        }
        what = gettext("E-mail « %(status)s » à l'acheteur") % {"status": context["status_label"]}
        send_or_report(
            lambda: email_message(
                subject=render_to_string("orders/email/status_subject.txt", context).strip(),
                body=render_to_string("orders/email/status_body.txt", context),
                to=[order.email],
                attachments=[
                    (
                        f"bon-de-commande-{order.number}.pdf",
                        order_form_pdf(order),
                        "application/pdf",
                    )
                ]
                if attach
                else [],
            ),
            recipient=order.email,
            report=lambda recipient, error: order_record_email_failure(
                order_id=order.pk, recipient=recipient, what=what, error=error
            ),
            about=f"order {order.number}",
        )

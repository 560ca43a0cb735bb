"""Background work for dealers: e-mails to a dealer's staff."""

from __future__ import annotations

from django_tasks import task

from autovitrine.core.mail import email_message, send_or_report


@task()
def dealer_email_staff(dealer_id: int, subject: str, body: str) -> None:
    """Send one message to every active staff member of the dealer (or, with no staff account
    yet, to the dealer's own address); when it cannot leave, the failure is recorded for head
    office (``staff_email_failure_record``) instead of failing the task."""
    from .selectors import dealer_staff_emails
    from .services import staff_email_failure_record

    recipients = dealer_staff_emails(dealer_id=dealer_id)
    if not recipients:
        return
    send_or_report(
        lambda: email_message(subject=subject, body=body, to=recipients),
        recipient=", ".join(recipients),
        report=lambda to, error: staff_email_failure_record(
            dealer_id=dealer_id, recipients=to, subject=subject, error=error
        ),
        about="dealer staff",
    )

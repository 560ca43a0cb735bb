"""Background work for dealers: e-mails to a dealer's staff."""

from __future__ import annotations

from django_tasks import task

from autovitrine.core.mail import email_message


@task()
def dealer_email_staff(dealer_id: int, subject: str, body: str) -> None:
    """Send one message to every active staff member of the dealer (or, with no staff account
    yet, to the dealer's own address)."""
    from .selectors import dealer_staff_emails

    recipients = dealer_staff_emails(dealer_id=dealer_id)
    if recipients:
        email_message(subject=subject, body=body, to=recipients).send()

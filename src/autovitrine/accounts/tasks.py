"""Background work for accounts: e-mails (sign-up confirmation, password reset) leave from here."""

from __future__ import annotations

from django_tasks import task

from autovitrine.core.mail import email_message, send_or_report


@task()
def accounts_send_email(subject: str, body: str, to: str) -> None:
    """Send one plain-text e-mail already rendered in French; when it cannot leave, the failure
    is recorded (``account_email_failure_record``) instead of failing the task."""
    from .services import account_email_failure_record

    send_or_report(
        lambda: email_message(subject=subject, body=body, to=[to]),
        recipient=to,
        report=lambda recipient, error: account_email_failure_record(
            address=recipient, subject=subject, error=error
        ),
        about="account",
    )

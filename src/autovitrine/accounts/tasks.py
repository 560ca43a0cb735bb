"""Background work for accounts: e-mails (sign-up confirmation, password reset) leave from here."""

from __future__ import annotations

from django_tasks import task

from autovitrine.core.mail import email_message


@task()
def accounts_send_email(subject: str, body: str, to: str) -> None:
    """Send one plain-text e-mail already rendered in French (no account data is read here)."""
    email_message(subject=subject, body=body, to=[to]).send()

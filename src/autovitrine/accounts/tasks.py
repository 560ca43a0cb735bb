"""Background work for accounts: e-mails (sign-up confirmation, password reset) leave from here."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django_tasks import task


@task()
def accounts_send_email(subject: str, body: str, to: str) -> None:
    """Send one plain-text e-mail already rendered in French (no account data is read here)."""
    EmailMessage(subject=subject, body=body, to=[to]).send()

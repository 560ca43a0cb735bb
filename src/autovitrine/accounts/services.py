"""Writes on accounts: customer sign-up, and the per-address allowance that keeps bots from it."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from autovitrine.core.ratelimit import over_limit

from .models import User

# A person signs up once; an address posting the form more often than this in an hour is a script.
SIGNUP_ATTEMPTS_PER_HOUR = 20
SIGNUP_WINDOW_SECONDS = 3600


def _duplicate_email_error() -> ValidationError:
    return ValidationError(
        _("Un compte existe déjà avec cette adresse e-mail : connectez-vous."),
        code="email_taken",
    )


def user_sign_up(*, email: str, password: str, first_name: str = "", last_name: str = "") -> User:
    """Create a customer account; errors come back per field (``email``, ``password``) in French."""
    email = User.objects.normalize_email(email.strip()).lower()
    errors: dict[str, list[ValidationError]] = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [
            ValidationError(_("Saisissez une adresse e-mail valide."), code="email_invalid")
        ]
    else:
        if User.objects.filter(email__iexact=email).exists():
            errors["email"] = [_duplicate_email_error()]
    candidate = User(email=email, first_name=first_name.strip(), last_name=last_name.strip())
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as exc:
        errors["password"] = exc.error_list
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email,
                password,
                first_name=candidate.first_name,
                last_name=candidate.last_name,
                kind=User.Kind.CUSTOMER,
            )
    except IntegrityError as exc:
        # Two sign-ups with the same address raced past the check above; the other one won.
        raise ValidationError({"email": [_duplicate_email_error()]}) from exc


def signup_attempt_allowed(*, client_ip: str) -> bool:
    """Count one sign-up attempt from ``client_ip``; ``False`` once the hourly allowance is spent."""
    key = f"accounts:signup-attempts:{client_ip}"
    return not over_limit(key, limit=SIGNUP_ATTEMPTS_PER_HOUR, window_seconds=SIGNUP_WINDOW_SECONDS)

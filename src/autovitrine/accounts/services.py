"""Writes on accounts: customer sign-up (direct for demo data, or by a confirmation e-mail that
never tells whether the address already has an account), account confirmation, the buyer's
profile, and the per-address allowance that keeps bots from sign-up."""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from autovitrine.core.phones import french_phone_normalize
from autovitrine.core.ratelimit import over_limit

from .models import AccountEmailFailure, User
from .tasks import accounts_send_email
from .tokens import account_activation_token

# Metropolitan France, Corsica (20) and overseas departments (971–976), as orders checks them.
POSTCODE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-5])\d{3}$|^97[1-6]\d{2}$")

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


def password_reset_attempt_allowed(*, client_ip: str) -> bool:
    """Count one "mot de passe oublié" request from ``client_ip`` (each one sends an e-mail)."""
    key = f"accounts:reset-attempts:{client_ip}"
    return not over_limit(key, limit=SIGNUP_ATTEMPTS_PER_HOUR, window_seconds=SIGNUP_WINDOW_SECONDS)


def signup_attempt_allowed(*, client_ip: str) -> bool:
    """Count one sign-up attempt from ``client_ip``; ``False`` once the hourly allowance is spent."""
    key = f"accounts:signup-attempts:{client_ip}"
    return not over_limit(key, limit=SIGNUP_ATTEMPTS_PER_HOUR, window_seconds=SIGNUP_WINDOW_SECONDS)


# --- sign-up by e-mail confirmation -----------------------------------------------------------


def _public_url(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def _uid(user: User) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def _email_user(user: User, *, template: str, context: Mapping[str, object]) -> None:
    """Render a French e-mail now, send it from the tasks queue once the transaction commits."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {"user": user, "site_name": settings.SITE_NAME, **context}
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"accounts/email/{template}_body.txt", context)
    to = user.email
    transaction.on_commit(lambda: accounts_send_email.enqueue(subject, body, to))


def _validate_sign_up(*, email: str, password: str, first_name: str, last_name: str) -> str:
    """The normalized address, or every field's French error at once; says nothing of accounts."""
    email = User.objects.normalize_email(email.strip()).lower()
    errors: dict[str, list[ValidationError]] = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [
            ValidationError(_("Saisissez une adresse e-mail valide."), code="email_invalid")
        ]
    candidate = User(email=email, first_name=first_name.strip(), last_name=last_name.strip())
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as exc:
        errors["password"] = exc.error_list
    if errors:
        raise ValidationError(errors)
    return email


def user_sign_up_request(
    *, email: str, password: str, first_name: str = "", last_name: str = ""
) -> None:
    """Answer a sign-up the same way whether or not the address has an account: by e-mail.

    A new address gets an inactive customer account and a confirmation link; an address already
    confirmed gets a message saying so, with a password-reset link; an address never confirmed
    gets a fresh confirmation link (its password and name replaced by the latest ones). Errors
    are about the typed values only (``email`` format, ``password`` strength)."""
    email = _validate_sign_up(
        email=email, password=password, first_name=first_name, last_name=last_name
    )
    with transaction.atomic():
        existing = User.objects.select_for_update().filter(email__iexact=email).first()
        if existing is None:
            try:
                with transaction.atomic():
                    user = User.objects.create_user(
                        email,
                        password,
                        first_name=first_name.strip(),
                        last_name=last_name.strip(),
                        kind=User.Kind.CUSTOMER,
                        is_active=False,
                    )
            except IntegrityError:
                # The same address signed up concurrently: the other request owns the account.
                make_password(password)
                return
            _send_activation(user)
        elif not existing.is_active and existing.last_login is None:
            existing.set_password(password)
            existing.first_name, existing.last_name = first_name.strip(), last_name.strip()
            existing.save(update_fields=["password", "first_name", "last_name"])
            _send_activation(existing)
        else:
            make_password(password)  # the same work as a new account: the answer time tells nothing
            _send_account_exists(existing)


def _send_activation(user: User) -> None:
    path = reverse(
        "accounts:activate",
        kwargs={"uidb64": _uid(user), "token": account_activation_token.make_token(user)},
    )
    _email_user(user, template="activation", context={"activation_url": _public_url(path)})


def _send_account_exists(user: User) -> None:
    reset = ""
    if user.is_active:
        reset = _public_url(
            reverse(
                "accounts:password_reset_confirm",
                kwargs={"uidb64": _uid(user), "token": default_token_generator.make_token(user)},
            )
        )
    context = {"reset_url": reset, "login_url": _public_url(reverse("accounts:login"))}
    _email_user(user, template="account_exists", context=context)


def user_from_uid(uidb64: str) -> User | None:
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    return User.objects.filter(pk=pk).first()


@transaction.atomic
def user_activate(*, uidb64: str, token: str) -> User | None:
    """Confirm a new account from its e-mailed link; ``None`` if the link is wrong or spent."""
    user = user_from_uid(uidb64)
    if user is None or user.is_active or user.last_login is not None:
        return None
    if not account_activation_token.check_token(user, token):
        return None
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


# --- the buyer's profile ---------------------------------------------------------------------


def _one_line(value: str, limit: int) -> str:
    return " ".join(value.split())[:limit]


def user_profile_update(
    *,
    user: User,
    first_name: str,
    last_name: str,
    phone: str = "",
    postcode: str = "",
    street: str = "",
    city: str = "",
    billing_street: str = "",
    billing_postcode: str = "",
    billing_city: str = "",
) -> User:
    """Save what pre-fills the buyer's forms; every field's French error at once, nothing saved
    then. The phone is stored the French way (``06 12 34 56 78``); blank fields stay blank."""
    errors: dict[str, ValidationError] = {}
    first_name, last_name = _one_line(first_name, 150), _one_line(last_name, 150)
    if not first_name:
        errors["first_name"] = ValidationError(_("Indiquez votre prénom."), code="required")
    if not last_name:
        errors["last_name"] = ValidationError(_("Indiquez votre nom."), code="required")
    normalized_phone = ""
    if phone.strip():
        normalized_phone = french_phone_normalize(phone) or ""
        if not normalized_phone:
            errors["phone"] = ValidationError(
                _("Saisissez un numéro de téléphone français (ex. 06 12 34 56 78)."), code="phone"
            )
    codes = {"postcode": postcode, "billing_postcode": billing_postcode}
    for name, value in list(codes.items()):
        codes[name] = value.replace(" ", "")
        if codes[name] and not POSTCODE.match(codes[name]):
            errors[name] = ValidationError(
                _("Code postal invalide : 5 chiffres (ex. 69007)."), code="postcode"
            )
    billing = [
        _one_line(billing_street, 200),
        codes["billing_postcode"],
        _one_line(billing_city, 100),
    ]
    if any(billing) and not all(billing):
        errors["billing_street"] = ValidationError(
            _("Adresse de facturation incomplète : rue, code postal et ville, ou laissez vide."),
            code="billing_incomplete",
        )
    if errors:
        raise ValidationError(errors)
    user.first_name, user.last_name, user.phone = first_name, last_name, normalized_phone
    user.postcode, user.street, user.city = (
        codes["postcode"],
        _one_line(street, 200),
        _one_line(city, 100),
    )
    user.billing_street, user.billing_postcode, user.billing_city = billing
    user.save(
        update_fields=[
            "first_name",
            "last_name",
            "phone",
            "postcode",
            "street",
            "city",
            "billing_street",
            "billing_postcode",
            "billing_city",
        ]
    )
    return user


# --- account e-mails that did not leave (issue 10) ----------------------------------------------


def account_email_failure_record(*, address: str, subject: str, error: str) -> AccountEmailFailure:
    """Write down an account e-mail the mail server refused: head office lists them in the admin,
    and the account's owner (if the address has one) is told at the next sign-in."""
    return AccountEmailFailure.objects.create(
        user=User.objects.filter(email=address.strip().lower()).first(),
        address=address[:254],
        subject=subject[:200],
        error=error[:500],
    )


def account_email_failures_take_unshown(*, user: User) -> list[AccountEmailFailure]:
    """The failures not yet told to ``user``, now marked as told (one sign-in shows them once)."""
    failures = list(user.email_failures.filter(shown_at__isnull=True).order_by("created_at"))
    if failures:
        AccountEmailFailure.objects.filter(pk__in=[f.pk for f in failures]).update(
            shown_at=timezone.now()
        )
    return failures

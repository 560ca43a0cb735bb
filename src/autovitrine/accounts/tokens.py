"""Signed one-time links of accounts: confirming a new account's address."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class AccountActivationTokenGenerator(PasswordResetTokenGenerator):
    """Like the password-reset token (valid ``PASSWORD_RESET_TIMEOUT``), under its own salt so a
    confirmation link never resets a password, and spent once the account is active."""

    key_salt = "autovitrine.accounts.tokens.AccountActivationTokenGenerator"

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"


account_activation_token = AccountActivationTokenGenerator()

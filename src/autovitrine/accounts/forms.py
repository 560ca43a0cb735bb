"""Sign-in and sign-up forms: e-mail as the username, French messages, browser autofill hints."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class EmailAuthenticationForm(AuthenticationForm):
    """Django's sign-in form (it hands ``request`` to ``authenticate``, so axes sees every try)."""

    username = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    error_messages = {
        "invalid_login": _("Adresse e-mail ou mot de passe incorrect."),
        "inactive": _("Ce compte est désactivé."),
    }

    def clean_username(self) -> str:
        # Addresses are stored in lower case; "Camille@Example.fr" must find the same account.
        return self.cleaned_data["username"].strip().lower()


class SignUpForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    first_name = forms.CharField(
        label=_("Prénom"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Nom"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    password = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_confirm = forms.CharField(
        label=_("Confirmez le mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = password_validation.password_validators_help_text_html()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password, confirm = cleaned.get("password"), cleaned.get("password_confirm")
        if password and confirm and password != confirm:
            self.add_error("password_confirm", _("Les deux mots de passe ne correspondent pas."))
        return cleaned


class FrenchFormMixin:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]


class ProfileForm(FrenchFormMixin, forms.Form):
    """« Mon compte »: what pre-fills the buyer's forms; checked by ``user_profile_update``."""

    first_name = forms.CharField(
        label=_("Prénom"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Nom"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    phone = forms.CharField(
        label=_("Téléphone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel", "inputmode": "tel"}),
    )
    street = forms.CharField(
        label=_("Adresse"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "shipping street-address"}),
    )
    postcode = forms.CharField(
        label=_("Code postal"),
        max_length=10,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "shipping postal-code", "inputmode": "numeric"}
        ),
    )
    city = forms.CharField(
        label=_("Ville"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "shipping address-level2"}),
    )
    billing_street = forms.CharField(
        label=_("Adresse de facturation"),
        max_length=200,
        required=False,
        help_text=_("Laissez vide si elle est identique à l'adresse de livraison."),
        widget=forms.TextInput(attrs={"autocomplete": "billing street-address"}),
    )
    billing_postcode = forms.CharField(
        label=_("Code postal de facturation"),
        max_length=10,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "billing postal-code", "inputmode": "numeric"}
        ),
    )
    billing_city = forms.CharField(
        label=_("Ville de facturation"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "billing address-level2"}),
    )

    DELIVERY = ("street", "postcode", "city")
    BILLING = ("billing_street", "billing_postcode", "billing_city")


class QueuedPasswordResetForm(FrenchFormMixin, PasswordResetForm):
    """Django's reset form (it answers the same whether or not the address has an account);
    the e-mail is rendered in French here and leaves through the tasks queue."""

    email = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def send_mail(  # type: ignore[override]
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        from .tasks import accounts_send_email

        context = {
            **context,
            "base_url": settings.PUBLIC_BASE_URL.rstrip("/"),
            "site_name": settings.SITE_NAME,
        }
        with translation.override(settings.LANGUAGE_CODE):
            subject = render_to_string(subject_template_name, context).strip()
            body = render_to_string(email_template_name, context)
        accounts_send_email.enqueue(subject, body, to_email)


class FrenchSetPasswordForm(FrenchFormMixin, SetPasswordForm):
    pass


class FrenchPasswordChangeForm(FrenchFormMixin, PasswordChangeForm):
    pass

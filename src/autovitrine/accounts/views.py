"""Sign-in (throttled by django-axes), sign-out, customer sign-up by e-mail confirmation,
forgotten password (Django's reset flow), « Mon compte » and its password change."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from autovitrine.core.clientip import rate_limit_address
from autovitrine.core.ratelimit import code_lookup_missed, wait_message

from .forms import (
    EmailAuthenticationForm,
    FrenchPasswordChangeForm,
    FrenchSetPasswordForm,
    ProfileForm,
    QueuedPasswordResetForm,
    SignUpForm,
)
from .models import User
from .services import (
    account_email_failures_take_unshown,
    password_reset_attempt_allowed,
    signup_attempt_allowed,
    user_activate,
    user_profile_update,
    user_sign_up_request,
)


def _safe_next(request: HttpRequest) -> str:
    """The ``next`` target if it stays on this site, else an empty string."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _landing_url(user: User) -> str:
    """Where a user goes after signing in: staff to their dealer, head office to the admin."""
    if user.is_dealer_staff:
        return reverse("dealers:dashboard")
    if user.is_head_office:
        return reverse("admin:index")
    return reverse("web:home")


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.user.is_authenticated and request.method == "GET":
        return redirect(next_url or _landing_url(request.user))
    form = EmailAuthenticationForm(request, data=request.POST if request.method == "POST" else None)
    if form.is_valid():
        user = form.get_user()
        login(request, user)
        for failure in account_email_failures_take_unshown(user=user):
            messages.warning(
                request,
                _(
                    "L'e-mail « %(subject)s » du %(date)s n'a pas pu vous être envoyé à "
                    "%(address)s. Vérifiez votre adresse dans votre profil ; si elle est juste, "
                    "refaites la demande plus tard."
                )
                % {
                    "subject": failure.subject,
                    "date": date_format(timezone.localtime(failure.created_at), "j F Y H:i"),
                    "address": failure.address,
                },
            )
        return redirect(next_url or _landing_url(user))
    # A locked-out attempt also lands here; AxesMiddleware swaps the page for the 429 one.
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:home")


@sensitive_post_parameters("password", "password_confirm")
@csrf_protect
@never_cache
def signup(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or _landing_url(request.user))
    if request.method != "POST":
        return render(request, "accounts/signup.html", {"form": SignUpForm(), "next": next_url})

    form = SignUpForm(request.POST)
    if not signup_attempt_allowed(client_ip=rate_limit_address(request) or "unknown"):
        form.add_error(
            None,
            wait_message(_("Trop de tentatives d'inscription depuis votre connexion")),
        )
        context = {"form": form, "next": next_url}
        return render(request, "accounts/signup.html", context, status=429)
    if form.is_valid():
        try:
            user_sign_up_request(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # The same answer whether or not the address already had an account.
            request.session["accounts_signup_email"] = form.cleaned_data["email"].strip().lower()
            return redirect("accounts:signup_sent")
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})


@never_cache
def signup_sent(request: HttpRequest) -> HttpResponse:
    email = request.session.get("accounts_signup_email", "")
    return render(request, "accounts/signup_sent.html", {"email": email})


@csrf_protect
@never_cache
def activate(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The confirmation link: GET shows a button (a mail scanner following links activates
    nothing), POST activates the account and signs its owner in."""
    if request.method == "POST":
        user = user_activate(uidb64=uidb64, token=token)
        if user is not None:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, _("Bienvenue ! Votre compte est activé et vous êtes connecté.")
            )
            return redirect(_landing_url(user))
        code_lookup_missed(request, "link")
        return render(request, "accounts/activate.html", {"invalid": True}, status=400)
    return render(request, "accounts/activate.html", {"invalid": False})


class PasswordResetView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset_body.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not password_reset_attempt_allowed(client_ip=rate_limit_address(request) or "unknown"):
            form = self.get_form()
            form.add_error(
                None, _("Trop de demandes depuis votre connexion. Réessayez dans une heure.")
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = FrenchSetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def dispatch(self, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = super().dispatch(*args, **kwargs)
        if not self.validlink:  # a forged, used or expired link: counted as a miss
            code_lookup_missed(self.request, "link")
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
@csrf_protect
@never_cache
def profile(request: HttpRequest) -> HttpResponse:
    """« Mon compte »: name, phone, addresses (they pre-fill the buyer's forms)."""
    user = request.user
    assert isinstance(user, User)
    fields = ProfileForm.base_fields
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                user_profile_update(user=user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in fields else None, errors)
            else:
                messages.success(request, _("Vos coordonnées sont enregistrées."))
                return redirect("accounts:profile")
        return render(request, "accounts/profile.html", {"form": form}, status=400)
    form = ProfileForm(initial={name: getattr(user, name) for name in fields})
    return render(request, "accounts/profile.html", {"form": form})


@login_required
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@csrf_protect
@never_cache
def password_change(request: HttpRequest) -> HttpResponse:
    form = FrenchPasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            user = form.save()
            update_session_auth_hash(request, user)  # stay signed in on this device only
            messages.success(request, _("Votre mot de passe est changé."))
            return redirect("accounts:profile")
        return render(request, "accounts/password_change.html", {"form": form}, status=400)
    return render(request, "accounts/password_change.html", {"form": form})

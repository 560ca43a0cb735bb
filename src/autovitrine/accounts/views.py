"""Sign-in (throttled by django-axes), sign-out and customer sign-up pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from autovitrine.core.clientip import client_ip
from autovitrine.core.ratelimit import wait_message

from .forms import EmailAuthenticationForm, SignUpForm
from .models import User
from .services import signup_attempt_allowed, user_sign_up


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
    if not signup_attempt_allowed(client_ip=client_ip(request) or "unknown"):
        form.add_error(
            None,
            wait_message(_("Trop de tentatives d'inscription depuis votre connexion")),
        )
        context = {"form": form, "next": next_url}
        return render(request, "accounts/signup.html", context, status=429)
    if form.is_valid():
        try:
            user = user_sign_up(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Bienvenue ! Votre compte est créé et vous êtes connecté."))
            return redirect(next_url or _landing_url(user))
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})

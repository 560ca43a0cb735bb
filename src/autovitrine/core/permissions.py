"""Who may see what: a dealer's staff sees its own dealer's data, a customer only their own."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


def staff_dealer_id(user: Any) -> int | None:
    """The dealer a signed-in staff member belongs to, or ``None``."""
    if not getattr(user, "is_authenticated", False) or not user.is_dealer_staff:
        return None
    staff = getattr(user, "dealer_staff", None)
    return staff.dealer_id if staff is not None else None


def can_manage_dealer(user: Any, dealer_id: int) -> bool:
    return staff_dealer_id(user) == dealer_id or bool(getattr(user, "is_head_office", False))


def dealer_staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in first, then only dealer staff; the view receives ``dealer_id`` as a keyword."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        dealer_id = staff_dealer_id(request.user)
        if dealer_id is None:
            raise PermissionDenied
        return view(request, *args, dealer_id=dealer_id, **kwargs)

    return wrapper


def signed_in_user_id(request: HttpRequest) -> int:
    """The signed-in user's id, in a view behind ``login_required``; an anonymous visitor (only
    possible if that decorator is forgotten) is refused rather than served as user ``None``."""
    user = request.user
    if not user.is_authenticated:
        raise PermissionDenied
    return user.pk

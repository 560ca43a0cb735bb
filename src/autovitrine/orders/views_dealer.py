"""Dealer pages: the orders it delivers, and the actions on one (confirm or decline, trade-in
offer, production, ready, delivered). Another dealer's order is not found (404)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from autovitrine.core.permissions import dealer_staff_required
from autovitrine.core.ratelimit import code_lookup_missed

from . import services
from .forms import DeclineForm, DeliverForm, ReturnForm, TradeInOfferForm
from .models import Order
from .selectors import (
    TO_DELIVER_FILTER,
    TO_DELIVER_STATUSES,
    dealer_commissions_cents,
    dealer_order,
    dealer_order_counts,
    dealer_orders,
    order_totals,
)
from .views import pdf_response

PER_PAGE = 25


def _dealer_order(request: HttpRequest, number: str, dealer_id: int) -> Order:
    """The dealer's order ``number``; a number that is not one of its orders is a miss counted
    against the client (staff trying other dealers' numbers), then a 404."""
    order = dealer_order(number=number, dealer_id=dealer_id)
    if order is None:
        code_lookup_missed(request, "dealer_order")
        raise Http404
    return order


@dealer_staff_required
@require_GET
def order_list(request: HttpRequest, dealer_id: int) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in (*Order.Status.values, TO_DELIVER_FILTER):
        status = ""
    page = Paginator(dealer_orders(dealer_id=dealer_id, status=status or None), PER_PAGE).get_page(
        request.GET.get("page")
    )
    # One GROUP BY for every filter's count: a busy dealer sees at once what waits.
    counts = dealer_order_counts(dealer_id=dealer_id)
    # Said as the dealer's task: a paid deposit is an order to confirm.
    labels = {**dict(Order.Status.choices), Order.Status.DEPOSIT_PAID: _("À confirmer")}
    statuses = [
        (TO_DELIVER_FILTER, _("À livrer"), sum(counts[s] for s in TO_DELIVER_STATUSES)),
        *((value, labels[value], counts[value]) for value in Order.Status.values),
    ]
    return render(
        request,
        "orders/dealer/list.html",
        {
            "page": page,
            "status": status,
            "statuses": statuses,
            "total": sum(counts.values()),
            "commissions_cents": dealer_commissions_cents(dealer_id=dealer_id),
        },
    )


def _detail(request: HttpRequest, order: Order, *, status: int = 200, **forms: Any) -> HttpResponse:
    trade_in = order.trade_in
    context = {
        "order": order,
        "trade_in": trade_in,
        "decline_form": forms.get("decline_form") or DeclineForm(),
        "offer_form": forms.get("offer_form")
        or TradeInOfferForm(estimate_cents=trade_in.estimate_cents if trade_in else 0),
        "deliver_form": forms.get("deliver_form") or DeliverForm(),
        "return_form": forms.get("return_form") or ReturnForm(),
        "totals": order_totals(order),
        "awaiting_return": order.status == Order.Status.WITHDRAWN
        and order.delivered_at is not None
        and order.returned_at is None,
        "needs_trade_in_vin": bool(
            trade_in and trade_in.status == trade_in.Status.ACCEPTED and not trade_in.vin
        ),
        "can_offer": bool(
            trade_in
            and order.status in services.OPEN_STATUSES
            and trade_in.status
            in (trade_in.Status.ESTIMATED, trade_in.Status.OFFERED, trade_in.Status.DECLINED)
        ),
    }
    return render(request, "orders/dealer/detail.html", context, status=status)


@dealer_staff_required
@require_GET
def order_detail(request: HttpRequest, number: str, dealer_id: int) -> HttpResponse:
    return _detail(request, _dealer_order(request, number, dealer_id))


@dealer_staff_required
@require_GET
def order_document(
    request: HttpRequest, number: str, document: str, dealer_id: int
) -> HttpResponse:
    return pdf_response(_dealer_order(request, number, dealer_id), document)


@dealer_staff_required
@require_POST
def order_action(request: HttpRequest, number: str, action: str, dealer_id: int) -> HttpResponse:
    """One call into the services per action; a refused action comes back as a French message."""
    order = _dealer_order(request, number, dealer_id)
    by = request.user
    simple: dict[str, tuple[Callable[[], Any], str]] = {
        "confirmer": (
            lambda: services.order_confirm(number=number, dealer_id=dealer_id, by=by),
            _("Commande confirmée : l'acheteur est prévenu."),
        ),
        "production": (
            lambda: services.order_start_production(number=number, dealer_id=dealer_id, by=by),
            _("Commande passée en production."),
        ),
        "prete": (
            lambda: services.order_mark_ready(number=number, dealer_id=dealer_id, by=by),
            _("Véhicule prêt : l'acheteur est prévenu."),
        ),
    }
    if action in simple:
        call, success = simple[action]
        try:
            call()
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, success)
        return redirect("orders:dealer_detail", number=number)
    if action == "refuser":
        decline_form = DeclineForm(request.POST)
        if decline_form.is_valid():
            try:
                services.order_decline(
                    number=number,
                    dealer_id=dealer_id,
                    by=by,
                    reason=decline_form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                decline_form.add_error(None, exc)
            else:
                messages.success(request, _("Commande refusée : l'acompte est remboursé."))
                return redirect("orders:dealer_detail", number=number)
        return _detail(request, order, status=400, decline_form=decline_form)
    if action == "reprise":
        offer_form = TradeInOfferForm(request.POST)
        if offer_form.is_valid():
            try:
                services.order_trade_in_offer(
                    number=number,
                    dealer_id=dealer_id,
                    by=by,
                    amount_cents=offer_form.cleaned_data["amount"],
                    note=offer_form.cleaned_data["note"],
                )
            except ValidationError as exc:
                offer_form.add_error(None, exc)
            else:
                messages.success(request, _("Offre de reprise envoyée à l'acheteur."))
                return redirect("orders:dealer_detail", number=number)
        return _detail(request, order, status=400, offer_form=offer_form)
    if action == "livrer":
        deliver_form = DeliverForm(request.POST)
        if deliver_form.is_valid():
            try:
                services.order_deliver(
                    number=number,
                    dealer_id=dealer_id,
                    by=by,
                    trade_in_vin=deliver_form.cleaned_data["trade_in_vin"],
                    trade_in_price_ttc=deliver_form.cleaned_data["trade_in_price"],
                    balance_means=deliver_form.cleaned_data["balance_means"]
                    or Order.PaymentMeans.TRANSFER,
                )
            except ValidationError as exc:
                # The trade-in's VIN error belongs next to the VIN field; others on top.
                vin_errors = getattr(exc, "error_dict", {}).get("vin")
                deliver_form.add_error(
                    "trade_in_vin" if vin_errors else None, vin_errors or exc.messages
                )
            else:
                messages.success(request, _("Véhicule livré. Félicitations !"))
                return redirect("orders:dealer_detail", number=number)
        return _detail(request, order, status=400, deliver_form=deliver_form)
    if action == "retour":
        return_form = ReturnForm(request.POST)
        if return_form.is_valid():
            data = return_form.cleaned_data
            try:
                services.order_record_return(
                    number=number,
                    dealer_id=dealer_id,
                    by=by,
                    mileage_km=data["mileage_km"],
                    condition=data["condition"],
                    reduced_value_cents=data["reduced_value"] or 0,
                    reduced_value_reason=data["reduced_value_reason"],
                )
            except ValidationError as exc:
                for field, errors in getattr(exc, "error_dict", {}).items():
                    target = field if field in return_form.fields else None
                    if field == "reduced_value" and "reduced_value" in return_form.fields:
                        target = "reduced_value"
                    return_form.add_error(target, errors)
                if not hasattr(exc, "error_dict"):
                    return_form.add_error(None, exc.messages)
            else:
                messages.success(request, _("Retour enregistré : l'acheteur est remboursé."))
                return redirect("orders:dealer_detail", number=number)
        return _detail(request, order, status=400, return_form=return_form)
    raise Http404

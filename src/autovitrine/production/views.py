"""The buyer's timeline of a factory order and its live stream (Server-Sent Events); the
handover at the dealer: the buyer's slot and to-do list, the dealer's calendar and capacity."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from autovitrine.core.mail import content_disposition
from autovitrine.core.permissions import dealer_staff_required
from autovitrine.core.ratelimit import code_lookup_missed

from . import live, selectors, services
from .forms import CapacityForm, CompleteForm, DocumentForm
from .models import HandoverBooking

if TYPE_CHECKING:
    from autovitrine.orders.models import Order


@require_GET
def timeline(request: HttpRequest, number: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    order = selectors.order_for_viewer(number=number, user=request.user)
    if order is None:
        code_lookup_missed(request, "order")
        raise Http404
    context = {
        "order": order,
        "timeline": selectors.order_timeline(order),
        "handover": selectors.handover_summary(order)
        if order.customer_id == request.user.pk
        else None,
        "milestones": selectors.milestone_choices(order_id=order.pk)
        if order.customer_id == request.user.pk
        else None,
        "push_key": settings.WEBPUSH_VAPID_PUBLIC_KEY,
    }
    return render(request, "production/timeline.html", context)


@require_GET
def stream(request: HttpRequest, number: str) -> StreamingHttpResponse:
    """``text/event-stream`` of the order's accepted events, resumed after ``Last-Event-ID``.

    The access check runs here, on the request's thread; the body is an async generator the
    ASGI server drives without a thread or a database connection while it waits."""
    if not request.user.is_authenticated:
        raise Http404
    order = selectors.order_for_viewer(number=number, user=request.user)
    if order is None:
        code_lookup_missed(request, "order")
        raise Http404
    raw_last = request.headers.get("Last-Event-ID") or request.GET.get("depuis", "0")
    last_id = int(raw_last) if raw_last.isdigit() else 0
    response = StreamingHttpResponse(
        live.order_stream(order_id=order.pk, last_id=last_id),
        content_type="text/event-stream; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache, no-transform"
    # No buffering behind nginx; no-transform keeps proxies from compressing the stream.
    response["X-Accel-Buffering"] = "no"
    return response


@require_POST
def timeline_alerts(request: HttpRequest, number: str) -> HttpResponse:
    """The buyer picks the milestones they are e-mailed about."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("production:timeline", kwargs={"number": number}))
    order = _buyer_order(request, number)
    services.tracking_preferences_set(
        number=order.number,
        customer_id=request.user.pk,
        milestones=request.POST.getlist("etapes"),
    )
    messages.success(request, _("Vos choix d'alertes sont enregistrés."))
    return redirect(reverse("production:timeline", kwargs={"number": order.number}) + "#alertes")


@require_POST
def push_subscribe(request: HttpRequest) -> HttpResponse:
    """The browser's Web Push subscription (``PushSubscription.toJSON()``), for the signed-in
    buyer who opted in; 400 with a stable code when it is not one."""
    if not request.user.is_authenticated:
        return JsonResponse(
            {"error": {"code": "not_signed_in", "message": _("Connectez-vous.")}}, status=401
        )
    try:
        data = json.loads(request.body or b"{}")
        keys = data.get("keys") or {}
        services.push_subscribe(
            user_id=request.user.pk,
            endpoint=str(data.get("endpoint", "")),
            p256dh=str(keys.get("p256dh", "")),
            auth=str(keys.get("auth", "")),
        )
    except (ValueError, AttributeError):
        return JsonResponse(
            {"error": {"code": "invalid_json", "message": _("Abonnement illisible.")}}, status=400
        )
    except ValidationError as exc:
        return JsonResponse(
            {"error": {"code": exc.code or "push_subscription", "message": exc.messages[0]}},
            status=400,
        )
    return JsonResponse({"subscribed": True}, status=201)


@require_GET
def station_photo(request: HttpRequest, token: str) -> HttpResponseBase:
    """A station photo through its short-lived signed address, to those who may follow the order
    (else 404, as for an expired or forged address)."""
    photo = selectors.station_photo_for_viewer(token=token, user=request.user)
    if photo is None:
        code_lookup_missed(request, "link")
        raise Http404
    response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = f"private, max-age={selectors.PHOTO_URL_SECONDS}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def office(request: HttpRequest) -> HttpResponse:
    """Head office's view across plants: cars per stage, observed step durations against the
    configured ones (charts, with their tables), late cars and how well the ETA windows held."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not getattr(request.user, "is_head_office", False):
        raise PermissionDenied
    overview = selectors.office_overview()
    charts = [
        {
            "code": plant.code,
            "stages": {
                "labels": [stage.label for stage in plant.stages],
                "cars": [stage.cars - stage.on_hold for stage in plant.stages],
                "on_hold": [stage.on_hold for stage in plant.stages],
            },
            "durations": {
                "labels": [d.label for d in plant.durations],
                "typical": [d.typical_hours for d in plant.durations],
                "observed": [
                    None
                    if d.observed_hours is None
                    else [
                        round(max(d.observed_hours - (d.observed_spread or 0), 0), 1),
                        round(d.observed_hours + (d.observed_spread or 0), 1),
                    ]
                    for d in plant.durations
                ],
                "mean": [d.observed_hours for d in plant.durations],
            },
        }
        for plant in overview.plants
    ]
    texts = {
        "cars": _("voitures"),
        "on_hold": _("dont bloquées (qualité)"),
        "typical": _("durée habituelle (heures)"),
        "observed": _("observé : moyenne ± écart type (heures)"),
        "mean": _("moyenne observée (heures)"),
    }
    return render(
        request,
        "production/office.html",
        {
            "overview": overview,
            "charts": charts,
            "texts": texts,
            "window_days": selectors.OFFICE_WINDOW_DAYS,
        },
    )


@require_GET
@dealer_staff_required
def dealer_incoming(request: HttpRequest, dealer_id: int) -> HttpResponse:
    """The dealer's cars on their way, with their ETA and risk (its own only)."""
    rows = selectors.dealer_incoming(dealer_id=dealer_id)
    return render(request, "production/dealer_incoming.html", {"rows": rows})


# --- Handover at the dealer -----------------------------------------------------------------


def _buyer_order(request: HttpRequest, number: str) -> Order:
    """The signed-in buyer's own order; anyone else's is not found."""
    order = selectors.order_for_viewer(number=number, user=request.user)
    if order is None or order.customer_id != request.user.pk:
        code_lookup_missed(request, "order")
        raise Http404
    return order


def _handover_page(
    request: HttpRequest,
    order: Order,
    *,
    upload_form: DocumentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    earliest = selectors.handover_earliest_day(order)
    booking = selectors.handover_current_booking(order)
    todo = selectors.handover_todo(order)
    context = {
        "order": order,
        "booking": booking,
        "slipped": selectors.handover_last_slipped(order)
        if booking is not None and booking.status == HandoverBooking.Status.OFFERED
        else None,
        "earliest": earliest,
        "days": selectors.slots_by_day(
            selectors.handover_free_slots(dealer_id=order.dealer_id, earliest=earliest)
        )
        if earliest is not None and order.status != "delivered"
        else [],
        "todo": todo,
        "upload_form": upload_form or DocumentForm(kinds=[i.key for i in todo if i.by_buyer]),
        "delivered": order.status == "delivered",
    }
    return render(request, "production/handover.html", context, status=status)


@require_GET
def handover(request: HttpRequest, number: str) -> HttpResponse:
    """The buyer's handover: the slot (booked from the ETA) and the to-do list before it."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return _handover_page(request, _buyer_order(request, number))


@require_POST
def handover_book(request: HttpRequest, number: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("production:handover", kwargs={"number": number}))
    order = _buyer_order(request, number)
    try:
        booking = services.handover_book(
            number=order.number,
            customer_id=request.user.pk,
            slot=request.POST.get("creneau", "")[:20],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _handover_page(request, order, status=409 if exc.code == "slot_full" else 400)
    messages.success(
        request,
        _("Remise des clés réservée : %(slot)s.")
        % {"slot": selectors.slot_label(booking.day, booking.half_day)},
    )
    return redirect("production:handover", number=order.number)


@require_POST
def handover_upload(request: HttpRequest, number: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("production:handover", kwargs={"number": number}))
    order = _buyer_order(request, number)
    form = DocumentForm(request.POST, request.FILES)  # the service refuses a kind not asked
    if form.is_valid():
        try:
            services.handover_document_upload(
                number=order.number,
                customer_id=request.user.pk,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            messages.success(request, _("Document déposé : la concession le verra."))
            return redirect("production:handover", number=order.number)
    return _handover_page(request, order, upload_form=form, status=400)


@require_GET
def handover_document(request: HttpRequest, document_id: int) -> HttpResponseBase:
    """A buyer's document, to the buyer and their delivering dealer's staff only (else 404)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    document = selectors.handover_document_for_viewer(document_id=document_id, user=request.user)
    if document is None:
        raise Http404
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["Content-Disposition"] = content_disposition(
        f"{document.kind}-{document.pk}", attachment=False
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _week_start(raw: str) -> dt.date:
    today = timezone.localdate()
    try:
        day = dt.date.fromisoformat(raw) if raw else today
    except ValueError:
        day = today
    if abs((day - today).days) > 730:
        day = today
    return day


@require_GET
@dealer_staff_required
def dealer_handovers(request: HttpRequest, dealer_id: int) -> HttpResponse:
    """The dealer's handover calendar (a day or a week), each buyer's to-do progress, and the
    handovers to replan because a car's ETA slipped past them."""
    view = "jour" if request.GET.get("vue") == "jour" else "semaine"
    start = _week_start(request.GET.get("du", ""))
    if view == "semaine":
        start -= dt.timedelta(days=start.weekday())
    days = 1 if view == "jour" else 7
    context = {
        "view": view,
        "start": start,
        "previous": start - dt.timedelta(days=days),
        "next": start + dt.timedelta(days=days),
        "calendar": selectors.dealer_handover_calendar(dealer_id=dealer_id, start=start, days=days),
        "alerts": selectors.dealer_slip_alerts(dealer_id=dealer_id),
    }
    return render(request, "production/dealer_handovers.html", context)


@require_http_methods(["GET", "POST"])
@dealer_staff_required
def dealer_handover_capacity(request: HttpRequest, dealer_id: int) -> HttpResponse:
    """The dealer sets how many handover bays and staff it has each half-day of the week."""
    form = CapacityForm(
        request.POST or None, initial=selectors.capacity_initial(dealer_id=dealer_id)
    )
    if request.method == "POST" and form.is_valid():
        services.handover_capacity_set(dealer_id=dealer_id, rows=form.rows())
        messages.success(request, _("Capacité de remise enregistrée."))
        return redirect("production:dealer_handovers")
    return render(
        request,
        "production/dealer_capacity.html",
        {"form": form, "rows": form.grid()},
        status=400 if request.method == "POST" else 200,
    )


def _dealer_detail(
    request: HttpRequest, order: Order, *, form: CompleteForm | None = None, status: int = 200
) -> HttpResponse:
    handover_row = selectors.handover_for_order(order)
    context = {
        "order": order,
        "booking": selectors.handover_current_booking(order),
        "todo": selectors.handover_todo(order),
        "handover": handover_row,
        "complete_form": form or CompleteForm(),
        "means": CompleteForm.MEANS,
        "needs_trade_in": selectors.trade_in_to_hand_over(order),
    }
    return render(request, "production/dealer_handover.html", context, status=status)


@require_GET
@dealer_staff_required
def dealer_handover(request: HttpRequest, number: str, dealer_id: int) -> HttpResponse:
    order = selectors.dealer_handover_order(number=number, dealer_id=dealer_id)
    if order is None:
        code_lookup_missed(request, "dealer_order")
        raise Http404
    return _dealer_detail(request, order)


@require_POST
@dealer_staff_required
def dealer_handover_action(
    request: HttpRequest, number: str, action: str, dealer_id: int
) -> HttpResponse:
    """One service call per action; a refusal comes back as a French message."""
    order = selectors.dealer_handover_order(number=number, dealer_id=dealer_id)
    if order is None:
        code_lookup_missed(request, "dealer_order")
        raise Http404
    by = request.user
    try:
        if action == "solde":
            services.handover_confirm_balance(
                number=number, dealer_id=dealer_id, by=by, means=request.POST.get("means", "")
            )
            messages.success(request, _("Solde confirmé."))
        elif action == "identite":
            services.handover_check_identity(number=number, dealer_id=dealer_id, by=by)
            messages.success(request, _("Pièce d'identité vérifiée."))
        elif action == "remise":
            form = CompleteForm(request.POST)
            if not form.is_valid():
                return _dealer_detail(request, order, form=form, status=400)
            services.handover_complete(
                number=number,
                dealer_id=dealer_id,
                by=by,
                trade_in_vin=form.cleaned_data["trade_in_vin"],
                trade_in_price_ttc=form.cleaned_data["trade_in_price"],
            )
            messages.success(request, _("Remise effectuée : la commande est livrée."))
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _dealer_detail(request, order, status=400)
    return redirect("production:dealer_handover", number=number)

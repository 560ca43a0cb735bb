"""Workshop pages: the owner's garage and booking flow, the signed manage link, the dealer's
planning and job page. Each view parses, calls one service or selector, renders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from autovitrine.core.mail import content_disposition
from autovitrine.core.permissions import signed_in_user_id, staff_dealer_id
from autovitrine.core.places import resolve_place
from autovitrine.core.ratelimit import over_limit
from autovitrine.dealers.selectors import active_dealers, dealers_near

from . import services
from .documents import booking_ics, invoice_pdf
from .forms import AddCarForm, CheckInForm, ExtraWorkForm, WalkInForm
from .models import Booking, ExtraWorkQuote, OwnedCar
from .selectors import (
    PARIS,
    car_history,
    customer_booking,
    customer_bookings,
    dealer_bays,
    dealer_booking,
    dealer_planning,
    dealer_technicians,
    free_slots,
    garage_car,
    garage_cars,
    next_maintenance_operation,
    next_service_due,
    operations_for,
    workshop_dealer_ids,
)

ACTIONS_PER_HOUR = 40


def customer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in first; then only owners' accounts (staff use the workshop's own pages)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.kind != request.user.Kind.CUSTOMER:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def workshop_staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A dealer's staff see their own workshop; head office any, named by ``?concession=``."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        dealer_id = staff_dealer_id(request.user)
        if dealer_id is None and getattr(request.user, "is_head_office", False):
            code = request.GET.get("concession", "")
            dealer = active_dealers().filter(code=code).first() if code else None
            if dealer is None:
                raise Http404
            dealer_id = dealer.pk
        if dealer_id is None:
            raise PermissionDenied
        return view(request, *args, dealer_id=dealer_id, **kwargs)

    return wrapper


def _limited(request: HttpRequest, scope: str) -> bool:
    return over_limit(
        f"workshop:{scope}:{request.user.pk}", limit=ACTIONS_PER_HOUR, window_seconds=3600
    )


def _own_car(request: HttpRequest, car_id: int) -> OwnedCar:
    car = garage_car(owner_id=signed_in_user_id(request), car_id=car_id)
    if car is None:
        raise Http404
    return car


def _own_booking(request: HttpRequest, number: str) -> Booking:
    booking = customer_booking(customer_id=signed_in_user_id(request), number=number)
    if booking is None:
        raise Http404
    return booking


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- The owner ---------------------------------------------------------------------------------
@customer_required
@require_http_methods(["GET", "POST"])
def garage(request: HttpRequest) -> HttpResponse:
    services.garage_sync_orders(owner_id=signed_in_user_id(request))
    form = AddCarForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            car = services.garage_add_car(
                owner_id=signed_in_user_id(request),
                plate=data["plate"],
                vin=data["vin"],
                version_id=data["version"].pk if data["version"] else None,
                year=data["year"],
                mileage_km=data["mileage_km"],
                last_service_on=data["last_service_on"],
                last_service_km=data["last_service_km"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Véhicule ajouté à votre garage."))
            return redirect("workshop:car", car_id=car.pk)
    cars = [
        (car, next_service_due(car)) for car in garage_cars(owner_id=signed_in_user_id(request))
    ]
    return render(
        request,
        "workshop/garage.html",
        {
            "form": form,
            "cars": cars,
            "bookings": customer_bookings(customer_id=signed_in_user_id(request))[:20],
        },
        status=422 if form.errors else 200,
    )


@customer_required
@require_GET
def car_detail(request: HttpRequest, car_id: int) -> HttpResponse:
    car = _own_car(request, car_id)
    return render(
        request,
        "workshop/car.html",
        {
            "car": car,
            "due": next_service_due(car),
            "history": car_history(car_id=car.pk),
            "suggested": next_maintenance_operation(car),
        },
    )


def _workshops_for(car: OwnedCar, place_text: str) -> tuple[list, str]:
    """Dealers taking workshop bookings: nearest first when the owner names a place (the
    selling dealer is highlighted in the list), else the selling dealer first."""
    place = resolve_place(place_text) if place_text.strip() else None
    if place is not None:
        near = dealers_near(
            latitude=place.latitude, longitude=place.longitude, limit=20, services=("workshop",)
        )
        dealers = [n.dealer for n in near]
    else:
        dealers = list(active_dealers().filter(has_workshop=True).order_by("name")[:50])
        dealers.sort(key=lambda d: d.pk != car.selling_dealer_id)
    with_terms = workshop_dealer_ids([d.pk for d in dealers])
    error = "" if place is not None or not place_text.strip() else _("Lieu inconnu.")
    return [d for d in dealers if d.pk in with_terms], error


@customer_required
@require_GET
def book(request: HttpRequest, car_id: int) -> HttpResponse:
    """Step 1–3: operations → dealer → option, then the free slots with the fixed price."""
    car = _own_car(request, car_id)
    operations = list(operations_for(car))
    chosen = [int(x) for x in request.GET.getlist("op") if x.isdigit()]
    dealers, place_error = _workshops_for(car, request.GET.get("ville", "")[:100])
    dealer_id = request.GET.get("concession", "")
    option = request.GET.get("option", Booking.Option.DROP_OFF)
    context: dict[str, Any] = {
        "car": car,
        "operations": operations,
        "chosen": chosen,
        "dealers": dealers,
        "dealer_id": int(dealer_id) if dealer_id.isdigit() else None,
        "option": option,
        "options": Booking.Option.choices,
        "ville": request.GET.get("ville", "")[:100],
        "error": place_error,
    }
    if chosen and context["dealer_id"] in {d.pk for d in dealers}:
        try:
            found = free_slots(
                dealer_id=context["dealer_id"], operation_ids=chosen, car=car, option=option
            )
        except ValidationError as error:
            context["error"] = _errors(error)
        else:
            days: dict[dt.date, list[dt.datetime]] = {}
            for slot in found.slots:
                days.setdefault(slot.date(), []).append(slot)
            context.update(found=found, days=sorted(days.items()))
    return render(request, "workshop/book.html", context)


@customer_required
@require_POST
def hold(request: HttpRequest, car_id: int) -> HttpResponse:
    car = _own_car(request, car_id)
    if _limited(request, "hold"):
        return render(request, "workshop/error.html", {"error": _("Trop de demandes.")}, status=429)
    starts_at = parse_datetime(request.POST.get("slot", ""))
    ops = [int(x) for x in request.POST.getlist("op") if x.isdigit()]
    dealer_id = request.POST.get("concession", "")
    if starts_at is None or not dealer_id.isdigit():
        return render(
            request, "workshop/error.html", {"error": _("Choisissez un créneau.")}, status=422
        )
    try:
        booking = services.booking_hold(
            customer_id=signed_in_user_id(request),
            dealer_id=int(dealer_id),
            operation_ids=ops,
            starts_at=starts_at.astimezone(PARIS)
            if starts_at.tzinfo
            else starts_at.replace(tzinfo=PARIS),
            option=request.POST.get("option", Booking.Option.DROP_OFF),
            car=car,
        )
    except ValidationError as error:
        return render(request, "workshop/error.html", {"error": _errors(error)}, status=409)
    return redirect("workshop:booking", number=booking.number)


@customer_required
@require_GET
def booking_detail(request: HttpRequest, number: str) -> HttpResponse:
    booking = _own_booking(request, number)
    return render(
        request,
        "workshop/booking.html",
        {
            "booking": booking,
            "lines": booking.lines.order_by("is_extra", "pk"),
            "quotes": booking.quotes.order_by("pk"),
            "events": booking.events.order_by("created_at", "pk"),
            "deadline": services.cancel_deadline(booking),
            "manage_token": services.booking_token(booking),
        },
    )


@customer_required
@require_POST
def booking_confirm(request: HttpRequest, number: str) -> HttpResponse:
    booking = _own_booking(request, number)
    try:
        services.booking_confirm(booking=booking)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("Rendez-vous confirmé : l'invitation part par e-mail."))
    return redirect("workshop:booking", number=number)


@customer_required
@require_POST
def quote_answer(request: HttpRequest, number: str, quote_id: int) -> HttpResponse:
    booking = _own_booking(request, number)
    quote = ExtraWorkQuote.objects.filter(pk=quote_id, booking=booking).first()
    if quote is None:
        raise Http404
    try:
        services.quote_answer(quote=quote, accept=request.POST.get("answer") == "accept")
    except ValidationError as error:
        messages.error(request, _errors(error))
    return redirect("workshop:booking", number=number)


@customer_required
@require_GET
def booking_calendar(request: HttpRequest, number: str) -> HttpResponse:
    booking = _own_booking(request, number)
    response = HttpResponse(booking_ics(booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition(
        f"rendez-vous-{number}.ics", attachment=True
    )
    return response


@customer_required
@require_GET
def booking_invoice(request: HttpRequest, number: str) -> HttpResponse:
    booking = _own_booking(request, number)
    if booking.status != Booking.Status.COLLECTED:
        raise Http404
    response = HttpResponse(invoice_pdf(booking), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(f"facture-{number}.pdf", attachment=False)
    return response


@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    """Cancel or move a booking from the e-mail's signed link, without signing in."""
    booking = services.booking_from_token(token)
    if booking is None:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "cancel":
                services.booking_cancel(booking=booking)
                messages.success(request, _("Rendez-vous annulé."))
            else:
                moment = parse_datetime(request.POST.get("slot", ""))
                if moment is None:
                    raise ValidationError(_("Choisissez un créneau."))
                services.booking_reschedule(
                    booking=booking,
                    starts_at=moment if moment.tzinfo else moment.replace(tzinfo=PARIS),
                )
                messages.success(request, _("Rendez-vous déplacé."))
            return redirect("workshop:manage", token=token)
        except ValidationError as err:
            error = _errors(err)
    slots: list[dt.datetime] = []
    if booking.status == Booking.Status.CONFIRMED:
        ops = sorted(
            set(booking.lines.exclude(operation=None).values_list("operation_id", flat=True))
        )
        try:
            slots = free_slots(
                dealer_id=booking.dealer_id, operation_ids=ops, car=booking.car
            ).slots[:40]
        except ValidationError:
            slots = []
    return render(
        request,
        "workshop/manage.html",
        {
            "booking": booking,
            "slots": slots,
            "deadline": services.cancel_deadline(booking),
            "error": error,
            "open": timezone.now() <= services.cancel_deadline(booking),
        },
        status=409 if error else 200,
    )


# --- The workshop ------------------------------------------------------------------------------
@workshop_staff_required
@require_http_methods(["GET", "POST"])
def planning(request: HttpRequest, dealer_id: int) -> HttpResponse:
    day = parse_date(request.GET.get("jour", "")) or timezone.localdate()
    week = request.GET.get("vue") == "semaine"
    first = day - dt.timedelta(days=day.weekday()) if week else day
    form = WalkInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ops = [int(x) for x in request.POST.getlist("op") if x.isdigit()]
        starts = form.cleaned_data["starts_at"]
        try:
            booking = services.walk_in_create(
                dealer_id=dealer_id,
                label=form.cleaned_data["label"],
                operation_ids=ops,
                starts_at=starts.astimezone(PARIS),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(_dealer_url(request, "workshop:dealer_booking", booking.number))
    return render(
        request,
        "workshop/planning.html",
        {
            "rows": dealer_planning(dealer_id=dealer_id, first_day=first, days=7 if week else 1),
            "first": first,
            "week": week,
            "form": form,
            "operations": operations_for(None),
            "concession": request.GET.get("concession", ""),
        },
        status=422 if form.errors else 200,
    )


def _dealer_url(request: HttpRequest, name: str, number: str) -> str:
    from django.urls import reverse

    url = reverse(name, kwargs={"number": number})
    code = request.GET.get("concession")
    return f"{url}?concession={code}" if code else url


@workshop_staff_required
@require_http_methods(["GET", "POST"])
def dealer_booking_detail(request: HttpRequest, number: str, dealer_id: int) -> HttpResponse:
    booking = dealer_booking(dealer_id=dealer_id, number=number)
    if booking is None:
        raise Http404
    checkin = CheckInForm(request.POST if request.POST.get("action") == "checkin" else None)
    extra = ExtraWorkForm(request.POST if request.POST.get("action") == "quote" else None)
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "checkin" and checkin.is_valid():
                services.booking_check_in(booking=booking, **checkin.cleaned_data)
            elif action == "quote" and extra.is_valid():
                services.quote_propose(
                    booking=booking,
                    description=extra.cleaned_data["description"],
                    amount_ht=int(extra.cleaned_data["amount_eur"] * 100),
                )
            elif action == "reassign":
                tech = request.POST.get("technician", "")
                bay = request.POST.get("bay", "")
                if not (tech.isdigit() and bay.isdigit()):
                    raise ValidationError(_("Choisissez un technicien et un poste."))
                services.booking_reassign(booking=booking, technician_id=int(tech), bay_id=int(bay))
            elif action == "status":
                services.booking_set_status(booking=booking, status=request.POST.get("status", ""))
            else:
                raise ValidationError(_("Formulaire incomplet."))
        except ValidationError as err:
            error = _errors(err)
        else:
            return redirect(_dealer_url(request, "workshop:dealer_booking", number))
    return render(
        request,
        "workshop/dealer_booking.html",
        {
            "booking": booking,
            "lines": booking.lines.order_by("is_extra", "pk"),
            "quotes": booking.quotes.order_by("pk"),
            "next_statuses": [
                (value, label)
                for value, label in Booking.Status.choices
                if value in Booking.TRANSITIONS.targets(booking.status)
                and value not in ("extra_proposed", "received")
            ],
            "technicians": dealer_technicians(dealer_id=dealer_id),
            "bays": dealer_bays(dealer_id=dealer_id),
            "checkin": checkin,
            "extra": extra,
            "error": error,
        },
        status=422 if error else 200,
    )

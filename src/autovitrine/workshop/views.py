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
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from autovitrine.core.mail import content_disposition
from autovitrine.core.permissions import signed_in_user_id, staff_dealer_id
from autovitrine.core.places import resolve_place
from autovitrine.core.ratelimit import code_lookup_missed, over_limit, wait_message
from autovitrine.dealers.selectors import active_dealers, dealer_in_charge_id, dealers_near

from . import services
from .documents import booking_ics, invoice_pdf
from .forms import AddCarForm, CheckInForm, ExtraWorkForm, WalkInForm, WorkshopTermsForm
from .models import Booking, ExtraWorkQuote, OwnedCar
from .selectors import (
    PARIS,
    booking_part_choices,
    booking_photo,
    booking_stages,
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
    offered_options,
    operations_for,
    workshop_dealer_ids,
    workshop_settings,
)

ACTIONS_PER_HOUR = 40


def customer_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Sign-in first; then only owners' accounts (staff use the workshop's own pages)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.kind != request.user.Kind.CUSTOMER:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def workshop_staff_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """A dealer's staff see their own workshop; head office any, named by ``?concession=``."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        code = request.GET.get("concession", "")
        if (
            not code
            and request.method == "GET"
            and getattr(request.user, "is_head_office", False)
            and staff_dealer_id(request.user) is None
        ):
            # Head office names no dealer: pick one (links to ``?concession=<code>``).
            return render(
                request,
                "web/choose_dealer.html",
                {"title": _("Atelier"), "dealers": active_dealers().order_by("name")},
            )
        dealer_id = dealer_in_charge_id(request.user, code=code)
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
        code_lookup_missed(request, "booking")
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
    chosen_dealer = int(dealer_id) if dealer_id.isdigit() else None
    shown = chosen_dealer if chosen_dealer in {d.pk for d in dealers} else None
    shown = shown or (dealers[0].pk if dealers else None)
    terms = workshop_settings(shown) if shown else None
    # Only the options the dealer whose slots are shown offers (the others would be refused).
    offered = offered_options(terms) if terms else [Booking.Option.DROP_OFF]
    option_error = ""
    if option not in offered:
        if "option" in request.GET:
            option_error = _(
                "Cette concession ne propose pas cette option : créneaux pour un dépôt du véhicule."
            )
        option = Booking.Option.DROP_OFF
    context: dict[str, Any] = {
        "car": car,
        "operations": operations,
        "chosen": chosen,
        "dealers": dealers,
        "dealer_id": chosen_dealer,
        "option": option,
        "options": [(value, label) for value, label in Booking.Option.choices if value in offered],
        "ville": request.GET.get("ville", "")[:100],
        "error": place_error or option_error,
    }
    if chosen and context["dealer_id"] in {d.pk for d in dealers}:
        try:
            found = free_slots(
                dealer_id=context["dealer_id"], operation_ids=chosen, car=car, option=option
            )
        except ValidationError as error:
            context["error"] = _errors(error)
        else:
            if option == Booking.Option.WAIT and terms and found.minutes > terms.wait_max_minutes:
                context["error"] = _(
                    "Ces travaux sont trop longs pour attendre sur place : choisissez une autre "
                    "option."
                )
                return render(request, "workshop/book.html", context)
            context.update(found=found, days=_by_day(found.slots))
    return render(request, "workshop/book.html", context)


def _by_day(slots: list[dt.datetime]) -> list[tuple[dt.date, list[dt.datetime]]]:
    """Times grouped by their Paris day, for the one-day-per-section pickers."""
    days: dict[dt.date, list[dt.datetime]] = {}
    for slot in slots:
        days.setdefault(timezone.localtime(slot).date(), []).append(slot)
    return sorted(days.items())


@customer_required
@require_POST
def hold(request: HttpRequest, car_id: int) -> HttpResponse:
    car = _own_car(request, car_id)
    if _limited(request, "hold"):
        # Issue 10: a 429 says in French how long to wait (Retry-After: core.security_headers).
        return render(request, "workshop/error.html", {"error": wait_message()}, status=429)
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


# A slot still held, or a booking that ended before the visit: no job to follow.
NOT_A_JOB = {Booking.Status.HELD, Booking.Status.CANCELLED, Booking.Status.EXPIRED}


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
            "stages": []
            if booking.status in NOT_A_JOB
            else booking_stages(
                booking,
                photo_url=lambda pk: reverse("workshop:photo", args=[booking.number, pk]),
            ),
            "deadline": services.cancel_deadline(booking),
            "manage_token": services.booking_token(booking),
            # The owner's own photos, beside the form that sends them; the workshop's are on
            # the stage they were taken in.
            "photos": booking.photos.filter(by_owner=True).order_by("created_at", "pk"),
            "can_send_photos": booking.status in services.OWNER_PHOTO_STATUSES,
            "part_choices": booking_part_choices(booking)
            if booking.status == Booking.Status.CONFIRMED
            else [],
        },
    )


def _photo_response(booking: Booking, photo_id: int) -> FileResponse:
    photo = booking_photo(booking=booking, photo_id=photo_id)
    if photo is None:
        raise Http404
    extension = (photo.image.name or "").rsplit(".", 1)[-1]
    content_type = {"png": "image/png", "webp": "image/webp"}.get(extension, "image/jpeg")
    response = FileResponse(photo.image.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@customer_required
@require_GET
def booking_photo_file(request: HttpRequest, number: str, photo_id: int) -> HttpResponseBase:
    return _photo_response(_own_booking(request, number), photo_id)


@customer_required
@require_POST
def booking_photo_send(request: HttpRequest, number: str) -> HttpResponse:
    """The owner sends photos before the visit (the damage to estimate for bodywork)."""
    booking = _own_booking(request, number)
    uploads = request.FILES.getlist("photos")[:5]
    if not uploads:
        messages.error(request, _("Choisissez au moins une photo."))
    elif _limited(request, "photo"):
        messages.error(request, _("Trop de demandes."))
    else:
        try:
            for upload in uploads:
                services.booking_photo_add(
                    booking=booking,
                    upload=upload,
                    caption=request.POST.get("legende", "")[:120],
                    by_owner=True,
                )
        except ValidationError as error:
            messages.error(request, _errors(error))
        else:
            messages.success(request, _("Photos envoyées à l'atelier."))
    return redirect("workshop:booking", number=number)


@customer_required
@require_POST
def booking_add_part(request: HttpRequest, number: str) -> HttpResponse:
    """Add a compatible part in the dealer's stock to the job, to be fitted."""
    booking = _own_booking(request, number)
    if _limited(request, "part"):
        messages.error(request, _("Trop de demandes."))
        return redirect("workshop:booking", number=number)
    quantity = request.POST.get("quantite", "1")
    try:
        if not quantity.isdigit() or len(quantity) > 3:
            raise ValidationError(_("Quantité invalide."))
        line = services.booking_add_part(
            booking=booking,
            reference=request.POST.get("reference", "")[:30],
            quantity=int(quantity),
        )
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(
            request, _("%(label)s ajoutée à votre rendez-vous.") % {"label": line.label}
        )
    return redirect("workshop:booking", number=number)


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
        code_lookup_missed(request, "link")
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
            # The same option: a loan-car booking is only offered times with a loan car free.
            slots = free_slots(
                dealer_id=booking.dealer_id,
                operation_ids=ops,
                car=booking.car,
                option=booking.option,
            ).slots
        except ValidationError:
            slots = []
    return render(
        request,
        "workshop/manage.html",
        {
            "booking": booking,
            "slots": slots,
            "days": _by_day(slots),
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
    url = reverse(name, kwargs={"number": number})
    code = request.GET.get("concession")
    return f"{url}?concession={code}" if code else url


@workshop_staff_required
@require_http_methods(["GET", "POST"])
def dealer_booking_detail(request: HttpRequest, number: str, dealer_id: int) -> HttpResponse:
    booking = dealer_booking(dealer_id=dealer_id, number=number)
    if booking is None:
        code_lookup_missed(request, "dealer_booking")
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
                    labour_minutes=extra.cleaned_data["labour_minutes"] or 0,
                )
            elif action == "reassign":
                tech = request.POST.get("technician", "")
                bay = request.POST.get("bay", "")
                if not (tech.isdigit() and bay.isdigit()):
                    raise ValidationError(_("Choisissez un technicien et un poste."))
                services.booking_reassign(booking=booking, technician_id=int(tech), bay_id=int(bay))
            elif action == "photo":
                upload = request.FILES.get("photo")
                if upload is None:
                    raise ValidationError(_("Choisissez une photo."))
                services.booking_photo_add(
                    booking=booking,
                    upload=upload,
                    caption=request.POST.get("legende", "")[:120],
                    by_owner=False,
                )
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
            "photos": booking.photos.order_by("created_at", "pk"),
            "technicians": dealer_technicians(dealer_id=dealer_id),
            "bays": dealer_bays(dealer_id=dealer_id),
            "checkin": checkin,
            "extra": extra,
            "error": error,
        },
        status=422 if error else 200,
    )


@workshop_staff_required
@require_GET
def dealer_booking_photo(
    request: HttpRequest, number: str, photo_id: int, dealer_id: int
) -> HttpResponseBase:
    booking = dealer_booking(dealer_id=dealer_id, number=number)
    if booking is None:
        code_lookup_missed(request, "dealer_booking")
        raise Http404
    return _photo_response(booking, photo_id)


# Roles that set the workshop's prices (sales staff do not).
TERMS_ROLES = ("aftersales", "manager")


@workshop_staff_required
@require_http_methods(["GET", "POST"])
def terms(request: HttpRequest, dealer_id: int) -> HttpResponse:
    """The dealer's workshop terms: hourly rate, promotion, options, cancel deadline."""
    staff = getattr(request.user, "dealer_staff", None)
    if staff is not None and staff.role not in TERMS_ROLES:
        raise PermissionDenied
    current = workshop_settings(dealer_id)
    initial = (
        {
            "hourly_rate_eur": current.hourly_rate_ht / 100,
            "labour_discount_pct": current.labour_discount_pct,
            "offers_wait": current.offers_wait,
            "wait_max_minutes": current.wait_max_minutes,
            "offers_loan_car": current.offers_loan_car,
            "offers_pickup": current.offers_pickup,
            "pickup_price_eur": current.pickup_price_ht / 100,
            "cancel_deadline_hours": current.cancel_deadline_hours,
            "slot_step_minutes": current.slot_step_minutes,
        }
        if current
        else {"labour_discount_pct": 0, "wait_max_minutes": 90, "pickup_price_eur": 0}
        | {"cancel_deadline_hours": 24, "slot_step_minutes": 30, "offers_wait": True}
    )
    form = WorkshopTermsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.workshop_terms_update(
                dealer_id=dealer_id,
                hourly_rate_ht=round(data["hourly_rate_eur"] * 100),
                labour_discount_pct=data["labour_discount_pct"],
                offers_wait=data["offers_wait"],
                wait_max_minutes=data["wait_max_minutes"],
                offers_loan_car=data["offers_loan_car"],
                offers_pickup=data["offers_pickup"],
                pickup_price_ht=round(data["pickup_price_eur"] * 100),
                cancel_deadline_hours=data["cancel_deadline_hours"],
                slot_step_minutes=data["slot_step_minutes"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Réglages de l'atelier enregistrés."))
            return redirect(request.get_full_path())
    return render(
        request,
        "workshop/terms.html",
        {"form": form, "concession": request.GET.get("concession", "")},
        status=422 if form.errors else 200,
    )


@workshop_staff_required
@require_GET
def dealer_checkin_signature(request: HttpRequest, number: str, dealer_id: int) -> HttpResponseBase:
    booking = dealer_booking(dealer_id=dealer_id, number=number)
    if booking is None or not booking.checkin_signature:
        raise Http404
    response = FileResponse(booking.checkin_signature.open("rb"), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response

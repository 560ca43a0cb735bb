"""Parts pages: search (by reference or for my car), a part at a dealer with "Réserver" (the
page a label's QR code opens), my reservations, and the dealer's A4 label sheets."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from autovitrine.core.mail import content_disposition
from autovitrine.core.money import Price
from autovitrine.core.permissions import staff_dealer_id
from autovitrine.core.ratelimit import over_limit
from autovitrine.dealers.selectors import active_dealers, dealer_by_id, dealer_in_charge_id

from .documents import label_sheet_pdf, part_qr_svg
from .models import Part
from .selectors import (
    customer_reservations,
    dealer_reservation,
    dealer_reservations,
    dealer_stock,
    part_by_reference,
    search_parts,
)
from .services import reservation_cancel, reservation_collect, reservation_create

RESERVATIONS_PER_HOUR = 20


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:80]
    car_model = _int(request.GET.get("modele"))
    year = _int(request.GET.get("annee"))
    dealer = active_dealers().filter(code=request.GET.get("concession", "")).first()
    hits = (
        search_parts(
            query=q,
            car_model_id=car_model,
            powertrain=request.GET.get("motorisation", "")[:80],
            year=year,
            dealer_id=dealer.pk if dealer else None,
        )
        if q or car_model
        else []
    )
    rows = [(hit, Price.from_ht(hit.price_ht).ttc) for hit in hits]
    return render(
        request,
        "parts/search.html",
        {
            "q": q,
            "rows": rows,
            "dealer": dealer,
            "for_car": car_model is not None,
            # The dealer chooser: its stock and "Réserver" (a staff member's own first).
            "dealers": active_dealers().order_by("name").only("code", "name", "city"),
            "own_dealer_id": staff_dealer_id(request.user),
        },
    )


def _part_url(dealer_code: str, reference: str) -> str:
    return reverse("parts:at_dealer", kwargs={"dealer_code": dealer_code, "reference": reference})


@require_http_methods(["GET", "POST"])
def part_at_dealer(request: HttpRequest, dealer_code: str, reference: str) -> HttpResponse:
    dealer = active_dealers().filter(code=dealer_code).first()
    part = part_by_reference(reference)
    if dealer is None or part is None:
        raise Http404
    error = ""
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.kind != request.user.Kind.CUSTOMER:
            raise PermissionDenied
        if over_limit(
            f"parts:reserve:{request.user.pk}", limit=RESERVATIONS_PER_HOUR, window_seconds=3600
        ):
            error = _("Trop de réservations : réessayez plus tard.")
        else:
            try:
                quantity = _int(request.POST.get("quantite", "1")) or 0
                reservation = reservation_create(
                    customer_id=request.user.pk, dealer_id=dealer.pk, part=part, quantity=quantity
                )
            except ValidationError as err:
                error = " ".join(err.messages)
            else:
                messages.success(
                    request,
                    _("Réservation %(n)s : à retirer sous 48 h chez %(d)s.")
                    % {"n": reservation.number, "d": dealer.name},
                )
                return redirect("parts:mine")
    return render(
        request,
        "parts/part.html",
        {
            "part": part,
            "dealer": dealer,
            "ttc": Price.from_ht(part.price_ht).ttc,
            "stock": dealer_stock(dealer_id=dealer.pk, part_id=part.pk),
            "qr": part_qr_svg(request.build_absolute_uri(_part_url(dealer.code, part.reference))),
            "error": error,
        },
        status=409 if error else 200,
    )


@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.user.kind != request.user.Kind.CUSTOMER:
        raise PermissionDenied
    return render(
        request,
        "parts/mine.html",
        {"reservations": customer_reservations(customer_id=request.user.pk)[:50]},
    )


def _head_office_chooser(request: HttpRequest, title: str) -> HttpResponse | None:
    """Head office names no dealer: the page lists the dealers to pick from (each a link to the
    same page with ``?concession=<code>``) instead of failing."""
    if (
        getattr(request.user, "is_head_office", False)
        and staff_dealer_id(request.user) is None
        and not request.GET.get("concession")
    ):
        return render(
            request,
            "web/choose_dealer.html",
            {"title": title, "dealers": active_dealers().order_by("name")},
        )
    return None


def _counter_dealer_id(request: HttpRequest) -> int:
    """The parts counter's dealer (``?concession=<code>`` for head office)."""
    return dealer_in_charge_id(request.user, code=request.GET.get("concession", ""))


@require_http_methods(["GET", "POST"])
def counter_reservations(request: HttpRequest) -> HttpResponse:
    """The dealer's parts counter: reservations to hand over (or to fit at a workshop job),
    marked handed over, or cancelled (the units go back on the shelf)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.method == "GET" and (chooser := _head_office_chooser(request, _("Comptoir pièces"))):
        return chooser
    dealer_id = _counter_dealer_id(request)
    if request.method == "POST":
        reservation = dealer_reservation(dealer_id=dealer_id, number=request.POST.get("numero", ""))
        if reservation is None:
            raise Http404
        if reservation.booking_number:
            # Fitted at the workshop job: the booking's own statuses close it.
            messages.error(request, _("Cette pièce suit le rendez-vous atelier."))
            return redirect(request.get_full_path())
        if request.POST.get("action") == "collect":
            done = reservation_collect(reservation=reservation)
            text = _("Réservation %(n)s remise au client.")
        else:
            done = reservation_cancel(reservation=reservation)
            text = _("Réservation %(n)s annulée : pièces remises en stock.")
        if done:
            messages.success(request, text % {"n": reservation.number})
        else:
            messages.error(request, _("Cette réservation n'est plus en cours."))
        return redirect(request.get_full_path())
    return render(
        request,
        "parts/counter.html",
        {
            "dealer": dealer_by_id(dealer_id),
            "reservations": dealer_reservations(dealer_id=dealer_id)[:200],
        },
    )


@require_GET
def label_sheet(request: HttpRequest) -> HttpResponse:
    """A4 sheets of 24 labels (QR + reference + price TTC) for the dealer's parts."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if chooser := _head_office_chooser(request, _("Étiquettes des pièces")):
        return chooser
    dealer_id = _counter_dealer_id(request)
    dealer = dealer_by_id(dealer_id)
    refs = [r for r in request.GET.get("refs", "").split(",") if r][:240]
    parts = (
        list(Part.objects.filter(reference__in=refs).order_by("reference"))
        if refs
        else list(
            Part.objects.filter(stocks__dealer_id=dealer_id, stocks__quantity__gt=0).order_by(
                "reference"
            )[:240]
        )
    )
    urls = {p.pk: request.build_absolute_uri(_part_url(dealer.code, p.reference)) for p in parts}
    response = HttpResponse(label_sheet_pdf(parts, urls), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition("etiquettes.pdf", attachment=False)
    return response

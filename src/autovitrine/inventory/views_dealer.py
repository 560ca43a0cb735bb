"""The dealer's own stock: list and search, add and edit a vehicle, change its status, print its
window sticker. Every vehicle is looked up within the signed-in staff member's dealer."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from autovitrine.catalog.selectors import Gearbox, label_for, malus_scale_on
from autovitrine.core.money import format_eur
from autovitrine.core.permissions import dealer_staff_required

from .forms_dealer import StockFilterForm, VehicleForm, VehicleStatusForm
from .models import StockVehicle, VehiclePhoto
from .selectors import dealer_stock
from .services import (
    in_flash_sale_message,
    vehicle_create,
    vehicle_qr_svg,
    vehicle_qr_url,
    vehicle_set_status,
    vehicle_update,
)

STOCK_PER_PAGE = 25


@dataclass(frozen=True, slots=True)
class StockRow:
    vehicle: StockVehicle
    price: str
    photo: VehiclePhoto | None


def _dealer_vehicle_or_404(*, dealer_id: int, vehicle_id: int) -> StockVehicle:
    vehicle = (
        dealer_stock(dealer_id=dealer_id)
        .select_related("dealer", "version")
        .filter(pk=vehicle_id)
        .first()
    )
    if vehicle is None:
        raise Http404(_("Ce véhicule n'est pas dans le stock de votre concession."))
    return vehicle


def _main_photo(vehicle: StockVehicle) -> VehiclePhoto | None:
    return next(iter(vehicle.photos.all()), None)  # prefetched, ordered by position


@dealer_staff_required
def stock_list(request: HttpRequest, *, dealer_id: int) -> HttpResponse:
    filters = StockFilterForm(request.GET)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    vehicles = filters.search(
        dealer_stock(dealer_id=dealer_id, status=chosen.get("status") or None)
    )
    page = Paginator(vehicles, STOCK_PER_PAGE).get_page(request.GET.get("page"))
    rows = [StockRow(v, format_eur(v.price_ttc), _main_photo(v)) for v in page.object_list]
    kept_filters = urlencode({name: value for name, value in chosen.items() if value})
    context = {"filters": filters, "page": page, "rows": rows, "kept_filters": kept_filters}
    return render(request, "inventory/dealer/stock_list.html", context)


@dealer_staff_required
def vehicle_add(request: HttpRequest, *, dealer_id: int) -> HttpResponse:
    extras_url = reverse("inventory:dealer_vehicle_add")
    if request.method == "POST":
        form = VehicleForm(request.POST, request.FILES, extras_url=extras_url)
        if form.is_valid():
            try:
                vehicle = vehicle_create(
                    dealer_id=dealer_id,
                    data=form.vehicle_data(),
                    by=request.user,
                    photos=form.cleaned_data["photos"],
                    option_ids=[option.pk for option in form.cleaned_data["options"]],
                )
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, _("Véhicule ajouté au stock."))
                if form.vin_warning:
                    messages.warning(request, form.vin_warning)
                return redirect("inventory:dealer_vehicle_edit", vehicle_id=vehicle.pk)
    else:
        initial = {
            "condition": StockVehicle.Condition.NEW,
            "mileage_km": 0,
            "version": request.GET.get("version"),
        }
        form = VehicleForm(initial=initial, extras_url=extras_url)
    return render(request, "inventory/dealer/vehicle_form.html", {"form": form, "vehicle": None})


@dealer_staff_required
def vehicle_edit(request: HttpRequest, *, vehicle_id: int, dealer_id: int) -> HttpResponse:
    vehicle = _dealer_vehicle_or_404(dealer_id=dealer_id, vehicle_id=vehicle_id)
    extras_url = reverse("inventory:dealer_vehicle_edit", kwargs={"vehicle_id": vehicle.pk})
    if request.method == "POST":
        form = VehicleForm(request.POST, request.FILES, vehicle=vehicle, extras_url=extras_url)
        if form.is_valid():
            try:
                vehicle_update(
                    vehicle=vehicle,
                    data=form.vehicle_data(),
                    photos=form.cleaned_data["photos"],
                    option_ids=[option.pk for option in form.cleaned_data["options"]],
                    photo_order=form.photo_order(),
                )
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, _("Véhicule enregistré."))
                if form.vin_warning:
                    messages.warning(request, form.vin_warning)
                return redirect("inventory:dealer_vehicle_edit", vehicle_id=vehicle.pk)
    else:
        initial = VehicleForm.initial_for(vehicle)
        if "version" in request.GET:
            initial["version"] = request.GET["version"]
        form = VehicleForm(initial=initial, vehicle=vehicle, extras_url=extras_url)
    context = {"form": form, "vehicle": vehicle, "status_form": VehicleStatusForm(vehicle=vehicle)}
    return render(request, "inventory/dealer/vehicle_form.html", context)


@dealer_staff_required
def vehicle_status(request: HttpRequest, *, vehicle_id: int, dealer_id: int) -> HttpResponse:
    vehicle = _dealer_vehicle_or_404(dealer_id=dealer_id, vehicle_id=vehicle_id)
    form = VehicleStatusForm(request.POST or None, vehicle=vehicle)
    refusal = ""
    if vehicle.status == StockVehicle.Status.FLASH_SALE:
        # Owned by a live flash sale: nothing to choose until the sale lets the car go.
        refusal, form = in_flash_sale_message(), VehicleStatusForm(vehicle=vehicle)
    elif request.method == "POST" and form.is_valid():
        expected, to_status = form.cleaned_data["expected_status"], form.cleaned_data["to_status"]
        try:
            vehicle_set_status(
                vehicle_id=vehicle.pk,
                to_status=to_status,
                by=request.user,
                reason=form.cleaned_data["reason"],
                expected_dealer_id=dealer_id,
                expected_status=expected,
            )
        except ValidationError as exc:
            vehicle.refresh_from_db(fields=["status"])
            if vehicle.status != expected:
                refusal = _(
                    "Le statut de ce véhicule a été modifié entre-temps : il est maintenant "
                    "« %(status)s ». Rien n'a été changé ; vérifiez avant de recommencer."
                ) % {"status": vehicle.get_status_display()}
            else:
                refusal = " ".join(exc.messages)
            form = VehicleStatusForm(vehicle=vehicle)
        else:
            messages.success(
                request,
                _("Statut mis à jour : « %(status)s ».")
                % {"status": StockVehicle.Status(to_status).label},
            )
            return redirect("inventory:dealer_vehicle_edit", vehicle_id=vehicle.pk)
    context = {"vehicle": vehicle, "form": form, "refusal": refusal}
    return render(
        request,
        "inventory/dealer/vehicle_status.html",
        context,
        status=409 if refusal and request.method == "POST" else 200,
    )


def _sticker_specs(vehicle: StockVehicle) -> list[tuple[str, str]]:
    gearbox = (
        str(Gearbox(vehicle.gearbox).label)
        if vehicle.gearbox in Gearbox.values
        else vehicle.gearbox
    )
    specs = [
        (_("État"), vehicle.get_condition_display()),
        (_("Énergie"), vehicle.get_energy_display()),
        (_("Boîte"), gearbox),
        (_("Puissance"), _("%(hp)d ch") % {"hp": vehicle.power_hp} if vehicle.power_hp else ""),
        (_("Kilométrage"), f"{vehicle.mileage_km:,} km".replace(",", "\u202f")),
        (
            (_("Mise en circulation"), vehicle.first_registration.strftime("%d/%m/%Y"))
            if vehicle.first_registration
            else (_("Année"), str(vehicle.year))
        ),
        (_("Couleur"), vehicle.colour_label),
        (_("VIN"), vehicle.vin),
    ]
    return [(name, value) for name, value in specs if value]


@dealer_staff_required
def vehicle_sticker(request: HttpRequest, *, vehicle_id: int, dealer_id: int) -> HttpResponse:
    vehicle = _dealer_vehicle_or_404(dealer_id=dealer_id, vehicle_id=vehicle_id)
    # The CO2 malus is paid at a new car's first registration; a used car's price already has it.
    scale = malus_scale_on() if vehicle.condition == StockVehicle.Condition.NEW else None
    context = {
        "vehicle": vehicle,
        "dealer": vehicle.dealer,
        "price": format_eur(vehicle.price_ttc),
        "photo": _main_photo(vehicle),
        "specs": _sticker_specs(vehicle),
        "options": list(vehicle.options.all()),
        "label": label_for(version=vehicle.version, co2_g_km=vehicle.co2_g_km, scale=scale),
        # segno writes this SVG from our own URL: nothing user-typed goes into it.
        "qr_svg": mark_safe(vehicle_qr_svg(vehicle)),
        "qr_url": vehicle_qr_url(vehicle),
    }
    return render(request, "inventory/dealer/sticker.html", context)

"""Public stock pages: the search near a place (htmx-refreshed results) and the vehicle page."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from html import escape  # Django's escape, without its lazy-text wrapper
from urllib.parse import urlencode

from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_htmx.middleware import HtmxDetails

from autovitrine.catalog.selectors import Gearbox, stock_car_svg
from autovitrine.core.money import Price, format_eur
from autovitrine.dealers.selectors import opening_hours_fr

from .forms import StockSearchForm, requested_page
from .links import vehicle_page_urls
from .models import StockVehicle, VehicleVisit
from .selectors import (
    PageOutOfRange,
    StockCard,
    StockHit,
    StockPage,
    stock_search,
    vehicle_for_page,
)
from .services import vehicle_record_visit

# Session key of the (vehicle, source) pairs already counted, so a reload is not a new visit.
VISITS_SESSION_KEY = "inventory_visits"
VISITS_REMEMBERED = 200


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@dataclass(frozen=True, slots=True)
class VehicleCard:
    """One search result as the card shows it, with French-formatted figures."""

    vehicle: StockCard
    url: str
    price: str
    distance: str
    photo_url: str

    @property
    def html(self) -> SafeString:
        """The card drawn once per process for what it shows: the vehicle as last saved (its
        ``updated_at``), its dealer's name, the distance and the photo, in this language. A status
        change does not show on a card, and the page's ids are read from the table each time."""
        vehicle = self.vehicle
        car_model, colour = vehicle.car_model, vehicle.colour
        key = (
            get_language(),
            vehicle.pk,
            vehicle.updated_at,
            vehicle.dealer.name,
            self.distance,
            self.photo_url,
            car_model.body if car_model is not None else None,
            colour.hex_value if colour is not None else None,
        )
        html = _CARDS.get(key)
        if html is None:
            html = _draw_card(self)
            if len(_CARDS) >= CARDS_KEPT:
                _CARDS.clear()
            _CARDS[key] = html
        return html


def _draw_card(card: VehicleCard) -> SafeString:
    """The result card's HTML, drawn in Python with every value escaped: the template it was
    drawn from took 0.16 ms a card, ``format_html`` 0.05, most of a page's drawing when its cars
    are not already kept."""
    vehicle = card.vehicle
    title = escape(vehicle.title)
    version = escape(vehicle.version_label)
    if card.photo_url:
        picture = (
            f'\n    \n      <img src="{escape(card.photo_url)}" alt="{title} {version}" '
            'loading="lazy" width="640" height="480">\n    '
        )
    else:
        alt = _("%(title)s, dessin (photo à venir)") % {"title": vehicle.title}
        picture = f"\n    \n      {stock_car_svg(vehicle, alt)}\n    "  # the alt escaped there
    version_line = f'<p class="muted version">{version}</p>' if version else ""
    badge = " badge-new" if vehicle.condition == "new" else ""
    distance = f" · {escape(card.distance)}" if card.distance else ""
    mileage = number_format(vehicle.mileage_km, use_l10n=True, force_grouping=True)
    return mark_safe(  # noqa: S308  (every value escaped above or here)
        "\n"
        '<article class="vehicle-card card">\n'
        f'  <a class="stretched" href="{escape(card.url)}">\n'
        "    \n"
        f'    <div class="card-picture">{picture}</div>\n'
        '    <div class="card-body">\n'
        f"      <h2>{title}</h2>\n"
        f"      {version_line}\n"
        f'      <p class="price">{escape(card.price)} <small>{escape(_("TTC"))}</small></p>\n'
        '      <p class="facts">\n'
        f'        <span class="badge{badge}">{escape(vehicle.get_condition_display())}</span>\n'
        f"        {vehicle.year} · {escape(mileage)} km · {escape(vehicle.get_energy_display())}\n"
        "      </p>\n"
        f'      <p class="dealer muted">{escape(vehicle.dealer.name)}{distance}</p>\n'
        "    </div>\n"
        "  </a>\n"
        "</article>\n\n"
    )


# Result cards already drawn (see ``VehicleCard.html``), cleared whole when full: a card is under
# a few KB, its drawing included.
_CARDS: dict[tuple[object, ...], SafeString] = {}
CARDS_KEPT = 2048


def cards_cache_clear() -> None:
    _CARDS.clear()


def _distance_text(km: float | None) -> str:
    if km is None:
        return ""
    if km < 1:
        return _("à moins de 1 km")
    return _("à %(km)s km") % {"km": f"{round(km):,}".replace(",", "\u202f")}


def _card(hit: StockHit, vehicle_url: Callable[[int], str]) -> VehicleCard:
    return VehicleCard(
        vehicle=hit.vehicle,
        url=vehicle_url(hit.vehicle.pk),
        price=format_eur(hit.vehicle.price_ttc),
        distance=_distance_text(hit.distance_km),
        photo_url=default_storage.url(hit.photo_name) if hit.photo_name else "",
    )


def _search_page(form: StockSearchForm, page_param: str | None) -> tuple[StockPage | None, str]:
    """The page of results to show and a notice when the page asked for does not exist."""
    page = requested_page(page_param)
    notice = ""
    if page is None:
        notice = _("Ce numéro de page n'est pas valable : voici la première page.")
        page = 1
    if not form.is_valid():
        return None, notice
    query = form.stock_query(page=page)
    try:
        return stock_search(query), notice
    except PageOutOfRange as exc:
        notice = _("Cette page n'existe pas : voici la dernière page (%(last)d).") % {
            "last": exc.num_pages
        }
        return stock_search(dataclasses.replace(query, page=exc.num_pages)), notice


def search(request: HtmxHttpRequest) -> HttpResponse:
    form = StockSearchForm(request.GET)
    results, notice = _search_page(form, request.GET.get("page"))
    vehicle_url = vehicle_page_urls()
    context = {
        "form": form,
        "results": results,
        "cards": [_card(hit, vehicle_url) for hit in results.hits] if results else [],
        "notice": notice,
        "origin_label": form.origin_label() if results else "",
        "distance_sort_ignored": (
            results is not None and form.cleaned_data["sort"] == "distance" and not form.origin()
        ),
    }
    # An htmx search refreshes the count on the « Filtres » button too, out of band.
    context["oob"] = bool(request.htmx)
    template = "inventory/_results.html" if request.htmx else "inventory/search.html"
    response = render(request, template, context)
    # The same URL answers a full page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


def _record_tracked_visit(request: HttpRequest, vehicle: StockVehicle) -> None:
    """Count a visit from a QR code or a campaign link, once per session and vehicle."""
    source = request.GET.get("src", "")
    campaign = request.GET.get("utm_campaign", "")
    if source != VehicleVisit.Source.QR and not campaign:
        return
    kind = (
        VehicleVisit.Source.QR if source == VehicleVisit.Source.QR else VehicleVisit.Source.CAMPAIGN
    )
    seen = request.session.get(VISITS_SESSION_KEY, [])
    marker = f"{vehicle.pk}:{kind}"
    if marker in seen:
        return
    vehicle_record_visit(
        vehicle=vehicle,
        source=source,
        medium=request.GET.get("medium") or request.GET.get("utm_medium", ""),
        campaign=campaign,
    )
    request.session[VISITS_SESSION_KEY] = [*seen, marker][-VISITS_REMEMBERED:]


def masked_vin(vin: str) -> str:
    """``VF1••••••••••6789``: enough to recognise the car, not enough to look up its records."""
    return f"{vin[:3]}{'•' * (len(vin) - 7)}{vin[-4:]}"


def _map_url(latitude: float, longitude: float) -> str:
    params = urlencode({"mlat": f"{latitude:.5f}", "mlon": f"{longitude:.5f}"})
    return f"https://www.openstreetmap.org/?{params}#map=16/{latitude:.5f}/{longitude:.5f}"


def vehicle(request: HttpRequest, vehicle_id: int) -> HttpResponse:
    car = vehicle_for_page(vehicle_id)
    if car is None:
        raise Http404(_("Ce véhicule n'existe pas ou n'est plus en ligne."))
    _record_tracked_visit(request, car)
    price = Price.from_ttc(car.price_ttc)
    is_new = car.condition == StockVehicle.Condition.NEW
    photos = list(car.photos.all())
    dealer = car.dealer
    context = {
        "vehicle": car,
        "dealer": dealer,
        "photos": photos,
        "price_ttc": format_eur(price.ttc),
        "price_ht": format_eur(price.ht),
        "vin": car.vin if is_new else masked_vin(car.vin),
        "gearbox": dict(Gearbox.choices).get(car.gearbox, car.gearbox),
        "options": [
            (option, format_eur(Price.from_ht(option.price_ht).ttc)) for option in car.options.all()
        ],
        "opening_hours": opening_hours_fr(dealer),
        "map_url": _map_url(dealer.latitude, dealer.longitude),
        "is_sold": car.status == StockVehicle.Status.SOLD,
    }
    return render(request, "inventory/vehicle.html", context)

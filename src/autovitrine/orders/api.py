"""``orders``' API: the stock vehicle detail with its registration taxes (issue 13).

The detail lives here, not in ``inventory.api``: it composes the stock car (``inventory``) with
the taxes ``orders`` computes (``selectors.sale_taxes``, the very rule an order of this car
uses), and ``inventory`` cannot import ``orders``. Mounted at ``/api/stock`` (its address has
not changed)."""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest
from ninja import Path, Query, Router

from autovitrine.core.api_errors import ApiError, errors
from autovitrine.core.forms import MAX_ROW_ID
from autovitrine.inventory.schemas import vehicle_out
from autovitrine.inventory.selectors import vehicle_for_page
from autovitrine.pricing.selectors import region_rate

from .schemas import RegistrationTaxesOut, VehicleWithTaxesOut
from .selectors import sale_taxes

router = Router(tags=["orders"])
stock_router = Router(tags=["inventory"])

POSTCODE_PATTERN = r"^[0-9]{5}$"  # ASCII digits: ``\d`` would take full-width ones


@stock_router.get(
    "/vehicles/{vehicle_id}",
    response={200: VehicleWithTaxesOut, **errors(404)},
    url_name="stock_vehicle",
)
def vehicle_detail(
    request: HttpRequest,
    vehicle_id: int = Path(..., ge=1, le=MAX_ROW_ID),
    postcode: Annotated[
        str | None,
        Query(
            None,
            pattern=POSTCODE_PATTERN,
            description="Code postal de l'acheteur : la carte grise est estimée au tarif de sa "
            "région. Sans lui, celui du compte connecté, sinon celui de la concession.",
        ),
    ] = None,
) -> dict:
    """A vehicle of an active dealer; a sold one stays readable with ``status: "sold"``. With
    the taxes due at its registration (CO2 malus, weight malus, carte grise estimate) as its
    page and its order show them."""
    vehicle = vehicle_for_page(vehicle_id)
    if vehicle is None:
        raise ApiError(404, "not_found", "Ce véhicule n'existe pas ou n'est plus en ligne.")
    if postcode and region_rate(postcode) is None:
        raise ApiError(
            422,
            "invalid_input",
            "Données invalides.",
            [{"field": "postcode", "message": "Code postal inconnu : aucune région française."}],
        )
    user = getattr(request, "user", None)
    taxes = sale_taxes(
        vehicle=vehicle,
        price_ttc=vehicle.price_ttc,
        buyer_postcode=postcode or getattr(user, "postcode", "") or "",
        dealer_postcode=vehicle.dealer.postcode,
    )
    return {
        **vehicle_out(vehicle),
        "registration_taxes": RegistrationTaxesOut.of(taxes) if taxes.lines else None,
    }

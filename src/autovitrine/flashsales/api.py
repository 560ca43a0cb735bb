"""Flash-sale API: ``GET /api/flash-sales/`` (announced and open sales) and ``/{slug}``.

The waiting room itself (challenge, join, status, claim) is served as JSON under
``/ventes-flash/<slug>/file/…`` for the page and apps signed in with a session; see
``docs/flash-sales.md``.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema

from autovitrine.core.api_errors import ApiError, errors

from . import selectors
from .models import FlashSale

router = Router(tags=["flashsales"])


class UnitsOut(Schema):
    total: int
    available: int
    held: int
    sold: int


class FlashSaleOut(Schema):
    slug: str
    title: str
    brand: str
    status: str
    opens_at: dt.datetime
    price_ttc: int
    deposit_ttc: int
    hold_seconds: int
    limit_per_customer: int
    dealer_choice_allowed: bool
    units: UnitsOut
    page_url: str


def _sale_out(sale: FlashSale) -> FlashSaleOut:
    counts = selectors.unit_counts(sale_id=sale.pk)
    return FlashSaleOut(
        slug=sale.slug,
        title=sale.title,
        brand=sale.brand.name,
        status=sale.status,
        opens_at=sale.opens_at,
        price_ttc=sale.price_ttc,
        deposit_ttc=sale.deposit_ttc,
        hold_seconds=sale.hold_seconds,
        limit_per_customer=sale.limit_per_customer,
        dealer_choice_allowed=sale.dealer_choice_allowed,
        units=UnitsOut(
            total=counts.total, available=counts.available, held=counts.held, sold=counts.sold
        ),
        page_url=reverse("flashsales:teaser", kwargs={"slug": sale.slug}),
    )


@router.get("/", response=list[FlashSaleOut], summary="Ventes flash annoncées ou ouvertes")
def sale_list(request: HttpRequest) -> list[FlashSaleOut]:
    return [_sale_out(sale) for sale in selectors.public_sales().select_related("brand")]


@router.get(
    "/{slug}",
    response={200: FlashSaleOut, **errors(404)},
    summary="Une vente flash et ses unités restantes",
)
def sale_detail(request: HttpRequest, slug: str) -> FlashSaleOut:
    sale = selectors.sale_for_public(slug)
    if sale is None:
        raise ApiError(404, "not_found", "Vente introuvable.")
    return _sale_out(sale)

"""Template filters of the purchase pages (amounts in French format) and the registration taxes
tag other apps' pages include."""

from __future__ import annotations

from typing import Any

from django import template

from autovitrine.core.templatetags.money import eur, eur_cents

from ..selectors import sale_taxes

register = template.Library()
# The project's one ``eur`` filter (core), offered here too for the purchase pages.
register.filter("eur", eur)
register.filter("eur_cents", eur_cents)


@register.filter
def whole_euros(cents: int | None) -> str:
    """``2490000|whole_euros`` → ``24900``: an amount for a form field or a link."""
    return "" if cents is None else str(int(cents) // 100)


@register.inclusion_tag("orders/_vehicle_taxes.html", takes_context=True)
def registration_taxes(context: template.Context, vehicle: Any) -> dict[str, Any]:
    """``{% registration_taxes vehicle %}``: a stock car's environmental label and the taxes due
    at its registration (CO2 malus, weight malus, carte grise estimate), computed as an order
    computes them (``selectors.sale_taxes``). For pages of apps below ``orders`` (the stock
    vehicle page), which cannot import it: the tag is ``orders``' face in templates, as
    ``{% lead_form %}`` is ``leads``'. Carte grise at the signed-in buyer's postcode, else the
    dealer's. Nothing when the car has neither a label nor a tax line."""
    request = context.get("request")
    user = getattr(request, "user", None)
    taxes = sale_taxes(
        vehicle=vehicle,
        price_ttc=vehicle.price_ttc,
        buyer_postcode=getattr(user, "postcode", "") or "",
        dealer_postcode=vehicle.dealer.postcode,
    )
    return {"taxes": taxes if taxes.label is not None or taxes.lines else None}

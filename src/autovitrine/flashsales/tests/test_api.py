"""The public flash-sale API."""

from __future__ import annotations

from autovitrine.flashsales.models import FlashSale

from .factories import claim, join, status


def test_the_api_lists_announced_sales_with_their_units(client, sale_kit, buyers):
    kit = sale_kit(units=2)
    [buyer] = buyers(1)
    join(kit, buyer)
    kit.open()
    claim(kit, buyer, status(kit, buyer)["admission"]["token"])

    sales = client.get("/api/flash-sales/").json()

    assert [s["slug"] for s in sales] == ["terra-serie-limitee"]
    assert sales[0]["units"] == {"total": 2, "available": 1, "held": 1, "sold": 0}
    assert (sales[0]["status"], sales[0]["price_ttc"], sales[0]["page_url"]) == (
        "open",
        1_990_000,
        "/ventes-flash/terra-serie-limitee/",
    )


def test_a_draft_or_unknown_sale_is_a_structured_404(client, sale_kit):
    kit = sale_kit(units=1)
    FlashSale.objects.filter(pk=kit.sale.pk).update(status=FlashSale.Status.DRAFT)

    response = client.get(f"/api/flash-sales/{kit.sale.slug}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert client.get("/api/flash-sales/").json() == []

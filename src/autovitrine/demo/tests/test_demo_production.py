"""The demo leaves the demo buyer one car in production and one on its way, followed live."""

from __future__ import annotations

import pytest

from autovitrine.demo import loader
from autovitrine.production.models import (
    ApiCredential,
    EtaChange,
    OrderProgress,
    Plant,
    ProductionEvent,
    TransportLeg,
)

from .test_demo_data import SMALL, drawn_pictures, pictures_in_media, run_demo  # noqa: F401

pytestmark = pytest.mark.usefixtures("pictures_in_media")


def test_the_demo_buyer_follows_a_car_in_production_and_one_in_transport(db, client):
    # When
    run_demo(*SMALL)

    # Then: two plants with a realistic line, road and rail legs
    assert Plant.objects.count() == 2
    douai = Plant.objects.get(code="douai")
    assert [s.code for s in douai.lines.get().stations.all()] == [
        "emboutissage",
        "tolerie",
        "peinture",
        "montage",
        "audit",
        "essais",
        "expedition",
    ]
    assert set(TransportLeg.objects.values_list("mode", flat=True)) == {"road", "rail"}

    # and the buyer's two orders: one at assembly, one on the train, late
    progresses = list(OrderProgress.objects.order_by("pk"))
    assert {p.order.customer.email for p in progresses} == {loader.ACCOUNTS[0].email}
    assert {p.order.status for p in progresses} == {"in_production"}
    assert [p.stage_kind for p in progresses] == ["station_entered", "transport_checkpoint"]
    assert progresses[0].station.code == "montage"
    assert progresses[1].leg.mode == "rail"
    assert EtaChange.objects.filter(progress=progresses[1], reason="transport_delay").exists()

    # The buyer sees them (signed in as the demo account)
    from autovitrine.accounts.models import User

    client.force_login(User.objects.get(email=loader.ACCOUNTS[0].email))
    for progress in progresses:
        page = client.get(f"/commandes/{progress.order.number}/suivi/")
        assert page.status_code == 200

    # The car on its way can have its handover booked from its tracking page
    from autovitrine.production.selectors import handover_summary

    page = client.get(f"/commandes/{progresses[1].order.number}/suivi/").content.decode()
    assert handover_summary(progresses[1].order).can_book
    assert "Choisir mon créneau de remise des clés" in page
    # with a photo on each station the car has left (assembly under way: three before it)
    assert page.count('class="tracking-photo"') == 7
    first = client.get(f"/commandes/{progresses[0].order.number}/suivi/").content.decode()
    assert first.count('class="tracking-photo"') == 3

    # A second run adds nothing
    from autovitrine.production.models import StationPhoto

    before = (
        ProductionEvent.objects.count(),
        ApiCredential.objects.count(),
        StationPhoto.objects.count(),
    )
    output = run_demo(*SMALL)
    assert (
        ProductionEvent.objects.count(),
        ApiCredential.objects.count(),
        StationPhoto.objects.count(),
    ) == before
    assert "usines 0, commandes suivies 0" in output

"""Catalog test fixtures: this year's malus scale and a small range (a petrol and an electric car)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from autovitrine.catalog.models import Energy, MalusBracket, MalusScale, Version
from autovitrine.testing import factories as f

MALUS_SOURCE = "Code des impositions sur les biens et services, art. L. 421-62"


@pytest.fixture
def malus_scale(db):
    """The only scale in force: this year's, 50 € from 113 g/km, 540 € at 128 g/km, 3 000 € at
    150 g/km, then 70 000 €. The official scales the migration loads are set aside so the
    figures asserted do not move when the law does."""
    MalusScale.objects.all().delete()
    year = timezone.localdate().year
    scale = MalusScale.objects.create(
        year=year,
        valid_from=dt.date(year, 1, 1),
        source=MALUS_SOURCE,
        threshold_g_km=113,
        cap_cents=7_000_000,
    )
    for grams, cents in ((113, 5_000), (128, 54_000), (150, 300_000)):
        MalusBracket.objects.create(scale=scale, co2_g_km=grams, amount_cents=cents)
    return scale


@pytest.fixture
def terra(db):
    """The Terra: a 128 g/km petrol at 20 750 € HT and an electric at 30 000 € HT."""
    car_model = f.CarModelFactory(
        code="terra", name="Terra", tagline="Le SUV compact qui va partout"
    )
    petrol = f.VersionFactory(
        car_model=car_model,
        code="terra-life-tce-130",
        trim="Life",
        powertrain="1.2 TCe 130",
        base_price_ht=2_075_000,
    )
    electric = f.VersionFactory(
        car_model=car_model,
        code="terra-iconic-e-tech",
        trim="Iconic",
        powertrain="E-Tech 220 ch",
        energy=Energy.ELECTRIC,
        power_hp=220,
        gearbox=Version.Gearbox.AUTOMATIC,
        base_price_ht=3_000_000,
        co2_g_km=0,
        consumption_x10=152,
        consumption_unit=Version.ConsumptionUnit.KWH,
        electric_range_km=410,
        crit_air=0,
        recycled_share_pct=27,
    )
    return car_model, petrol, electric

"""Every demo model is configurable with realistic product data: trims, engines, gearboxes,
paints, roof, wheels, options, packs and rules; each catalogue version is a configuration at
its catalogue price and CO2 (issue #14)."""

from __future__ import annotations

import json

import pytest

from autovitrine.configurator.engine import import_rule_base
from autovitrine.demo.product_data import _slug, rule_base_document
from autovitrine.demo.range import CATALOG, RANGE, TERRA
from autovitrine.demo.stock import draw_vehicle

MODELS = {spec.code: spec for spec in RANGE}


def configurator_of(code: str):
    report = import_rule_base(json.dumps(rule_base_document(MODELS[code])))
    assert report.ok, report.problems
    assert not report.problems  # no dead value, no family forced to one value
    return report.configurator


@pytest.mark.parametrize("code", sorted(MODELS))
def test_each_catalogue_version_is_configured_at_its_catalogue_price_and_co2(code):
    configurator = configurator_of(code)
    for version in MODELS[code].versions:
        car = configurator.default_completion(
            {"trim": _slug(version.trim), "engine": _slug(version.powertrain)}
        )
        if MODELS[code].colours[0].price_ht_euros and min(
            colour.price_ht_euros for colour in MODELS[code].colours
        ):
            continue  # no paint without supplement on this model: its price starts higher
        assert car.price.ttc == version.price_ttc_euros * 100, version.code
        assert car.co2_g_km == version.co2_g_km, version.code


@pytest.mark.parametrize("code", sorted(MODELS))
def test_each_model_has_the_families_a_brand_configurator_has_and_rules(code):
    document = rule_base_document(MODELS[code])
    families = [family["code"] for family in document["families"]]
    assert families[:5] == ["trim", "engine", "gearbox", "paint", "roof"]
    assert "wheels" in families
    assert len(document["rules"]) >= 3
    assert document["tables"][0]["rows"]


def test_the_rules_hold_lumo_vela_electra_brise_and_altair():
    lumo = configurator_of("aurore-lumo")
    # The largest wheels on the top trim only; the top trim never on the smallest.
    assert not lumo.is_valid({"trim": "evolution", "wheels": "jantes-17"})
    assert not lumo.is_valid({"trim": "iconic", "wheels": "jantes-16"})
    # The automatic gearbox is a supplement on the manual petrol engine.
    manual = lumo.default_completion({"engine": "tce-90", "gearbox": "manual"})
    automatic = lumo.default_completion({"engine": "tce-90", "gearbox": "automatic"})
    assert automatic.price.ttc - manual.price.ttc == 180_000
    vela = configurator_of("aurore-vela")
    assert not vela.is_valid({"roof": "noir", "trim": "evolution"})
    assert vela.is_valid({"roof": "panoramique", "trim": "evolution"})
    brise = configurator_of("aurore-brise")
    assert not brise.is_valid({"camera-360": True, "trim": "evolution"})
    assert brise.is_valid({"pack-securite": True, "trim": "techno"})
    electra = configurator_of("aurore-electra")
    assert not electra.is_valid({"camera-360": True, "trim": "evolution"})
    altair = configurator_of("aurore-altair")
    assert not altair.is_valid({"roof": "noir", "paint": "noir-etoile"})
    assert not altair.is_valid({"attelage": True, "engine": "77-kwh-220-ch"})


def test_the_demo_stock_has_cars_of_every_configurable_model():
    import datetime as dt

    drawn = {draw_vehicle(n, today=dt.date(2026, 12, 5)).model.code for n in range(len(CATALOG))}
    assert drawn == {spec.code for spec in CATALOG} >= {*MODELS, TERRA.code}

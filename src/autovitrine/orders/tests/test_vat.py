"""One VAT rate (settings, CGI art. 278: 20 %) and one rounding rule (per line, half up) for the
configurator engine and the orders: a configuration and its order agree to the cent, and every
itemised total adds up (issue #13, "Taxes and VAT"; #14 "totals that add up")."""

from __future__ import annotations

import datetime as dt
import json

from autovitrine.configurator.engine import Configurator, parse_rule_base
from autovitrine.core.money import price_of_lines, vat_of_line, vat_rate_bp
from autovitrine.pricing.quotes import BuiltCar, built_car_quote

# Prices that do not divide evenly: each line's VAT has a fraction of a cent.
UNEVEN = {
    "format": "autovitrine.rules/1",
    "code": "uneven",
    "label": "Prix impairs",
    "base_price_ht": 1_000_002,
    "co2_base_g_km": 100,
    "markets": ["FR"],
    "families": [
        {
            "code": "trim",
            "label": "Finition",
            "values": [{"code": "a", "label": "A", "price_ht": 33_332}],
        }
    ],
    "options": [{"code": "hitch", "label": "Attelage", "price_ht": 16_667}],
    "packs": [],
    "rules": [],
    "tables": [],
    "defaults": [],
}


def test_the_rate_comes_from_settings(settings):
    settings.VAT_RATE_BASIS_POINTS = 2000
    assert vat_rate_bp() == 2000
    settings.VAT_RATE_BASIS_POINTS = 550
    assert vat_rate_bp() == 550


def test_vat_is_rounded_per_line_so_lines_add_up_to_the_total():
    price = price_of_lines([1_000_002, 33_332, 16_667], 2000)

    # 200 000,4 → 200 000 ; 6 666,4 → 6 666 ; 3 333,4 → 3 333 (per line), not 210 000,2 → 210 000
    assert [vat_of_line(a, 2000) for a in (1_000_002, 33_332, 16_667)] == [200_000, 6_666, 3_333]
    assert (price.ht, price.vat, price.ttc) == (1_050_001, 209_999, 1_260_000)


def test_a_configuration_and_its_order_show_the_same_amounts_to_the_cent(db):
    rule_base, problems = parse_rule_base(json.dumps(UNEVEN))
    assert problems == []
    configurator = Configurator.build(rule_base)
    configuration = {"trim": "a", "hitch": True}
    engine_price = configurator.price(configuration, vat_rate_bp=vat_rate_bp())

    car = BuiltCar(
        make="Aurore",
        model="Uneven",
        version="A",
        lines=(
            ("vehicle", "Aurore Uneven", engine_price.base_ht),
            *(("option", line.label, line.amount_ht) for line in engine_price.lines),
        ),
        co2_g_km=100,
    )
    quote = built_car_quote(car=car, postcode="69002", today=dt.date(2026, 3, 4))

    assert (quote.price.ht, quote.price.vat, quote.price.ttc) == (
        engine_price.total_ht,
        engine_price.vat,
        engine_price.ttc,
    )
    assert quote.price.ttc == 1_260_000
    assert sum(line.ttc for line in quote.lines if line.code != "registration") == (
        quote.price.ttc + quote.malus_cents
    )

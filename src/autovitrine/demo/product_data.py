"""Product data (configurator rule bases) for the demo models described only by the range:
versions, paints, wheels, options and packs, with the rule a real brand has (the largest wheels
on the top trim only). The Terra has its own, richer file (``configurator/data``)."""

from __future__ import annotations

from typing import Any

from .range import ModelSpec, ht_cents


def rule_base_document(spec: ModelSpec) -> dict[str, Any]:
    """The ``autovitrine.rules/1`` document of one model of the range."""
    cheapest = min(spec.versions, key=lambda version: version.price_ttc_euros)
    base_ht = ht_cents(cheapest.price_ttc_euros)
    wheel_options = [option for option in spec.options if option.category == "wheels"]
    other_options = [option for option in spec.options if option.category != "wheels"]
    families: list[dict[str, Any]] = [
        {
            "code": "version",
            "label": "Version",
            "values": [
                {
                    "code": version.code,
                    "label": f"{version.trim} {version.powertrain}",
                    "price_ht": ht_cents(version.price_ttc_euros) - base_ht,
                    "co2_g_km": version.co2_g_km - cheapest.co2_g_km,
                }
                for version in spec.versions
            ],
        },
        {
            "code": "paint",
            "label": "Teinte",
            "values": [
                {"code": colour.code, "label": colour.name, "price_ht": colour.price_ht_euros * 100}
                for colour in spec.colours
            ],
        },
    ]
    rules: list[dict[str, Any]] = []
    if wheel_options:
        families.append(
            {
                "code": "wheels",
                "label": "Jantes",
                "values": [
                    {
                        "code": option.code,
                        "label": option.name,
                        "price_ht": option.price_ht_euros * 100,
                        "co2_g_km": option.co2_delta_g_km,
                    }
                    for option in wheel_options
                ],
            }
        )
        top_trim = spec.versions[-1].trim
        top = [version.code for version in spec.versions if version.trim == top_trim]
        if len(wheel_options) > 1 and len(top) < len(spec.versions):
            rules.append(
                {
                    "id": "largest-wheels-top-trim",
                    "kind": "requires",
                    "if": [f"wheels={wheel_options[-1].code}"],
                    "then": ["version=" + "|".join(top)],
                    "text": f"les {wheel_options[-1].name.lower()} sont réservées à la finition "
                    f"{top_trim}",
                }
            )
    document: dict[str, Any] = {
        "format": "autovitrine.rules/1",
        "code": spec.code,
        "label": f"Aurore {spec.name}",
        "base_price_ht": base_ht,
        "co2_base_g_km": cheapest.co2_g_km,
        "markets": ["FR"],
        "sections": [
            {"code": "motorisation", "label": "Version et motorisation", "families": ["version"]},
            {
                "code": "exterieur",
                "label": "Extérieur",
                "families": [family["code"] for family in families[1:]],
            },
        ],
        "families": families,
        "rules": rules,
    }
    if other_options:
        document["options"] = [
            {
                "code": option.code,
                "label": option.name,
                "price_ht": option.price_ht_euros * 100,
                **({"co2_g_km": option.co2_delta_g_km} if option.co2_delta_g_km else {}),
            }
            for option in other_options
        ]
    option_codes = {option.code for option in other_options}
    packs = [pack for pack in spec.packs if set(pack.option_codes) <= option_codes]
    if packs:
        document["packs"] = [
            {
                "code": pack.code,
                "label": pack.name,
                "price_ht": pack.price_ht_euros * 100,
                "contents": list(pack.option_codes),
            }
            for pack in packs
        ]
    return document

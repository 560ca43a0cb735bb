"""Product data (configurator rule bases) for the demo models described only by the range.

Built as a brand builds them: a trim, an engine and a gearbox (the valid combinations in a
table, one row per catalogue version, plus the automatic gearbox offered against a supplement
on the manual engines), the paints of the catalogue (so that the car's picture shows the exact
colour), a roof (body colour, black two-tone from the second trim, glass panoramic where the
model offers it), wheels, options and packs, and the rules a real brand has:

- the largest wheels on the top trim only, the smallest not on the top trim;
- the black two-tone roof neither on a black paint nor on the entry trim;
- the 360° camera and the premium audio from the second trim;
- the adaptive cruise control with an automatic gearbox only;
- the heat pump on electric engines only; a towbar not on the entry electric engine.

The Terra has its own, richer file (``configurator/data``).
"""

from __future__ import annotations

from typing import Any

from .range import ModelSpec, ht_cents

AUTO_SUPPLEMENT_HT = 150_000  # 1 800 € TTC, the usual price of an automatic gearbox
AUTO_CO2_G_KM = 4
BLACK_ROOF_HT = 37_500  # 450 € TTC
GEARBOX_LABELS = {
    "manual": "Boîte manuelle 6 rapports",
    "automatic": "Boîte automatique",
    "reducer": "Transmission automatique à rapport unique",
}


def _slug(text: str) -> str:
    out = "".join(char if char.isalnum() else "-" for char in text.casefold())
    table = str.maketrans("éèêëàâîïôöûüç", "eeeeaaiioouuc")
    return "-".join(part for part in out.translate(table).split("-") if part)


def _amount(by: str, values: dict[str, int]) -> int | dict[str, Any]:
    """A flat amount when every value agrees, else the amount by ``by``'s value."""
    distinct = set(values.values())
    if len(distinct) == 1:
        return distinct.pop()
    default = min(distinct)
    return {
        "by": by,
        "default": default,
        "values": {k: v for k, v in values.items() if v != default},
    }


def _wheel_amounts(
    index: int, option: Any, smallest: Any, top_trim: str, trim_count: int
) -> dict[str, Any]:
    """The smallest wheels are standard; the next size is standard on the top trim (which
    does not take the smallest), a supplement on the others."""
    if index == 0:
        return {}
    price = option.price_ht_euros * 100
    co2 = option.co2_delta_g_km - smallest.co2_delta_g_km
    amounts: dict[str, Any] = {}
    if index == 1 and trim_count > 1:
        amounts["price_ht"] = {"by": "trim", "default": price, "values": {top_trim: 0}}
        if co2:
            amounts["co2_g_km"] = {"by": "trim", "default": co2, "values": {top_trim: 0}}
        return amounts
    amounts["price_ht"] = price
    if co2:
        amounts["co2_g_km"] = co2
    return amounts


def rule_base_document(spec: ModelSpec) -> dict[str, Any]:
    """The ``autovitrine.rules/1`` document of one model of the range."""
    cheapest = min(spec.versions, key=lambda version: version.price_ttc_euros)
    base_ht = ht_cents(cheapest.price_ttc_euros)
    trims: list[str] = []
    for version in spec.versions:
        if version.trim not in trims:
            trims.append(version.trim)
    trim_code = {trim: _slug(trim) for trim in trims}
    entry_of = {
        trim: min((v for v in spec.versions if v.trim == trim), key=lambda v: v.price_ttc_euros)
        for trim in trims
    }
    engines: list[str] = []
    for version in sorted(spec.versions, key=lambda v: v.price_ttc_euros):
        if version.powertrain not in engines:
            engines.append(version.powertrain)
    engine_code = {engine: _slug(engine) for engine in engines}
    energy_of = {v.powertrain: v.energy for v in spec.versions}

    def gearbox_of(version: Any) -> str:
        if version.energy == "electric":
            return "reducer"
        return version.gearbox

    # Trim price: its entry version over the cheapest; engine price by trim: the version over
    # the trim's entry version (a missing pair is excluded by the table, its price unused).
    trim_values = [
        {
            "code": trim_code[trim],
            "label": f"Finition {trim}",
            **(
                {"price_ht": ht_cents(entry_of[trim].price_ttc_euros) - base_ht}
                if entry_of[trim] is not cheapest
                else {}
            ),
            **(
                {"co2_g_km": entry_of[trim].co2_g_km - cheapest.co2_g_km}
                if entry_of[trim].co2_g_km != cheapest.co2_g_km
                else {}
            ),
        }
        for trim in trims
    ]
    engine_values = []
    for engine in engines:
        prices: dict[str, int] = {}
        co2s: dict[str, int] = {}
        for trim in trims:
            found = next(
                (v for v in spec.versions if v.trim == trim and v.powertrain == engine), None
            )
            entry = entry_of[trim]
            prices[trim_code[trim]] = (
                ht_cents(found.price_ttc_euros) - ht_cents(entry.price_ttc_euros) if found else 0
            )
            co2s[trim_code[trim]] = found.co2_g_km - entry.co2_g_km if found else 0
        value: dict[str, Any] = {"code": engine_code[engine], "label": engine}
        price = _amount("trim", prices)
        if price:
            value["price_ht"] = price
        co2 = _amount("trim", co2s)
        if co2:
            value["co2_g_km"] = co2
        engine_values.append(value)
    rows: list[list[str]] = []
    gearboxes: list[str] = []
    for version in spec.versions:
        boxes = [gearbox_of(version)]
        if version.gearbox == "manual":
            boxes.append("automatic")  # the automatic gearbox, against a supplement
        for box in boxes:
            row = [trim_code[version.trim], engine_code[version.powertrain], box]
            if row not in rows:
                rows.append(row)
            if box not in gearboxes:
                gearboxes.append(box)
    order = ["manual", "automatic", "reducer"]
    gearboxes.sort(key=order.index)
    manual_engines = {engine_code[v.powertrain] for v in spec.versions if v.gearbox == "manual"}
    gearbox_values = []
    for box in gearboxes:
        value = {"code": box, "label": GEARBOX_LABELS[box]}
        if box == "automatic" and manual_engines:
            # Free where the engine only exists automatic; a supplement where it replaces a
            # manual gearbox.
            value["price_ht"] = {
                "by": "engine",
                "default": 0,
                "values": dict.fromkeys(sorted(manual_engines), AUTO_SUPPLEMENT_HT),
            }
            value["co2_g_km"] = {
                "by": "engine",
                "default": 0,
                "values": dict.fromkeys(sorted(manual_engines), AUTO_CO2_G_KM),
            }
        gearbox_values.append(value)

    wheel_options = [option for option in spec.options if option.category == "wheels"]
    has_glass_roof = any(option.code == "toit-panoramique" for option in spec.options)
    other_options = [
        option
        for option in spec.options
        if option.category != "wheels" and option.code != "toit-panoramique"
    ]
    roof_values: list[dict[str, Any]] = [
        {"code": "carrosserie", "label": "Toit couleur carrosserie"},
        {"code": "noir", "label": "Toit noir bi-ton", "price_ht": BLACK_ROOF_HT},
    ]
    if has_glass_roof:
        glass = next(option for option in spec.options if option.code == "toit-panoramique")
        roof_values.append(
            {
                "code": "panoramique",
                "label": glass.name,
                "price_ht": glass.price_ht_euros * 100,
                **({"co2_g_km": glass.co2_delta_g_km} if glass.co2_delta_g_km else {}),
            }
        )
    families: list[dict[str, Any]] = [
        {"code": "trim", "label": "Finition", "values": trim_values},
        {"code": "engine", "label": "Motorisation", "values": engine_values},
        {"code": "gearbox", "label": "Boîte de vitesses", "values": gearbox_values},
        {
            "code": "paint",
            "label": "Teinte",
            "values": [
                {
                    "code": colour.code,
                    "label": colour.name,
                    **({"price_ht": colour.price_ht_euros * 100} if colour.price_ht_euros else {}),
                }
                for colour in sorted(spec.colours, key=lambda colour: colour.price_ht_euros)
            ],
        },
        {"code": "roof", "label": "Toit", "values": roof_values},
    ]
    top_trim, entry_trim = trim_code[trims[-1]], trim_code[trims[0]]
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
                        **_wheel_amounts(index, option, wheel_options[0], top_trim, len(trims)),
                    }
                    for index, option in enumerate(wheel_options)
                ],
            }
        )
        if len(wheel_options) > 1 and len(trims) > 1:
            rules.append(
                {
                    "id": "largest-wheels-top-trim",
                    "kind": "requires",
                    "if": [f"wheels={wheel_options[-1].code}"],
                    "then": [f"trim={top_trim}"],
                    "text": f"les {wheel_options[-1].name.lower()} sont réservées à la finition "
                    f"{trims[-1]}",
                }
            )
            rules.append(
                {
                    "id": "top-trim-no-smallest-wheels",
                    "kind": "excludes",
                    "if": [f"trim={top_trim}"],
                    "then": [f"wheels={wheel_options[0].code}"],
                    "text": f"la finition {trims[-1]} est livrée en "
                    f"{wheel_options[1].name.lower()} au minimum",
                }
            )
    black_paints = [colour.code for colour in spec.colours if colour.code.startswith("noir")]
    if black_paints:
        rules.append(
            {
                "id": "black-roof-paint",
                "kind": "excludes",
                "if": ["roof=noir"],
                "then": ["paint=" + "|".join(black_paints)],
                "text": "le toit noir bi-ton n'existe pas sur une teinte noire",
            }
        )
    if len(trims) > 1:
        rules.append(
            {
                "id": "black-roof-trim",
                "kind": "excludes",
                "if": ["roof=noir"],
                "then": [f"trim={entry_trim}"],
                "text": f"le toit noir bi-ton n'est pas proposé en finition {trims[0]}",
            }
        )
    option_codes = {option.code for option in other_options}
    for code, what in (("camera-360", "la caméra 360°"), ("audio-premium", "l'audio premium")):
        if code in option_codes and len(trims) > 1:
            rules.append(
                {
                    "id": f"{code}-trim",
                    "kind": "excludes",
                    "if": [code],
                    "then": [f"trim={entry_trim}"],
                    "text": f"{what} n'est pas proposée en finition {trims[0]}",
                }
            )
    if "regulateur-adaptatif" in option_codes and "manual" in gearboxes:
        rules.append(
            {
                "id": "cruise-automatic",
                "kind": "excludes",
                "if": ["regulateur-adaptatif"],
                "then": ["gearbox=manual"],
                "text": "le régulateur adaptatif demande une boîte automatique",
            }
        )
    electric = [engine_code[e] for e in engines if energy_of[e] == "electric"]
    if "pompe-a-chaleur" in option_codes and len(electric) < len(engines):
        rules.append(
            {
                "id": "heat-pump-electric",
                "kind": "requires",
                "if": ["pompe-a-chaleur"],
                "then": ["engine=" + "|".join(electric)],
                "text": "la pompe à chaleur équipe les motorisations électriques",
            }
        )
    if "attelage" in option_codes and len(electric) > 1:
        rules.append(
            {
                "id": "towbar-electric",
                "kind": "excludes",
                "if": ["attelage"],
                "then": [f"engine={electric[0]}"],
                "text": f"l'attelage n'est pas homologué avec la motorisation {engines[0]}",
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
            {
                "code": "motorisation",
                "label": "Finition et motorisation",
                "families": ["trim", "engine", "gearbox"],
            },
            {
                "code": "exterieur",
                "label": "Extérieur",
                "families": [family["code"] for family in families[3:]],
            },
        ],
        "families": families,
        "rules": rules,
        "tables": [
            {
                "id": "versions",
                "label": "Versions du catalogue",
                "families": ["trim", "engine", "gearbox"],
                "rows": rows,
            }
        ],
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

"""The demo rule base: the compact SUV « Aurore Terra » of the fictional brand Aurore.

``configurator/data/aurore-terra.json`` is this rule base exported; regenerate it with
``python -m autovitrine.configurator.engine.demo`` after editing this module (a test checks
that both agree).
"""

from __future__ import annotations

from pathlib import Path

from .fileformat import dump_rule_base, load_rule_base
from .model import Amount, Default, Family, Literal, Option, Pack, Rule, RuleBase, Table, Value

DEMO_PATH = Path(__file__).resolve().parent.parent / "data" / "aurore-terra.json"

TRIMS = ("life", "techno", "gt")


def _euros(amount: int, **by_trim: int) -> Amount:
    """A price in euros HT, possibly different per trim (in euros too)."""
    if not by_trim:
        return Amount(default=amount * 100)
    return Amount(
        default=amount * 100,
        by="trim",
        values=tuple((trim, by_trim[trim] * 100) for trim in TRIMS if trim in by_trim),
    )


def _value(
    code: str, label: str, price: int = 0, co2: int = 0, markets: tuple[str, ...] | None = None
) -> Value:
    return Value(
        code=code, label=label, price=_euros(price), co2=Amount(default=co2), markets=markets
    )


def _is(name: str, *values: str) -> Literal:
    return Literal(name, values)


def demo_rule_base() -> RuleBase:
    families = (
        Family(
            "trim",
            "Finition",
            (
                _value("life", "Finition Life"),
                _value("techno", "Finition Techno", 2_900),
                _value("gt", "Finition GT", 5_800),
            ),
        ),
        Family(
            "engine",
            "Motorisation",
            (
                _value("petrol130", "Essence PureFlow 130 ch"),
                _value("petrol160", "Essence PureFlow 160 ch", 1_500, co2=9),
                _value(
                    "diesel130", "Diesel BlueTorque 130 ch", 1_800, co2=-12, markets=("FR", "BE")
                ),
                _value("phev225", "Hybride rechargeable 225 ch", 7_000, co2=-96),
            ),
        ),
        Family(
            "gearbox",
            "Boîte de vitesses",
            (
                _value("manual6", "Boîte manuelle 6 rapports"),
                Value(
                    "auto8",
                    "Boîte automatique 8 rapports",
                    price=_euros(2_000),
                    co2=Amount(default=4, by="engine", values=(("phev225", 0), ("diesel130", 3))),
                ),
            ),
        ),
        Family(
            "paint",
            "Teinte",
            (
                _value("blanc-glacier", "Blanc Glacier (opaque)"),
                _value("noir-onyx", "Noir Onyx (métallisé)", 650),
                _value("gris-platine", "Gris Platine (métallisé)", 650),
                _value("bleu-horizon", "Bleu Horizon (métallisé)", 650),
                _value("vert-foret", "Vert Forêt (métallisé)", 650),
                _value("sable-dore", "Sable Doré (métallisé)", 650),
                _value("rouge-aurore", "Rouge Aurore (nacré)", 950),
                _value("gris-titane-mat", "Gris Titane mat", 1_500),
            ),
        ),
        Family(
            "roof",
            "Toit",
            (
                _value("body", "Toit couleur carrosserie"),
                _value("black", "Toit noir bi-ton", 450),
                _value("pano", "Toit panoramique ouvrant", 1_100, co2=1),
            ),
        ),
        Family(
            "wheels",
            "Jantes",
            (
                _value("r17", "Jantes alliage 17 pouces"),
                Value(
                    "r18",
                    "Jantes alliage 18 pouces",
                    price=_euros(600, techno=0),
                    co2=Amount(default=2),
                ),
                Value(
                    "r19",
                    "Jantes alliage 19 pouces",
                    price=_euros(900, gt=0),
                    co2=Amount(default=4),
                ),
                _value("r20", "Jantes alliage 20 pouces Diamant", 1_400, co2=6),
            ),
        ),
        Family(
            "upholstery",
            "Sellerie",
            (
                _value("tissu", "Tissu recyclé gris"),
                _value("mixte", "Mixte tissu et TEP", 500),
                Value("cuir", "Cuir Nappa noir", price=_euros(1_800, gt=1_200)),
                _value("alcantara", "Alcantara et TEP Sport", 900),
            ),
        ),
        Family(
            "towbar",
            "Attelage",
            (
                _value("fixed", "Attelage fixe", 450),
                _value("removable", "Attelage démontable", 750),
            ),
            optional=True,
        ),
    )
    options = (
        Option("sport-suspension", "Suspension sport pilotée", _euros(650)),
        Option("heated-seats", "Sièges avant chauffants", _euros(350)),
        Option("heated-wheel", "Volant chauffant", _euros(200)),
        Option("heated-windscreen", "Pare-brise chauffant", _euros(300)),
        Option("heat-pump", "Pompe à chaleur", _euros(800)),
        Option("head-up", "Affichage tête haute", _euros(450)),
        Option("adaptive-cruise", "Régulateur adaptatif Stop & Go", _euros(600)),
        Option("camera-360", "Caméra 360°", _euros(500)),
        Option("premium-audio", "Audio premium Harmonie 10 HP", _euros(700, gt=0)),
        Option("matrix-led", "Projecteurs LED Matrix", _euros(900)),
    )
    packs = (
        Pack(
            "pack-hiver",
            "Pack Hiver",
            (Literal("heated-seats"), Literal("heated-wheel"), Literal("heated-windscreen")),
            price=_euros(650),
        ),
        Pack(
            "pack-techno",
            "Pack Techno",
            (Literal("head-up"), Literal("camera-360"), Literal("adaptive-cruise")),
            price=_euros(1_300),
        ),
    )
    rules = (
        Rule(
            "r19-trim",
            "requires",
            (_is("wheels", "r19"),),
            (_is("trim", "techno", "gt"),),
            "les jantes 19 pouces sont réservées aux finitions Techno et GT",
        ),
        Rule(
            "r20-gt",
            "requires",
            (_is("wheels", "r20"),),
            (_is("trim", "gt"),),
            "les jantes 20 pouces Diamant sont réservées à la finition GT",
        ),
        Rule("gt-no-r17", "excludes", (_is("trim", "gt"),), (_is("wheels", "r17"),)),
        Rule(
            "gt-r20-sport",
            "requires",
            (_is("trim", "gt"), _is("wheels", "r20")),
            (Literal("sport-suspension"),),
            "avec la finition GT, les jantes 20 pouces demandent la suspension sport pilotée",
        ),
        Rule(
            "phev-no-r20",
            "excludes",
            (_is("engine", "phev225"),),
            (_is("wheels", "r20"),),
            "l'hybride rechargeable n'est pas homologué en 20 pouces",
        ),
        Rule("sport-gt", "requires", (Literal("sport-suspension"),), (_is("trim", "gt"),)),
        Rule("heat-pump-phev", "requires", (Literal("heat-pump"),), (_is("engine", "phev225"),)),
        Rule("head-up-trim", "requires", (Literal("head-up"),), (_is("trim", "techno", "gt"),)),
        Rule("camera-trim", "requires", (Literal("camera-360"),), (_is("trim", "techno", "gt"),)),
        Rule(
            "cruise-auto",
            "requires",
            (Literal("adaptive-cruise"),),
            (_is("gearbox", "auto8"),),
            "le régulateur adaptatif Stop & Go demande la boîte automatique",
        ),
        Rule("audio-trim", "requires", (Literal("premium-audio"),), (_is("trim", "techno", "gt"),)),
        Rule("matrix-gt", "requires", (Literal("matrix-led"),), (_is("trim", "gt"),)),
        Rule(
            "black-roof-paint",
            "excludes",
            (_is("roof", "black"),),
            (_is("paint", "noir-onyx"),),
            "le toit noir bi-ton n'existe pas sur une teinte noire",
        ),
        Rule(
            "black-roof-trim", "requires", (_is("roof", "black"),), (_is("trim", "techno", "gt"),)
        ),
        Rule("titane-gt", "requires", (_is("paint", "gris-titane-mat"),), (_is("trim", "gt"),)),
        Rule(
            "nappa-heated",
            "requires",
            (_is("upholstery", "cuir"),),
            (Literal("heated-seats"),),
            "le cuir Nappa est livré avec les sièges avant chauffants",
        ),
        Rule(
            "phev-towbar",
            "excludes",
            (_is("engine", "phev225"),),
            (_is("towbar", "fixed"),),
            "l'hybride rechargeable ne reçoit que l'attelage démontable",
        ),
    )
    powertrain_rows = (
        ("petrol130", "manual6", "life"),
        ("petrol130", "manual6", "techno"),
        ("petrol130", "auto8", "techno"),
        ("petrol160", "auto8", "techno"),
        ("petrol160", "auto8", "gt"),
        ("diesel130", "manual6", "life"),
        ("diesel130", "manual6", "techno"),
        ("diesel130", "auto8", "techno"),
        ("diesel130", "auto8", "gt"),
        ("phev225", "auto8", "techno"),
        ("phev225", "auto8", "gt"),
    )
    upholstery_rows = (
        ("life", "tissu"),
        ("techno", "tissu"),
        ("techno", "mixte"),
        ("techno", "cuir"),
        ("gt", "mixte"),
        ("gt", "cuir"),
        ("gt", "alcantara"),
    )
    tables = (
        Table(
            "powertrains",
            ("engine", "gearbox", "trim"),
            powertrain_rows,
            "Motorisations par finition",
        ),
        Table(
            "upholstery-by-trim", ("trim", "upholstery"), upholstery_rows, "Selleries par finition"
        ),
    )
    defaults = (
        Default(
            (),
            (
                _is("engine", "petrol130"),
                _is("gearbox", "manual6"),
                _is("paint", "blanc-glacier"),
                _is("roof", "body"),
                _is("wheels", "r17"),
                _is("upholstery", "tissu"),
            ),
        ),
        Default((_is("trim", "techno"),), (_is("wheels", "r18"), _is("upholstery", "mixte"))),
        Default(
            (_is("trim", "gt"),),
            (
                _is("engine", "petrol160"),
                _is("gearbox", "auto8"),
                _is("wheels", "r19"),
                _is("upholstery", "cuir"),
                Literal("heated-seats"),
            ),
        ),
        Default((_is("engine", "phev225"),), (_is("gearbox", "auto8"),)),
    )
    return RuleBase(
        code="aurore-terra",
        label="Aurore Terra",
        families=families,
        options=options,
        packs=packs,
        rules=rules,
        tables=tables,
        defaults=defaults,
        markets=("FR", "BE", "CH"),
        base_price_ht=2_325_000,
        co2_base_g_km=128,
    )


def load_demo() -> RuleBase:
    """The demo rule base as shipped in ``data/aurore-terra.json``."""
    return load_rule_base(DEMO_PATH.read_bytes())


if __name__ == "__main__":
    DEMO_PATH.parent.mkdir(exist_ok=True)
    DEMO_PATH.write_bytes(dump_rule_base(demo_rule_base(), indent=True))
    print(f"Written {DEMO_PATH}")

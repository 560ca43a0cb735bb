"""The range of « Aurore », the fictional demo brand: five models, their versions, colours, options.

Figures are plausible WLTP values for cars of each class (not those of a real car). Prices are
written TTC in whole euros, as a showroom shows them, and stored HT in cents.
"""

from __future__ import annotations

from dataclasses import dataclass

BRAND_CODE = "aurore"
BRAND_NAME = "Aurore"
BRAND_BASELINE = "L'élan du matin"
VAT_DIVISOR_CENTS = 6  # TTC = HT × 6/5: a TTC amount in cents divisible by 6 splits exactly


def ht_cents(ttc_euros: int) -> int:
    """The HT price in cents of a whole-euro TTC price that splits exactly at 20 % VAT."""
    cents = ttc_euros * 100
    if cents % VAT_DIVISOR_CENTS:
        raise ValueError(f"{ttc_euros} € TTC does not split exactly at 20 % VAT")
    return cents * 5 // 6


@dataclass(frozen=True, slots=True)
class VersionSpec:
    code: str
    trim: str
    powertrain: str
    energy: str
    power_hp: int
    gearbox: str
    price_ttc_euros: int
    co2_g_km: int
    consumption_x10: int
    crit_air: int
    recycled_share_pct: int
    weight_kg: int
    electric_range_km: int | None = None

    @property
    def consumption_unit(self) -> str:
        return "kwh" if self.energy == "electric" else "l"


@dataclass(frozen=True, slots=True)
class ColourSpec:
    code: str
    name: str
    hex_value: str
    finish: str
    price_ht_euros: int


@dataclass(frozen=True, slots=True)
class OptionSpec:
    code: str
    name: str
    category: str
    price_ht_euros: int
    co2_delta_g_km: int = 0


@dataclass(frozen=True, slots=True)
class PackSpec:
    code: str
    name: str
    price_ht_euros: int
    option_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ModelSpec:
    code: str
    name: str
    body: str
    tagline: str
    description: str
    versions: tuple[VersionSpec, ...]
    colours: tuple[ColourSpec, ...]
    options: tuple[OptionSpec, ...]
    packs: tuple[PackSpec, ...]


WHITE = ColourSpec("blanc-glacier", "Blanc Glacier", "#eef1f3", "solid", 0)
BLACK = ColourSpec("noir-etoile", "Noir Étoile", "#1d2026", "metallic", 625)
BLUE = ColourSpec("bleu-aurore", "Bleu Aurore", "#1f4e9c", "pearl", 875)
RED = ColourSpec("rouge-aube", "Rouge Aube", "#b3242b", "metallic", 625)
GREY = ColourSpec("gris-orage", "Gris Orage", "#5b6169", "metallic", 625)
GREEN = ColourSpec("vert-lagune", "Vert Lagune", "#2e7d6f", "metallic", 625)
YELLOW = ColourSpec("jaune-mimosa", "Jaune Mimosa", "#e9b824", "metallic", 500)
PEARL = ColourSpec("blanc-nacre", "Blanc Nacré", "#f4f1ea", "pearl", 1000)

HEATED_SEATS = OptionSpec("sieges-chauffants", "Sièges avant chauffants", "comfort", 375)
HEATED_WHEEL = OptionSpec("volant-chauffant", "Volant chauffant", "comfort", 165)
CAMERA = OptionSpec("camera-360", "Caméra 360°", "safety", 415)
ADAPTIVE_CRUISE = OptionSpec(
    "regulateur-adaptatif", "Régulateur de vitesse adaptatif", "safety", 500
)
AUDIO = OptionSpec("audio-premium", "Système audio premium 9 haut-parleurs", "tech", 625)
ROOF = OptionSpec("toit-panoramique", "Toit panoramique vitré", "exterior", 1000, 1)
TOWBAR = OptionSpec("attelage", "Attelage escamotable", "exterior", 750)
HEAT_PUMP = OptionSpec("pompe-a-chaleur", "Pompe à chaleur", "tech", 750)
WINTER_PACK = PackSpec("pack-hiver", "Pack Hiver", 450, ("sieges-chauffants", "volant-chauffant"))
SAFETY_PACK = PackSpec(
    "pack-securite", "Pack Sécurité+", 750, ("camera-360", "regulateur-adaptatif")
)


def wheels(inches: int, price_ht_euros: int, co2_delta_g_km: int) -> OptionSpec:
    return OptionSpec(
        f"jantes-{inches}",
        f"Jantes alliage {inches} pouces",
        "wheels",
        price_ht_euros,
        co2_delta_g_km,
    )


def versions(*rows: tuple) -> tuple[VersionSpec, ...]:
    return tuple(VersionSpec(*row) for row in rows)


# Version rows: code, trim, powertrain, energy, hp, gearbox, price (€ TTC), CO2 WLTP (g/km),
# consumption ×10 (l or kWh per 100 km), Crit'Air, recycled materials (%), mass (kg),
# electric range (km).
# fmt: off
RANGE: tuple[ModelSpec, ...] = (
    ModelSpec(
        code="aurore-lumo",
        name="Lumo",
        body="city",
        tagline="La citadine qui allume la ville",
        description=(
            "Compacte à l'extérieur, logeable à l'intérieur : la Lumo se gare partout et "
            "passe en hybride pour les trajets du quotidien."
        ),
        versions=versions(
            ("lumo-evolution-tce-90", "Évolution", "TCe 90", "petrol", 91, "manual", 18_990, 118, 52, 1, 22, 1_095),
            ("lumo-evolution-hybrid-115", "Évolution", "Hybrid 115", "hybrid", 115, "automatic", 22_590, 96, 42, 1, 22, 1_190),
            ("lumo-iconic-hybrid-115", "Iconic", "Hybrid 115", "hybrid", 115, "automatic", 24_990, 98, 43, 1, 24, 1_205),
        ),
        colours=(WHITE, YELLOW, BLUE),
        options=(wheels(16, 335, 0), wheels(17, 500, 2), HEATED_SEATS, HEATED_WHEEL, CAMERA),
        packs=(WINTER_PACK,),
    ),
    ModelSpec(
        code="aurore-vela",
        name="Vela",
        body="suv",
        tagline="Le SUV compact qui prend le large",
        description=(
            "Essence, diesel ou hybride rechargeable : le Vela s'adapte à chaque route, avec "
            "un coffre de 480 litres et jusqu'à 62 km en tout électrique."
        ),
        versions=versions(
            ("vela-evolution-turbo-130", "Évolution", "1.2 Turbo 130", "petrol", 130, "manual", 29_490, 136, 60, 1, 20, 1_340),
            ("vela-techno-bluedci-115", "Techno", "1.5 Blue dCi 115 EDC", "diesel", 115, "automatic", 32_490, 124, 47, 2, 20, 1_420),
            ("vela-techno-phev-195", "Techno", "Plug-in Hybrid 195", "phev", 195, "automatic", 38_490, 28, 12, 1, 21, 1_690, 62),
            ("vela-iconic-phev-195", "Iconic", "Plug-in Hybrid 195", "phev", 195, "automatic", 41_490, 30, 13, 1, 23, 1_715, 58),
        ),
        colours=(GREY, RED, WHITE),
        options=(wheels(18, 500, 2), wheels(19, 835, 3), HEATED_SEATS, HEATED_WHEEL, ROOF, TOWBAR, AUDIO),
        packs=(WINTER_PACK,),
    ),
    ModelSpec(
        code="aurore-electra",
        name="Électra",
        body="hatch",
        tagline="La compacte 100 % électrique",
        description=(
            "Jusqu'à 410 km d'autonomie WLTP, recharge de 10 à 80 % en 30 minutes : "
            "l'Électra fait de l'électrique une évidence."
        ),
        versions=versions(
            ("electra-evolution-40kwh", "Évolution", "40 kWh 122 ch", "electric", 122, "automatic", 30_990, 0, 151, 0, 27, 1_450, 300),
            ("electra-techno-60kwh", "Techno", "60 kWh 218 ch", "electric", 218, "automatic", 36_990, 0, 162, 0, 27, 1_610, 410),
            ("electra-iconic-60kwh", "Iconic", "60 kWh 218 ch", "electric", 218, "automatic", 39_990, 0, 165, 0, 29, 1_625, 400),
        ),
        colours=(GREEN, BLACK, WHITE),
        options=(wheels(18, 500, 0), wheels(20, 1_000, 0), HEAT_PUMP, AUDIO, CAMERA),
        packs=(),
    ),
    ModelSpec(
        code="aurore-brise",
        name="Brise",
        body="estate",
        tagline="Le break familial qui voit grand",
        description=(
            "Cinq vraies places, 620 litres de coffre et une motorisation hybride sobre : la "
            "Brise emmène toute la famille, et ses vélos."
        ),
        versions=versions(
            ("brise-evolution-hybrid-160", "Évolution", "Hybrid 160", "hybrid", 160, "automatic", 34_590, 104, 46, 1, 18, 1_480),
            ("brise-techno-bluedci-150", "Techno", "2.0 Blue dCi 150 EDC", "diesel", 150, "automatic", 37_590, 131, 50, 2, 18, 1_560),
            ("brise-iconic-hybrid-160", "Iconic", "Hybrid 160", "hybrid", 160, "automatic", 40_590, 106, 47, 1, 19, 1_505),
        ),
        colours=(BLUE, GREY, WHITE),
        options=(wheels(17, 415, 1), wheels(18, 665, 2), TOWBAR, ROOF, ADAPTIVE_CRUISE, CAMERA, HEATED_SEATS, HEATED_WHEEL),
        packs=(SAFETY_PACK, WINTER_PACK),
    ),
    ModelSpec(
        code="aurore-altair",
        name="Altaïr",
        body="suv",
        tagline="Le grand SUV électrique",
        description=(
            "Sept places en option, transmission intégrale et jusqu'à 520 km d'autonomie : "
            "l'Altaïr voyage loin, sans un gramme de CO2 à l'échappement."
        ),
        versions=versions(
            ("altair-techno-77kwh", "Techno", "77 kWh 220 ch", "electric", 220, "automatic", 49_890, 0, 176, 0, 25, 2_050, 520),
            ("altair-iconic-87kwh-awd", "Iconic", "87 kWh 306 ch AWD", "electric", 306, "automatic", 58_890, 0, 191, 0, 26, 2_250, 480),
        ),
        colours=(BLACK, PEARL, BLUE),
        options=(wheels(20, 1_000, 0), wheels(21, 1_500, 0), TOWBAR, ROOF, AUDIO, ADAPTIVE_CRUISE, CAMERA),
        packs=(SAFETY_PACK,),
    ),
)
# fmt: on


# The model the demo configures with full product data (``configurator/data/aurore-terra.json``):
# in the catalog and the generated stock. Versions are its three trims' default builds.
TERRA = ModelSpec(
    code="aurore-terra",
    name="Terra",
    body="suv",
    tagline="Le SUV compact à configurer comme vous l'entendez",
    description=(
        "Trois finitions, quatre motorisations dont une hybride rechargeable, huit teintes et "
        "deux packs : la Terra se configure en ligne, sans mauvaise surprise."
    ),
    # fmt: off
    versions=versions(
        (
            "terra-life-essence-130",
            "Life",
            "Essence PureFlow 130 ch",
            "petrol",
            130,
            "manual",
            27_900,
            128,
            56,
            1,
            20,
            1_380,
        ),
        (
            "terra-techno-diesel-130",
            "Techno",
            "Diesel BlueTorque 130 ch",
            "diesel",
            130,
            "manual",
            34_140,
            118,
            45,
            2,
            22,
            1_450,
        ),
        (
            "terra-gt-hybride-225",
            "GT",
            "Hybride rechargeable 225 ch",
            "phev",
            225,
            "automatic",
            47_520,
            36,
            16,
            1,
            24,
            1_690,
            60,
        ),
    ),
    # fmt: on
    colours=(WHITE, GREY, BLUE),
    options=(),
    packs=(),
)
# Every model of the catalog, each with cars in the demo stock.
CATALOG: tuple[ModelSpec, ...] = (*RANGE, TERRA)

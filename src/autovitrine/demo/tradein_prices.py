"""Reference new prices for trade-in estimates (docs/tradein.md): the Aurore range (its entry
price) and the French market's most traded models, as head office would record them. Prices
TTC of a mid-range version, French list prices of the model's last years."""

from __future__ import annotations

from .range import BRAND_NAME, CATALOG

# (segment, make, model, new price € TTC)
MARKET_MODELS: tuple[tuple[str, str, str, int], ...] = (
    ("city", "Renault", "Clio", 18_900),
    ("city", "Peugeot", "208", 21_500),
    ("city", "Citroën", "C3", 16_000),
    ("city", "Dacia", "Sandero", 16_500),
    ("city", "Toyota", "Yaris", 23_000),
    ("city", "Renault", "Zoé", 32_000),
    ("hatch", "Volkswagen", "Golf", 29_000),
    ("hatch", "Peugeot", "308", 29_000),
    ("suv", "Peugeot", "3008", 35_000),
    ("suv", "Renault", "Captur", 24_500),
    ("suv", "Dacia", "Duster", 20_500),
    ("sedan", "Tesla", "Model 3", 43_800),
    ("estate", "Renault", "Mégane Estate", 27_000),
)


def reference_prices() -> list[tuple[str, str, str, int]]:
    """Every reference price of the demo: (segment, make, model, cents)."""
    own = [
        (
            spec.body,
            BRAND_NAME,
            spec.name,
            min(version.price_ttc_euros for version in spec.versions) * 100,
        )
        for spec in CATALOG
    ]
    return own + [(seg, make, model, euros * 100) for seg, make, model, euros in MARKET_MODELS]

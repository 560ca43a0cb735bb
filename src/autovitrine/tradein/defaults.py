"""The rule every installation starts with; head office tunes it in the admin afterwards."""

from __future__ import annotations

DEFAULT_RULE = {
    "name": "Barème de reprise initial",
    "is_active": True,
    # A new car of the segment, before any deduction.
    "base_values": {
        "city": 1_900_000,
        "hatch": 2_700_000,
        "suv": 3_500_000,
        "sedan": 4_000_000,
        "estate": 3_300_000,
        "van": 2_700_000,
    },
    # Used-car demand by energy (2024–2025 French market: diesel and early electric cars sell
    # below petrol, full hybrids above).
    "energy_coefficients_bp": {
        "petrol": 10_000,
        "diesel": 9_500,
        "hybrid": 10_600,
        "phev": 9_500,
        "electric": 7_200,
    },
    # Beyond the 8 years of the age curve (valuation.AGE_CURVE_BP).
    "yearly_depreciation_bp": 800,
    "mileage_depreciation_bp_per_10k": 150,
    "max_mileage_depreciation_bp": 6_000,
    "condition_coefficients_bp": {
        "excellent": 10_400,
        "good": 10_000,
        "fair": 8_800,
        "poor": 7_000,
    },
    "floor_cents": 50_000,
    "resale_markup_bp": 2_500,
}

# The new price of an average car of each segment (TTC, cents): the reference a trade-in
# starts from when head office has not recorded the make or the model (France, 2025 catalogue
# prices, mid-range versions).
SEGMENT_REFERENCE_PRICES = {
    "city": 1_900_000,
    "hatch": 2_700_000,
    "suv": 3_500_000,
    "sedan": 4_000_000,
    "estate": 3_300_000,
    "van": 2_700_000,
}

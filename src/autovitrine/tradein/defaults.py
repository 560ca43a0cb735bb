"""The rule every installation starts with; head office tunes it in the admin afterwards."""

from __future__ import annotations

DEFAULT_RULE = {
    "name": "Barème de reprise initial",
    "is_active": True,
    # A new car of the segment, before any deduction.
    "base_values": {
        "city": 1_400_000,
        "hatch": 1_900_000,
        "suv": 2_600_000,
        "sedan": 2_400_000,
        "estate": 2_200_000,
        "van": 1_800_000,
    },
    "energy_coefficients_bp": {
        "petrol": 10_000,
        "diesel": 9_000,
        "hybrid": 10_500,
        "phev": 10_300,
        "electric": 9_500,
    },
    "yearly_depreciation_bp": 1_500,
    "mileage_depreciation_bp_per_10k": 150,
    "max_mileage_depreciation_bp": 6_000,
    "condition_coefficients_bp": {
        "excellent": 10_500,
        "good": 10_000,
        "fair": 8_500,
        "poor": 6_500,
    },
    "floor_cents": 50_000,
    "resale_markup_bp": 2_500,
}

"""The public face of pricing: what a car sold to a French consumer costs, and how it may be
financed. The rules live in their modules (``quotes``, ``registration``, ``financing``, ``law``),
each citing its article; the apps that sell (orders, configurator, flash sales) read them here."""

from __future__ import annotations

from .financing import (
    LEGAL_WARNING,
    SIMULATION_NOTICE,
    FinancingError,
    FinancingPlan,
    credit_defaults,
    l314_6_usury_check,
    lease_plan,
    loan_plan,
    representative_example,
)
from .law.weight_malus import BUYER_EXEMPTIONS_NOTE
from .quotes import (
    BuiltCar,
    Quote,
    QuoteLine,
    built_car_quote,
    factory_car,
    l216_1_delivery_by,
    planned_factory_delivery,
    stock_quote,
)
from .registration import department_of, region_rate, registration_postcode

__all__ = [
    "BUYER_EXEMPTIONS_NOTE",
    "LEGAL_WARNING",
    "SIMULATION_NOTICE",
    "BuiltCar",
    "FinancingError",
    "FinancingPlan",
    "Quote",
    "QuoteLine",
    "built_car_quote",
    "credit_defaults",
    "department_of",
    "factory_car",
    "l216_1_delivery_by",
    "l314_6_usury_check",
    "lease_plan",
    "loan_plan",
    "planned_factory_delivery",
    "region_rate",
    "registration_postcode",
    "representative_example",
    "stock_quote",
]

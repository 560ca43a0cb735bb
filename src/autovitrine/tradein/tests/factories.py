"""Factories for trade-in tests."""

from __future__ import annotations

import factory

from autovitrine.testing.factories import UserFactory
from autovitrine.tradein.defaults import DEFAULT_RULE
from autovitrine.tradein.models import TradeIn, ValuationRule


def default_rule() -> ValuationRule:
    """The rule the data migration installs (tests may run with a flushed database)."""
    return ValuationRule.objects.filter(is_active=True).first() or ValuationRule.objects.create(
        **DEFAULT_RULE
    )


class TradeInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TradeIn

    customer = factory.SubFactory(UserFactory)
    rule = factory.LazyFunction(default_rule)
    make = "Peugeot"
    model_label = "308"
    segment = "hatch"
    energy = "diesel"
    year = 2019
    mileage_km = 85_000
    condition = "good"
    plate = "AB-123-CD"
    estimate_cents = 700_000
    estimate_lines = factory.LazyFunction(lambda: [{"label": "Estimation", "cents": 700_000}])

"""The demo's after-sales: workshops for the demo dealers, ~500 parts, a week of jobs, twice
the same."""

from collections import defaultdict

import pytest

from autovitrine.demo import loader
from autovitrine.demo.aftersales import load_aftersales
from autovitrine.parts.models import Part
from autovitrine.workshop.models import Booking, Operation, WorkshopSettings
from autovitrine.workshop.selectors import free_slots


@pytest.fixture
def demo_dealers(db, settings, tmp_path):
    # No drawn pictures needed here: every model points at an empty image name.
    loader.load_range(defaultdict(str), lambda _n: None)
    dealers, _ = loader.load_network(3, lambda _n: None)
    return dealers


def test_demo_workshops_parts_and_a_week_of_jobs(demo_dealers):
    added = load_aftersales(demo_dealers, lambda _n: None)
    assert added > 0
    assert WorkshopSettings.objects.count() == 3
    assert 450 <= Part.objects.count() <= 550
    assert Booking.objects.filter(dealer=demo_dealers[0]).count() >= 10
    revision = Operation.objects.get(code="revision-60000")
    assert free_slots(dealer_id=demo_dealers[0].pk, operation_ids=[revision.pk]).slots
    assert load_aftersales(demo_dealers, lambda _n: None) == 0

"""The one transition-table helper used by orders, payments, trade-ins, leads and stock."""

from __future__ import annotations

import pytest

from autovitrine.core.statuses import Transitions

TABLE = Transitions({"draft": {"paid", "cancelled"}, "paid": {"cancelled"}, "cancelled": set()})


def test_a_move_in_the_table_is_allowed_and_any_other_is_not():
    assert TABLE.allows("draft", "paid") is True
    assert TABLE.allows("paid", "draft") is False
    assert TABLE.allows("unknown", "paid") is False


def test_targets_and_sources_read_the_table_both_ways():
    assert TABLE.targets("draft") == frozenset({"paid", "cancelled"})
    assert TABLE.targets("unknown") == frozenset()
    assert TABLE.sources_of("cancelled") == ["draft", "paid"]


def test_a_target_without_its_own_row_is_refused_when_the_model_loads():
    with pytest.raises(ValueError, match="refunded"):
        Transitions({"paid": {"refunded"}})

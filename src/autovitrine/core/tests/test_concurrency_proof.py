"""race() fails a test whose clients never ran at the same time."""

from __future__ import annotations

import threading

from autovitrine.testing.concurrency import overlapping_pairs, race


def test_spans_that_share_a_moment_overlap_and_back_to_back_ones_do_not():
    assert overlapping_pairs([(0.0, 2.0), (1.0, 3.0), (2.0, 4.0)]) == 2
    assert overlapping_pairs([(0.0, 1.0), (1.0, 2.0), (2.0, 3.0)]) == 0


def test_race_passes_when_both_clients_are_inside_at_once():
    both_inside = threading.Barrier(2, timeout=10)

    results, errors = race(2, lambda i: both_inside.wait() is not None and i)

    assert (sorted(results), errors) == ([0, 1], [])

"""The interval algebra behind availability, against brute force on a minute grid."""

from hypothesis import given
from hypothesis import strategies as st

from autovitrine.workshop import capacity


def _disjoint(draw_list):
    points = sorted(set(draw_list))
    return [(points[i], points[i + 1]) for i in range(0, len(points) - 1, 2)]


intervals = st.lists(st.integers(0, 200), max_size=12).map(_disjoint)


def _minutes(ivs):
    return {m for a, b in ivs for m in range(a, b)}


@given(intervals, st.lists(st.tuples(st.integers(0, 200), st.integers(1, 60)), max_size=8))
def test_subtract_matches_brute_force(free, raw_busy):
    busy = [(a, a + d) for a, d in raw_busy]
    assert _minutes(capacity.subtract(free, busy)) == _minutes(free) - _minutes(busy)


@given(intervals, intervals)
def test_intersect_of_start_sets(a, b):
    closed = lambda ivs: {m for x, y in ivs for m in range(x, y + 1)}  # noqa: E731
    assert closed(capacity.intersect(a, b)) == closed(a) & closed(b)


@given(intervals, st.integers(1, 90))
def test_starts_for_means_the_whole_job_fits(free, duration):
    minutes = _minutes(free)
    expected = {s for s in range(0, 260) if all(m in minutes for m in range(s, s + duration))}
    got = {s for a, b in capacity.starts_for(free, duration) for s in range(a, b + 1)}
    assert got == expected


def test_grid_slots_follow_each_opening():
    assert capacity.grid_slots([(30, 95)], [(0, 120)], 30) == [30, 60, 90]
    assert capacity.grid_slots([(31, 95)], [(0, 120)], 30) == [60, 90]
    assert (
        capacity.grid_slots([(0, 10), (500, 600)], [(0, 60), (480, 600)], 30)
        == [0, 510, 540, 570, 600][:4]
    )

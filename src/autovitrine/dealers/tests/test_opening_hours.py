"""Opening hours in French: consecutive days with the same hours on one line, closed days said."""

from __future__ import annotations

import datetime as dt

import pytest

from autovitrine.dealers.models import OpeningPeriod
from autovitrine.dealers.selectors import dealer_for_page, opening_hours_fr
from autovitrine.testing import factories as f

MONDAY, TUESDAY, WEDNESDAY, SATURDAY, SUNDAY = 0, 1, 2, 5, 6


def hours_of(periods: list[tuple[int, dt.time, dt.time]]) -> list[str]:
    dealer = f.DealerFactory.create(hours=False)
    # Saved in reverse, so the order shown comes from the reading, not from the insertion.
    for weekday, opens_at, closes_at in reversed(periods):
        OpeningPeriod.objects.create(
            dealer=dealer, weekday=weekday, opens_at=opens_at, closes_at=closes_at
        )
    shown = dealer_for_page(dealer.code)
    assert shown is not None
    return opening_hours_fr(shown)


def split_day(weekday: int) -> list[tuple[int, dt.time, dt.time]]:
    return [
        (weekday, dt.time(8, 30), dt.time(12)),
        (weekday, dt.time(14), dt.time(19)),
    ]


@pytest.mark.django_db
def test_weekdays_with_a_lunch_break_are_grouped_and_sunday_is_closed():
    # Given
    periods = [period for day in range(5) for period in split_day(day)]
    periods.append((SATURDAY, dt.time(9), dt.time(12)))

    # When
    lines = hours_of(periods)

    # Then
    assert lines == [
        "lundi – vendredi : 8 h 30 – 12 h, 14 h – 19 h",
        "samedi : 9 h – 12 h",
        "dimanche : fermé",
    ]


@pytest.mark.django_db
def test_a_closed_day_in_the_week_breaks_the_run_and_closed_days_group_too():
    # Given open Tuesday to Friday, closed Monday and the weekend
    periods = [(day, dt.time(9), dt.time(18, 45)) for day in range(TUESDAY, SATURDAY)]

    # When
    lines = hours_of(periods)

    # Then
    assert lines == [
        "lundi : fermé",
        "mardi – vendredi : 9 h – 18 h 45",
        "samedi – dimanche : fermé",
    ]


@pytest.mark.django_db
def test_the_same_hours_on_days_apart_are_not_grouped():
    # Given Monday and Wednesday alike, Tuesday different, every day open
    periods = [
        (MONDAY, dt.time(9), dt.time(18)),
        (TUESDAY, dt.time(10), dt.time(18)),
        (WEDNESDAY, dt.time(9), dt.time(18)),
        *[(day, dt.time(9), dt.time(18)) for day in range(3, 7)],
    ]

    # When
    lines = hours_of(periods)

    # Then
    assert lines == [
        "lundi : 9 h – 18 h",
        "mardi : 10 h – 18 h",
        "mercredi – dimanche : 9 h – 18 h",
    ]


@pytest.mark.django_db
def test_no_published_hours_gives_no_line_rather_than_closed_all_week():
    # When
    lines = hours_of([])

    # Then
    assert lines == []


@pytest.mark.django_db
def test_the_page_reads_the_hours_from_its_prefetch(django_assert_num_queries, dealer):
    # Given
    page_dealer = dealer_for_page(dealer.code)

    # When
    with django_assert_num_queries(0):
        lines = opening_hours_fr(page_dealer)

    # Then
    assert lines == ["lundi – samedi : 9 h – 12 h 30, 14 h – 19 h", "dimanche : fermé"]

"""One French phone parser (phonenumbers) for every form: leads, orders."""

from __future__ import annotations

import pytest

from autovitrine.core.phones import french_phone_normalize


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("06 12 34 56 78", "06 12 34 56 78"),
        ("0612345678", "06 12 34 56 78"),
        ("06.12.34.56.78", "06 12 34 56 78"),
        ("06-12-34-56-78", "06 12 34 56 78"),
        ("+33 6 12 34 56 78", "06 12 34 56 78"),
        ("+33 (0)6 12 34 56 78", "06 12 34 56 78"),
        ("0033 6 12 34 56 78", "06 12 34 56 78"),
        ("01 42 68 53 00", "01 42 68 53 00"),
        ("09 87 65 43 21", "09 87 65 43 21"),
    ],
)
def test_every_french_way_of_writing_a_number_gives_the_national_form(typed, expected):
    assert french_phone_normalize(typed) == expected


@pytest.mark.parametrize(
    "typed", ["", "0612", "06 12 34 56 78 90", "+44 20 7946 0958", "00 12 34 56 78", "abc"]
)
def test_what_is_not_a_french_number_is_refused(typed):
    assert french_phone_normalize(typed) is None

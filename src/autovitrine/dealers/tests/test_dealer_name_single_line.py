"""A dealer's name reaches the subject of buyers' e-mails: a line break there is refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from autovitrine.testing import factories as f


@pytest.mark.parametrize("name", ["Aurore\r\nBcc: victime@example.fr", "Aurore\nLyon", "A\rB"])
def test_a_line_break_in_a_dealer_name_is_refused(db, name):
    dealer = f.DealerFactory()
    dealer.name = name

    with pytest.raises(ValidationError) as refused:
        dealer.full_clean()

    assert "name" in refused.value.message_dict


def test_a_one_line_dealer_name_is_accepted(db):
    dealer = f.DealerFactory()
    dealer.name = "Aurore Lyon — Gerland"

    dealer.full_clean()

"""Anonymous status polls are rate-limited per address (issue #11, defect 9): a script hammering
the waiting room's status is refused with the API's 429, real pages and other addresses are not."""

from __future__ import annotations

from django.urls import reverse


def test_anonymous_polls_from_one_address_are_limited(client, sale_kit, settings):
    # Given a limit of 5 polls a minute for an address without an account
    settings.FLASHSALE_ANONYMOUS_POLLS_PER_MINUTE = 5
    kit = sale_kit(units=1)
    url = reverse("flashsales:status", kwargs={"slug": kit.sale.slug})

    # When one address polls 6 times, and another polls once
    answers = [client.get(url, REMOTE_ADDR="198.51.100.9") for _ in range(6)]
    other = client.get(url, REMOTE_ADDR="198.51.100.10")

    # Then the sixth is refused in French with a delay, the other address is answered
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    error = answers[-1].json()["error"]
    assert error["code"] == "rate_limited"
    assert "patientez" in error["message"]
    assert other.status_code == 200


def test_a_signed_in_customer_is_not_held_by_the_anonymous_limit(client_as, sale_kit, settings):
    settings.FLASHSALE_ANONYMOUS_POLLS_PER_MINUTE = 2
    kit = sale_kit(units=1)
    client, _ = client_as("customer")
    url = reverse("flashsales:status", kwargs={"slug": kit.sale.slug})

    answers = [client.get(url, REMOTE_ADDR="198.51.100.9").status_code for _ in range(4)]

    assert answers == [200] * 4

"""Issue 10: the secret links sent by e-mail or handed out (a signed token or code: cancel or move
a workshop booking, accept a test-drive slot, unsubscribe, activate an account, reset a password,
a station photo's address, the payment simulator's page) are rate-limited per client like unknown
references (``code_lookup_missed``):
past ``CODE_LOOKUPS_PER_WINDOW`` invalid links, a French 429 page with ``Retry-After``. Only
invalid links count, and a valid one is never refused, even from a client refused just before."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from autovitrine.core.ratelimit import CODE_LOOKUPS_PER_WINDOW
from autovitrine.leads.services import lead_propose_slot, slot_link_token
from autovitrine.payments.providers.simulated import SimulatedProvider
from autovitrine.testing import factories as f

pytestmark = pytest.mark.django_db

# (url name, its arguments with a forged token, method)
LINKS = [
    ("workshop:manage", {"token": "forged:token"}, "get"),
    ("leads:slot_accept", {"token": "forged:token"}, "get"),
    ("community:unsubscribe", {"token": "forged:token"}, "get"),
    ("production:station_photo", {"token": "forged:token"}, "get"),
    ("accounts:activate", {"uidb64": "MTIzNDU", "token": "forged-token"}, "post"),
    ("accounts:password_reset_confirm", {"uidb64": "MTIzNDU", "token": "forged-token"}, "get"),
    ("payments:simulator", {"token": "forged:token"}, "get"),
]


def _forged(kwargs: dict[str, str], i: int) -> dict[str, str]:
    return {name: f"{value}{i}" for name, value in kwargs.items()}


@pytest.mark.parametrize(("url_name", "kwargs", "method"), LINKS, ids=[n for n, *_ in LINKS])
def test_forged_links_past_the_quota_get_a_french_429(client, url_name, kwargs, method):
    for i in range(CODE_LOOKUPS_PER_WINDOW):
        response = getattr(client, method)(reverse(url_name, kwargs=_forged(kwargs, i)))
        assert response.status_code in (200, 400, 404), response.status_code

    refused = getattr(client, method)(reverse(url_name, kwargs=_forged(kwargs, 999)))

    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 600
    text = html.unescape(refused.content.decode())
    assert "Trop de références consultées : réessayez dans" in text


def test_a_valid_link_is_never_refused_even_right_after_a_refusal(client, dealer, dealer_staff):
    # Given: a customer's real slot link, and a client refused for forged links
    lead = f.LeadFactory(dealer=dealer, kind="test_drive", email="lea@example.fr")
    proposal = lead_propose_slot(
        lead_id=lead.pk,
        dealer_id=dealer.pk,
        by=dealer_staff,
        slot=timezone.now() + dt.timedelta(days=2),
    )
    for i in range(CODE_LOOKUPS_PER_WINDOW + 1):
        client.get(reverse("leads:slot_accept", kwargs={"token": f"forged{i}"}))
    assert client.get(reverse("leads:slot_accept", kwargs={"token": "x"})).status_code == 429

    # When: the same client opens the real link, again and again
    url = reverse("leads:slot_accept", kwargs={"token": slot_link_token(proposal)})
    answers = [client.get(url).status_code for _ in range(5)]

    # Then
    assert answers == [200] * 5


def test_valid_links_opened_many_times_never_count(client, dealer, dealer_staff):
    lead = f.LeadFactory(dealer=dealer, kind="test_drive", email="lea@example.fr")
    proposal = lead_propose_slot(
        lead_id=lead.pk,
        dealer_id=dealer.pk,
        by=dealer_staff,
        slot=timezone.now() + dt.timedelta(days=2),
    )
    url = reverse("leads:slot_accept", kwargs={"token": slot_link_token(proposal)})
    for _ in range(CODE_LOOKUPS_PER_WINDOW + 5):
        assert client.get(url).status_code == 200
    # A forged link is then the first miss, not one past the quota.
    assert client.get(reverse("leads:slot_accept", kwargs={"token": "x"})).status_code == 404


def test_a_real_payment_page_opens_even_right_after_forged_ones_were_refused(client):
    # Given: a client refused for forged simulator links
    for i in range(CODE_LOOKUPS_PER_WINDOW + 1):
        client.get(reverse("payments:simulator", kwargs={"token": f"forged:{i}"}))
    assert client.get(reverse("payments:simulator", kwargs={"token": "x"})).status_code == 429

    # When: it opens the page of a payment it really started
    session = SimulatedProvider(secret="s").create_payment(
        amount_cents=150_000, reference="AV-TEST", idempotency_key="k1", return_url="/"
    )

    # Then
    assert client.get(session.redirect_url).status_code == 200

"""The sale page is rendered once per sale state and shared by the signed-in customers; each
still gets its own CSRF token, challenge, keys and account menu, and the page follows the sale."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from autovitrine.flashsales import sale_page, services
from autovitrine.flashsales.models import FlashSale, Hold
from autovitrine.flashsales.tokens import proof_of_work_solve
from autovitrine.testing.text import must_find

from .factories import claim, join, poll_all

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _attr(html: str, name: str) -> str:
    return must_find(rf'{name}="([^"]*)"', html).group(1)


def _open_page(client: Client, kit):
    return client.get(reverse("flashsales:teaser", kwargs={"slug": kit.sale.slug}))


def test_customers_share_one_rendering_and_keep_their_own_tokens(sale_kit, buyers):
    # Given a published sale and two signed-in customers
    kit = sale_kit(units=2)
    alice, bruno = buyers(2)
    clients = {alice: _signed_in(alice), bruno: _signed_in(bruno)}

    # When both open the sale page
    pages = {user: _open_page(client, kit) for user, client in clients.items()}

    # Then the template was rendered for the first only
    assert [t.name for t in pages[alice].templates][:1] == ["flashsales/teaser.html"]
    assert pages[bruno].templates == []
    # and each page carries its own account, challenge and keys
    html = {user: page.content.decode() for user, page in pages.items()}
    assert alice.email in html[alice] and bruno.email not in html[alice]
    assert bruno.email in html[bruno] and alice.email not in html[bruno]
    for field in ("data-challenge", "data-join-key", 'name="idempotency_key" value'):
        assert _attr(html[alice], field) != _attr(html[bruno], field)
    assert "avp" not in html[bruno]  # no placeholder left
    # and each joins with its own page's challenge and CSRF token (checked)
    for user, client in clients.items():
        challenge = _attr(html[user], "data-challenge")
        joined = client.post(
            reverse("flashsales:join", kwargs={"slug": kit.sale.slug}),
            {"challenge": challenge, "nonce": proof_of_work_solve(challenge, 1)},
            headers={
                "X-CSRFToken": _attr(html[user], 'name="csrf-token" content'),
                "Idempotency-Key": _attr(html[user], "data-join-key"),
            },
        )
        assert joined.status_code == 200, joined.content
        assert joined.json()["place"] == "pre"


def test_the_shared_page_follows_the_sale_opening_and_edits(
    sale_kit, buyers, django_capture_on_commit_callbacks
):
    kit = sale_kit(units=2)
    (alice,) = buyers(1)
    client = _signed_in(alice)
    assert "Ouverture dans" in _open_page(client, kit).content.decode()

    # When head office opens the sale (the state this process reads is dropped at the commit)
    with django_capture_on_commit_callbacks(execute=True):
        kit.open()

    # Then the next view is the open sale's page
    html = _open_page(client, kit).content.decode()
    assert "Ouverture dans" not in html
    assert "Vente flash · Ouverte" in html

    # And an edit shows once the sale is read again (within 5 s)
    sale = FlashSale.objects.get(pk=kit.sale.pk)
    sale.title = "Terra édition finale"
    sale.save()
    services._sale_info_cache.clear()  # 5 s later
    assert "Terra édition finale" in _open_page(client, kit).content.decode()


def test_a_customer_with_a_message_to_read_gets_a_page_of_their_own(sale_kit, buyers):
    kit = sale_kit(units=1)
    kit.open()
    alice, bruno = buyers(2)
    _open_page(_signed_in(alice), kit)  # the shared copy exists
    client = Client()
    client.force_login(bruno, backend="django.contrib.auth.backends.ModelBackend")

    # When a refused claim sends Bruno back to the sale page with a message
    page = client.post(
        reverse("flashsales:claim", kwargs={"slug": kit.sale.slug}), {"token": "x"}, follow=True
    )

    # Then he reads it, on his own page
    html = page.content.decode()
    assert "Votre accès à la réservation n&#x27;est pas valable" in html
    assert bruno.email in html and alice.email not in html


def test_a_nonce_in_the_shared_page_is_each_request_s_own():
    # A template asking for a nonce gets the placeholder in the shared copy
    page = sale_page.shared_copy(
        ("nonce-test",), lambda values: f'<script nonce="{sale_page.PLACEHOLDERS["csp_nonce"]}">'
    )
    first, second = RequestFactory().get("/"), RequestFactory().get("/")
    first.csp_nonce, second.csp_nonce = "n0nce-A", "n0nce-B"

    # Each response carries the nonce of its own request, never one shared with another
    assert sale_page.fill(page, {}, first) == '<script nonce="n0nce-A">'
    assert sale_page.fill(page, {}, second) == '<script nonce="n0nce-B">'


def test_only_the_customer_s_own_running_hold_is_offered_on_the_sale_page(sale_kit, buyers):
    # Given an open sale in which Alice holds a car, and Bruno held one whose time ran out
    kit = sale_kit(units=3)
    alice, bruno, chloe = buyers(3)
    for user in (alice, bruno):
        join(kit, user)
    kit.open()
    tokens, _ = poll_all(kit, [alice, bruno])
    refs = {user: claim(kit, user, tokens[user]).hold_ref for user in (alice, bruno)}
    Hold.objects.filter(ref=refs[bruno]).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    hold_link = {
        user: reverse("flashsales:hold", kwargs={"ref": ref}) for user, ref in refs.items()
    }

    # When each opens the sale page
    html = {
        user: _open_page(_signed_in(user), kit).content.decode() for user in (alice, bruno, chloe)
    }
    offer = "Voir ma réservation"

    # Then Alice is offered her reservation, and only hers
    assert hold_link[alice] in html[alice] and offer in html[alice]
    assert hold_link[bruno] not in html[alice]
    # and Bruno, whose hold ran out, and Chloé, who holds nothing, get the shared page with none
    for user in (bruno, chloe):
        assert offer not in html[user]
        assert user.email in html[user]
    # and once Alice's hold is released, her page offers it no more
    Hold.objects.filter(ref=refs[alice]).update(status=Hold.Status.RELEASED)
    assert offer not in _open_page(_signed_in(alice), kit).content.decode()

"""The page solves at the difficulty the server states: when its network took places while the
page was open, the join is answered with a harder challenge, which the page solves and sends
without a click (issue #11, defect 8)."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from autovitrine.flashsales.models import QueueEntry
from autovitrine.flashsales.queue import waiting_room
from autovitrine.testing import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_the_page_solves_the_harder_challenge_it_is_handed(new_phone, sale_kit):
    # Given a sale page opened by a customer while the network holds no place
    kit = sale_kit(units=1, pow_difficulty_bits=6)
    user = f.UserFactory(email="camille@example.fr")
    phone = new_phone()
    phone.goto("/compte/connexion/")
    form = phone.locator("#login-form")
    form.get_by_label("Adresse e-mail").fill(user.email)
    form.locator("[name=password]").fill(f.PASSWORD)
    form.locator("[type=submit]").click()
    phone.wait_for_load_state()
    phone.goto(f"/ventes-flash/{kit.sale.slug}/")
    room = phone.locator("#waiting-room")
    first = int(room.get_attribute("data-difficulty") or "0")

    # When 300 places are taken from the page's network (the server's default: one bit per 100
    # places) before the customer clicks "Rejoindre la file"
    nets = f"{settings.REDIS_KEY_PREFIX}:fs:{{{kit.sale.pk}}}:nets"
    waiting_room().client.hset(nets, "127.0.0.0/24", 300)
    phone.get_by_role("button", name="Rejoindre la file").click()

    # Then the page is in the pre-queue, having solved the 3-bit harder challenge it was handed
    expect(phone.get_by_text("Vous êtes inscrit dans la pré-file")).to_be_visible()
    assert int(room.get_attribute("data-difficulty") or "0") == first + 3
    assert QueueEntry.objects.filter(sale=kit.sale, customer=user).count() == 1

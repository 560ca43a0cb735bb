"""The queue pass lives no longer than the session it was issued with (issue #11, defect 9): after
a sign-out, the pass and the old session cookie, replayed together, no longer name the account on
the waiting room's fast path. Through the production ASGI application."""

from __future__ import annotations

import pytest
from django.conf import settings

from autovitrine.flashsales.tokens import PASS_COOKIE

from .asgi_buyers import Buyer, new_buyer, run

pytestmark = pytest.mark.django_db(transaction=True)


def test_after_sign_out_the_old_queue_pass_names_nobody(sale_kit, buyers):
    # Given a signed-in buyer in the pre-queue, holding a queue pass
    kit = sale_kit(units=1, slug="pass-lifetime")
    (user,) = buyers(1)

    async def scenario():
        buyer = await new_buyer(user)
        await buyer.open_page(kit.sale.slug)
        assert (await buyer.join()).status_code == 200
        before = await buyer.status()
        stolen = {
            PASS_COOKIE: buyer.client.cookies[PASS_COOKIE],
            settings.SESSION_COOKIE_NAME: buyer.client.cookies[settings.SESSION_COOKIE_NAME],
        }
        # When the buyer signs out, and someone replays the old cookies
        signed_out = await buyer.client.post("/compte/deconnexion/", headers=buyer._csrf())
        replay = Buyer(None)
        replay.slug = kit.sale.slug
        for name, value in stolen.items():
            replay.client.cookies.set(name, value)
        after = await replay.status()
        challenge = await replay.client.get(f"/ventes-flash/{kit.sale.slug}/file/defi/")
        await buyer.close()
        await replay.close()
        return before, signed_out, after, challenge

    before, signed_out, after, challenge = run(scenario())

    # Then the old pass is worth nothing: the place is no longer shown, no challenge is issued
    assert before.json()["place"] == "pre"
    assert signed_out.status_code in (200, 302)
    assert after.status_code == 200
    assert after.json()["place"] != "pre"
    assert challenge.status_code == 401

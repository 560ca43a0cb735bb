"""Pre-contractual information on the flash-sale hold page (Code de la consommation L221-5 and
L111-1): paying the deposit there concludes a distance sale, so « avant que le consommateur ne
soit lié par un contrat de vente » the page gives the seller's identity (the delivering dealer:
company name, legal form, capital, RCS, address, VAT number), the delivery deadline (L216-1),
the withdrawal rule (L221-18), the legal guarantees (L217-3, C. civ. 1641) and the consumer
mediator (L616-1), as the other checkout pages do."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from .factories import claim, direct_token, join

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return html.unescape(response.content.decode()).replace("\u202f", " ").replace("\xa0", " ")


def test_l221_5_the_hold_page_gives_the_pre_contractual_information_before_the_pay_button(
    client_as, sale_kit, settings
):
    kit = sale_kit(units=1)
    client, buyer = client_as("customer")
    join(kit, buyer)
    kit.open()
    answer = claim(kit, buyer, direct_token(kit, buyer))
    hold_url = reverse("flashsales:hold", kwargs={"ref": answer.hold_ref})
    dealer = client.get(hold_url).context["hold"].delivering_dealer
    dealer.company_name = "Garage du Rhône SAS"
    dealer.legal_form = "SAS"
    dealer.share_capital_eur = 50_000
    dealer.rcs = "RCS Lyon 123 456 789"
    dealer.vat_number = "FR12123456789"
    dealer.save()

    page = _text(client.get(hold_url))

    legal = page[page.index('id="precontract"') : page.index('id="pay-form"')]
    assert "Garage du Rhône SAS, SAS, au capital de 50 000 €" in legal  # L221-5 1°, L111-1 4°
    assert "RCS Lyon 123 456 789" in legal and "FR12123456789" in legal
    assert dealer.city in legal
    assert "art. L216-1" in legal  # a stock car: 30 days at most
    assert "jusqu'à 14 jours après la prise de possession" in legal  # L221-18
    assert "L217-3" in legal and "1641" in legal
    assert settings.CONSUMER_MEDIATOR["name"] in legal and "L616-1" in legal

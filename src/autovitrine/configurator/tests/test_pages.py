"""The buyer's configurator pages: greyed values and why, the proposed change, price and label,
saving, sharing, old configurations after the product data changed, a lead, an order."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse

from autovitrine.configurator.models import SavedConfiguration
from autovitrine.configurator.selectors import (
    choices_query,
    configuration_state,
    selection_tokens,
)
from autovitrine.configurator.services import configuration_save, configurator_for
from autovitrine.leads.models import Lead
from autovitrine.orders.models import Order
from autovitrine.testing import factories as f
from autovitrine.testing.text import must_find

from .conftest import drop_sable_and_part_r20_from_winter

pytestmark = pytest.mark.django_db

GT_SABLE_R20_WINTER = [
    ("trim", "gt"),
    ("paint", "sable-dore"),
    ("wheels", "r20"),
    ("pack-hiver", True),
]


def page(client, choices=(), **extra) -> str:
    url = reverse("configurator:configure", kwargs={"model_code": "aurore-terra"})
    response = client.get(f"{url}?{choices_query(list(choices), **extra)}")
    assert response.status_code == 200
    return response.content.decode()


def value_link(html: str, name: str, label: str) -> str:
    """The <a> of one value, by the family (data-name) and its label."""
    for match in re.finditer(r'<a href="[^"]*" data-name="([^"]+)".*?</a>', html, re.S):
        if match.group(1) == name and label in match.group(0):
            return match.group(0)
    raise AssertionError(f"no value {label!r} for {name}")


def euros(text: str) -> int:
    """47 520 € (any spaces) → 47520."""
    return int(re.sub(r"\D", "", text))


def step_of(terra, key: str) -> int:
    return [step.key for step in configuration_state(terra, []).steps].index(key)


def checkout_form(dealer) -> dict[str, object]:
    return {
        "first_name": "Léa",
        "last_name": "Fontaine",
        "email": "lea@example.fr",
        "phone": "06 12 34 56 78",
        "street": "3 rue de la République",
        "postcode": "69002",
        "city": "Lyon",
        "dealer": dealer.pk,
        "accept": "on",
        "idempotency_key": uuid.uuid4().hex,
    }


def href(html_link: str) -> str:
    return must_find(r'href="\?([^"]+)"', html_link).group(1).replace("&amp;", "&")


def follow(client, html_link: str) -> str:
    url = reverse("configurator:configure", kwargs={"model_code": "aurore-terra"})
    response = client.get(f"{url}?{href(html_link)}")
    assert response.status_code == 200
    return response.content.decode()


def chosen(terra, html: str) -> list[str]:
    """The buyer's choices the page's links carry (its state id)."""
    key = must_find(r'name="e" value="([^"]+)"', html).group(1)
    tokens = selection_tokens(terra, key)
    assert tokens is not None, f"no saved choices under {key!r}"
    return tokens


def test_life_marks_the_20_inch_wheels_and_a_tap_says_why_and_what_the_change_costs(client, terra):
    wheels = step_of(terra, "wheels")
    html = page(client, [("trim", "life")], etape=wheels)

    r20 = value_link(html, "wheels", "20 pouces")
    assert "needs-change" in r20 and "Demande d'autres changements" in r20
    assert "needs-change" not in value_link(html, "wheels", "17 pouces")

    tried = follow(client, r20)
    assert "réservées à la finition GT" in tried
    assert "Finition : Finition Life → <strong>Finition GT</strong>" in tried
    cost = re.search(r'id="cfg-cost".*?</table>', tried, re.S).group(0)
    before, after = re.findall(
        r"<tr><th scope=\"row\">Prix TTC</th><td>([^<]+)</td><td><strong>([^<]+)<", cost
    )[0]
    gt_r20 = configurator_for(terra).default_completion({"trim": "gt", "wheels": "r20"})
    assert euros(after) == gt_r20.price.ttc // 100
    assert euros(before) < euros(after)
    assert chosen(terra, tried) == ["trim:life"]  # nothing changes before accepting

    accepted = follow(client, re.search(r'<a [^>]*id="cfg-accept"[^>]*>', tried).group(0))
    assert chosen(terra, accepted) == ["trim:gt", "wheels:r20"]
    kept = follow(client, re.search(r'<a [^>]*id="cfg-keep"[^>]*>', tried).group(0))
    assert chosen(terra, kept) == ["trim:life"]


def test_in_a_chosen_family_every_other_value_replaces_the_choice(client, terra):
    trims = step_of(terra, "trim")
    html = page(client, [("trim", "gt"), ("paint", "sable-dore")], etape=trims)

    life = value_link(html, "trim", "Finition Life")
    assert "needs-change" not in life
    switched = follow(client, life)

    assert chosen(terra, switched) == ["paint:sable-dore", "trim:life"]
    assert 'aria-current="true"' in value_link(switched, "trim", "Finition Life")


def test_a_chosen_option_can_be_removed(client, terra):
    options = step_of(terra, "options")
    html = page(client, [("heated-seats", True)], etape=options)

    seats = value_link(html, "heated-seats", "Sièges avant chauffants")
    assert 'aria-checked="true"' in seats and "needs-change" not in seats
    removed = follow(client, seats)

    assert chosen(terra, removed) == ["heated-seats:0"]
    assert 'aria-checked="false"' in value_link(removed, "heated-seats", "Sièges avant")


def test_the_summary_lines_add_up_to_the_total(client, terra):
    recap = step_of(terra, "recap")
    html = page(client, [("trim", "gt"), ("pack-hiver", True)], etape=recap)

    table = re.search(r'<table class="cfg-summary">.*?</table>', html, re.S).group(0)
    body, foot = table.split("<tfoot>")
    amounts = [euros(cell) for cell in re.findall(r"<td>(?:\+ )?([0-9\u202f\xa0 ]+€)</td>", body)]
    assert "Prix de base" in body
    assert sum(amounts) == euros(re.search(r"<strong>([^<]+)</strong>", foot).group(1))
    assert euros(re.search(r'id="cfg-price">([^<]+)<', html).group(1)) == sum(amounts)


def test_the_price_bar_follows_the_engine_with_the_monthly_hint_and_the_label(client, terra):
    configurator = configurator_for(terra)
    completion = configurator.default_completion({"trim": "gt", "engine": "phev225"})

    html = page(client, [("trim", "gt"), ("engine", "phev225")])

    assert euros(re.search(r'id="cfg-price">([^<]+)<', html).group(1)) == 47_520
    assert completion.price.ttc == 4_752_000
    assert f"{completion.co2_g_km}&nbsp;g/km" in html
    assert "ec-badge ec-A" in html  # 36 g/km: class A
    assert "/mois*" in html and "Un crédit vous engage" in html


def test_defaults_are_shown_as_proposed_and_a_pack_marks_its_contents_included(client, terra):
    options = step_of(terra, "options")
    html = page(client, [("trim", "techno"), ("pack-hiver", True)], etape=options)

    seats = value_link(html, "heated-seats", "Sièges avant chauffants")
    assert 'aria-checked="true"' in seats and "inclus dans Pack Hiver" in seats


def test_an_old_or_edited_link_is_repaired_never_an_error(client, terra):
    html = page(client, [("trim", "life"), ("wheels", "r20")], etape="abc")
    assert 'id="cfg-adjusted"' in html

    url = reverse("configurator:configure", kwargs={"model_code": "aurore-terra"})
    response = client.get(url, {"c": ["ghost:1", "trim:xyz", "trim"], "etape": "99999"})
    assert response.status_code == 200
    assert "ont été ignorés" in response.content.decode()


def test_an_unknown_model_is_a_404(client, terra):
    response = client.get(reverse("configurator:configure", kwargs={"model_code": "nope"}))
    assert response.status_code == 404


def test_an_anonymous_buyer_saves_and_finds_it_again_in_the_same_browser(client, terra):
    response = client.post(
        reverse("configurator:save", kwargs={"model_code": "aurore-terra"}),
        {"c": ["trim:gt", "wheels:r20"]},
    )

    saved = SavedConfiguration.objects.get()
    assert response["Location"] == reverse("configurator:saved", kwargs={"code": saved.code})
    assert saved.customer is None
    assert saved.choices == [["trim", "gt"], ["wheels", "r20"]]
    assert saved.configuration["sport-suspension"] is True  # required by GT + 20-inch wheels
    mine = client.get(reverse("configurator:mine")).content.decode()
    assert saved.code in mine


def test_a_signed_in_buyer_saves_to_the_account(client, customer, terra):
    client.force_login(customer)
    client.post(
        reverse("configurator:save", kwargs={"model_code": "aurore-terra"}), {"c": ["trim:life"]}
    )
    assert SavedConfiguration.objects.get().customer == customer


def test_choices_that_do_not_go_together_are_not_saved(client, terra):
    response = client.post(
        reverse("configurator:save", kwargs={"model_code": "aurore-terra"}),
        {"c": ["trim:life", "wheels:r20"]},
        follow=True,
    )
    assert "ne vont pas ensemble" in response.content.decode()
    assert not SavedConfiguration.objects.exists()


def test_the_saved_page_has_a_short_link_and_a_qr_code(client, terra, settings):
    settings.PUBLIC_BASE_URL = "https://www.aurore.example/"
    saved = configuration_save(product_data=terra, choices=[("trim", "gt")])

    short = client.get(f"/c/{saved.code}")
    html = client.get(short["Location"]).content.decode()

    assert short["Location"] == reverse("configurator:saved", kwargs={"code": saved.code})
    assert f'value="https://www.aurore.example/c/{saved.code}"' in html
    assert '<svg width="' in html and "QR code de la configuration" in html
    assert 'id="saved-order"' in html


def test_a_saved_configuration_says_what_no_longer_holds_after_the_data_changed(
    client, terra, publish_revision
):
    saved = configuration_save(product_data=terra, choices=GT_SABLE_R20_WINTER)
    publish_revision(drop_sable_and_part_r20_from_winter)

    html = client.get(reverse("configurator:saved", kwargs={"code": saved.code})).content.decode()

    assert "« Sable Doré (métallisé) » n&#x27;est plus proposé." in html
    assert "Les jantes 20 pouces Diamant ne se montent pas avec le Pack Hiver." in html
    assert 'id="saved-order"' not in html
    assert "Sable Doré" in html  # the summary still reads as it was saved
    resume = re.search(r'href="(/configurer/aurore-terra/\?[^"]+)"', html).group(1)
    repaired = client.get(resume.replace("&amp;", "&")).content.decode()
    assert 'id="cfg-adjusted"' not in repaired and "ont été ignorés" not in repaired


def test_a_price_change_since_saving_is_said(client, terra, publish_revision):
    saved = configuration_save(product_data=terra, choices=[("trim", "gt"), ("pack-hiver", True)])

    def dearer_winter_pack(document):
        next(p for p in document["packs"] if p["code"] == "pack-hiver")["price_ht"] += 10_000

    publish_revision(dearer_winter_pack)
    html = client.get(reverse("configurator:saved", kwargs={"code": saved.code})).content.decode()

    assert 'id="saved-price-changed"' in html
    assert 'id="saved-order"' in html


def test_a_buyer_sends_the_configuration_to_the_dealer_of_their_choice(client, terra, dealer):
    saved = configuration_save(product_data=terra, choices=[("trim", "gt")])
    url = reverse("configurator:send_to_dealer", kwargs={"code": saved.code})
    form = {
        "lead-kind": "callback",
        "lead-name": "Léa Fontaine",
        "lead-phone": "06 12 34 56 78",
        "lead-consent": "on",
        "lead-idempotency_key": str(uuid.uuid4()),
    }

    refused = client.post(url, form)
    assert refused.status_code == 400 and "Choisissez une concession." in refused.content.decode()

    response = client.post(url, {**form, "lead-dealer": dealer.code})

    assert response.status_code == 302
    lead = Lead.objects.get()
    assert (lead.dealer, lead.kind, lead.phone) == (dealer, "callback", "06 12 34 56 78")
    assert f"/c/{saved.code})" in lead.message and "Finition GT" in lead.message


def test_a_buyer_orders_the_saved_car_priced_by_todays_data(client, customer, terra, dealer):
    saved = configuration_save(product_data=terra, choices=[("trim", "gt"), ("pack-hiver", True)])
    client.force_login(customer)
    url = reverse("orders:checkout_configured", kwargs={"code": saved.code})
    assert client.get(url).status_code == 200

    response = client.post(url, checkout_form(dealer))

    order = Order.objects.get()
    assert response["Location"] == reverse("orders:detail", kwargs={"number": order.number})
    assert (order.kind, order.dealer, order.price_ttc) == ("factory", dealer, saved.price_ttc)
    assert order.vehicle["configuration_code"] == saved.code
    assert sum(line["ttc"] for line in order.quote if line["code"] != "malus") == order.price_ttc
    assert order.malus_cents > 0  # 145 g/km or so: the 2026 scale applies


def test_a_configuration_that_no_longer_holds_cannot_be_ordered(
    client, customer, terra, dealer, publish_revision
):
    saved = configuration_save(product_data=terra, choices=GT_SABLE_R20_WINTER)
    publish_revision(drop_sable_and_part_r20_from_winter)
    client.force_login(customer)
    url = reverse("orders:checkout_configured", kwargs={"code": saved.code})

    html = client.get(url).content.decode()
    response = client.post(url, checkout_form(dealer))

    assert 'id="configuration-stale"' in html and 'id="checkout-form"' not in html
    assert response.status_code == 400
    assert "ne peut plus être commandée" in response.content.decode()
    assert not Order.objects.exists()


def test_ordering_needs_a_buyer_account(client, terra, dealer_staff):
    saved = configuration_save(product_data=terra, choices=[("trim", "gt")])
    url = reverse("orders:checkout_configured", kwargs={"code": saved.code})

    assert client.get(url)["Location"].startswith(reverse("accounts:login"))
    client.force_login(dealer_staff)
    assert client.get(url).status_code == 403


def test_the_model_page_links_to_the_configurator(client, terra):
    f.VersionFactory(car_model=terra.car_model)
    html = client.get(reverse("catalog:model_detail", kwargs={"code": "aurore-terra"})).content
    assert b'id="configure-link"' in html


def test_the_summary_offers_the_cheapest_car_that_keeps_the_buyers_choices(client, terra):
    recap = step_of(terra, "recap")
    # GT proposes leather and heated seats by default; the cheapest GT drops what it can.
    html = page(client, [("trim", "gt")], etape=recap)

    link = re.search(r'id="cfg-cheapest">.*?href="([^"]+)"', html, re.S).group(1)
    taken = client.get(link.replace("&amp;", "&")).content.decode()

    cheapest = configurator_for(terra).cheapest_completion({"trim": "gt"})
    price = re.search(r'id="cfg-price">([^<]+)<', taken).group(1)
    assert euros(price) == cheapest.price.ttc // 100
    assert euros(re.search(r'id="cfg-price">([^<]+)<', html).group(1)) > cheapest.price.ttc // 100
    assert 'id="cfg-cheapest"' not in taken  # nothing cheaper left
    assert 'id="cfg-cheapest-none"' in taken


def test_configurations_saved_before_signing_in_join_the_account(client, customer, terra):
    client.post(
        reverse("configurator:save", kwargs={"model_code": "aurore-terra"}), {"c": ["trim:gt"]}
    )
    other = f.UserFactory(email="autre@example.fr")
    theirs = configuration_save(product_data=terra, choices=[("trim", "life")], customer=other)

    client.post(reverse("accounts:login"), {"username": customer.email, "password": f.PASSWORD})

    mine = SavedConfiguration.objects.exclude(pk=theirs.pk).get()
    assert mine.customer == customer
    theirs.refresh_from_db()
    assert theirs.customer == other
    assert mine.code in client.get(reverse("configurator:mine")).content.decode()

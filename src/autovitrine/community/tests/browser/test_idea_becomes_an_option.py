"""On a phone, from the home page with links and buttons only: head office links an adopted idea
to an option of the revision it is about to publish, then publishes it in the admin; the buyer who
follows the idea gets the notification, orders a car with that option from « Mes configurations »,
and the order credits the idea. axe-core checks the new pages of the way."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from playwright.sync_api import expect

from autovitrine.accounts.models import User
from autovitrine.accounts.services import user_profile_update
from autovitrine.community import services
from autovitrine.community.models import Campaign, Follow, Idea, IdeaOptionLink
from autovitrine.configurator.engine.demo import DEMO_PATH
from autovitrine.configurator.selectors import published_product_data
from autovitrine.configurator.services import (
    configuration_save,
    product_data_create,
    product_data_publish,
)
from autovitrine.dealers.tests.browser.test_dealer_and_head_office_journeys import (
    axe_violations,
    sign_in_from_home,
)
from autovitrine.orders.models import Order
from autovitrine.testing import factories as f
from autovitrine.testing.browser import open_account_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def adopted_idea():
    car_model = f.CarModelFactory(code="aurore-terra", name="Terra")
    product_data_publish(
        product_data_id=product_data_create(car_model=car_model, data=DEMO_PATH.read_bytes()).pk
    )
    document = json.loads(DEMO_PATH.read_bytes())
    document["options"].append(
        {"code": "night-vision", "label": "Vision de nuit", "price_ht": 90_000}
    )
    draft = product_data_create(car_model=car_model, data=json.dumps(document))
    now = timezone.now()
    campaign = Campaign.objects.create(
        slug="terra-de-demain", title="La Terra de demain", theme="Vos idées pour la Terra.",
        car_model=car_model, ideas_open_at=now - dt.timedelta(days=30),
        votes_open_at=now - dt.timedelta(days=20), results_at=now - dt.timedelta(days=1),
        closed_at=now + dt.timedelta(days=30),
    )  # fmt: skip
    author = services.collaborator_save(user=f.UserFactory(), public_name="Camille")
    idea = Idea.objects.create(
        campaign=campaign, author=author, title="La vision de nuit", body="Voir les piétons.",
        body_html="<p>Voir les piétons.</p>", category="features", status="adopted",
        adopted_at=now,
    )  # fmt: skip
    buyer = f.UserFactory(email="lea@example.fr", first_name="Léa", last_name="Fontaine")
    user_profile_update(
        user=buyer, first_name="Léa", last_name="Fontaine", phone="06 12 34 56 78",
        street="3 rue de la République", postcode="69002", city="Lyon",
    )  # fmt: skip
    Follow.objects.create(
        idea=idea, collaborator=services.collaborator_save(user=buyer, public_name="Léa")
    )
    f.DealerFactory(code="aurore-lyon", name="Aurore Lyon Confluence")
    office = f.UserFactory(email="siege@example.fr", kind=User.Kind.HEAD_OFFICE, is_staff=True)
    # The product-data team's rights (Django permissions of the configurator's admin).
    office.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_productdata", "change_productdata"])
    )
    return idea, draft, buyer


def test_an_idea_announced_at_publication_and_credited_on_the_order(new_phone, adopted_idea):
    idea, draft, buyer = adopted_idea
    problems: dict[str, list[str]] = {}

    # Head office finds the idea from the home page and links it to the draft's new option.
    office = new_phone()
    sign_in_from_home(office, "siege@example.fr")
    office.get_by_role("link", name="Voir le site").click()  # head office lands in the admin
    office.locator("#footer-community").click()
    office.get_by_role("link", name="La Terra de demain").click()
    office.get_by_role("link", name="La vision de nuit").first.click()
    link = office.locator("[data-testid=link-form]")
    link.locator("[name=family]").fill("night-vision")
    link.locator("[name=value]").fill("1")
    link.get_by_role("button").click()
    expect(office.locator("[data-testid=upcoming-option]")).to_contain_text("Bientôt une option")
    problems["idea"] = axe_violations(office)

    # … then publishes the draft from the admin (compiled in the background task).
    office.get_by_role("link", name="Siège").click()
    office.locator("#office-pages").get_by_role("link", name="Données produit").click()
    office.locator(f"input[name=_selected_action][value='{draft.pk}']").check()
    office.locator("select[name=action]").select_option("publish")
    office.get_by_role("button", name="Envoyer").click()
    office.wait_for_load_state()
    assert published_product_data("aurore-terra").pk == draft.pk
    assert IdeaOptionLink.objects.get(idea=idea).available_at is not None

    # The buyer, who follows the idea, sees the bell and the notification.
    phone = new_phone()
    sign_in_from_home(phone, buyer.email)
    phone.locator("#footer-community").click()
    expect(phone.locator("[data-testid=bell]")).to_contain_text("1")
    phone.locator("[data-testid=bell]").click()
    expect(phone.locator(".notifications")).to_contain_text(
        "L'idée « La vision de nuit » est disponible dans le configurateur."
    )
    problems["notifications"] = axe_violations(phone)

    # The buyer orders a car with the option from « Mes configurations »: the order credits it.
    configuration_save(
        product_data=published_product_data("aurore-terra"),
        choices=[("night-vision", True)],
        customer=buyer,
    )
    open_account_menu(phone, "Mes configurations")
    phone.locator("#contenu").get_by_role("link", name=re.compile("Terra")).first.click()
    phone.locator("#saved-order").click()
    checkout = phone.locator("#checkout-form")
    checkout.locator("[name=accept]").check()
    checkout.locator("[type=submit]").click()
    phone.wait_for_url("**/commandes/AV-*/")
    credit = phone.locator(".idea-credit")
    expect(credit).to_contain_text(
        "Idée de la communauté : « La vision de nuit », l'idée de Camille, adoptée en"
    )
    problems["order"] = axe_violations(phone)
    assert Order.objects.get().vehicle["configuration"]["night-vision"] is True
    assert problems == {"idea": [], "notifications": [], "order": []}

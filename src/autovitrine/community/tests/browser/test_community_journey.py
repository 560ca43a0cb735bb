"""On a phone: a member joins a campaign, types an idea's title and sees a similar one, posts,
votes, comments; the other idea's author gets the notification; head office merges the two,
adopts the one left, links it to a configurator value, and the configurator credits it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from autovitrine.accounts.models import User
from autovitrine.community import services
from autovitrine.community.models import Campaign, Idea
from autovitrine.configurator.engine.demo import DEMO_PATH
from autovitrine.configurator.services import product_data_create, product_data_publish
from autovitrine.testing import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR).parent.parent / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[str]:
    before = len(page.csp_violations)
    page.evaluate(AXE.read_text())
    found = page.evaluate("async () => (await axe.run(document)).violations")
    page.csp_violations[before:] = [
        v for v in page.csp_violations[before:] if not v.startswith(": Applying inline style")
    ]
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in found]


def sign_in(page, email: str, then: str) -> None:
    page.goto(f"/compte/connexion/?next={then}")
    form = page.locator("#login-form")
    form.locator("[name=username]").fill(email)
    form.locator("[name=password]").fill(f.PASSWORD)
    form.locator("[type=submit]").click()
    page.wait_for_load_state()


def test_idea_to_car_journey(new_phone, granian_server):
    # Given the Terra's product data, a campaign taking ideas, and an idea already there
    car_model = f.CarModelFactory(code="aurore-terra", name="Terra")
    product_data_publish(
        product_data_id=product_data_create(car_model=car_model, data=DEMO_PATH.read_bytes()).pk
    )
    now = timezone.now()
    campaign = Campaign.objects.create(
        slug="terra-de-demain", title="La Terra de demain", theme="Vos idées pour la Terra.",
        car_model=car_model, ideas_open_at=now - dt.timedelta(days=1),
        votes_open_at=now + dt.timedelta(days=10), results_at=now + dt.timedelta(days=20),
        closed_at=now + dt.timedelta(days=30),
    )  # fmt: skip
    author = services.collaborator_save(
        user=f.UserFactory(email="ancien@example.fr"), public_name="Ancien"
    )
    services.campaign_join(
        campaign=campaign, collaborator=author, accept_terms=True, accept_licence=True
    )
    existing = services.idea_create(
        campaign=campaign, author=author, title="Toit panoramique ouvrant",
        body="Un grand toit vitré qui s'ouvre.", category="design",
    )  # fmt: skip
    member = f.UserFactory(email="membre@example.fr")
    services.collaborator_save(user=member, public_name="Camille")
    f.UserFactory(email="siege@example.fr", kind=User.Kind.HEAD_OFFICE, is_staff=True)

    # The member joins, types a title and is shown the similar idea, then posts anyway
    page = new_phone()
    sign_in(page, "membre@example.fr", f"/communaute/{campaign.slug}/")
    page.get_by_label("J'accepte le règlement de la campagne").check()
    page.get_by_label("J'accepte la licence de mes contributions").check()
    page.get_by_role("button", name="Rejoindre").click()
    page.get_by_role("link", name="Proposer une idée").click()
    page.locator("#id_title").press_sequentially("toit panoramique", delay=30)
    expect(page.locator("[data-testid=similar]")).to_contain_text("Toit panoramique ouvrant")
    page.locator("#id_title").fill("Toit panoramique en verre teinté")
    page.locator("#id_body").fill("Un toit en verre **teinté**, ouvrant.")
    page.locator("#id_category").select_option("design")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Publier mon idée").click()
    page.wait_for_url("**/communaute/idees/*/")
    mine = Idea.objects.get(title="Toit panoramique en verre teinté")

    # The vote phase opens: the member votes for the older idea and comments on it
    Campaign.objects.filter(pk=campaign.pk).update(votes_open_at=now - dt.timedelta(hours=1))
    page.goto(f"/communaute/idees/{existing.pk}/")
    page.get_by_role("button", name="Voter pour cette idée").click()
    expect(page.locator("[data-testid=vote-count]")).to_have_text("1")
    page.locator("#id_body").fill("Oui ! Avec un rideau électrique, @Ancien ?")
    page.get_by_role("button", name="Commenter").click()
    expect(page.locator(".comments")).to_contain_text("rideau électrique")
    assert axe_violations(page) == []

    # The older idea's author sees the bell
    other = new_phone()
    sign_in(other, "ancien@example.fr", "/communaute/")
    expect(other.locator("[data-testid=bell]")).to_contain_text("1")
    other.locator("[data-testid=bell]").click()
    expect(other.locator(".notifications")).to_contain_text("Camille vous a mentionné")

    # Head office merges the new idea into the older one, adopts it and links it to a value
    office = new_phone()
    sign_in(office, "siege@example.fr", f"/communaute/idees/{mine.pk}/")
    merge = office.locator("[data-testid=merge-form]")
    merge.locator("[name=target]").fill(str(existing.pk))
    merge.get_by_role("button").click()
    office.wait_for_url(f"**/communaute/idees/{existing.pk}/")
    status = office.locator("[data-testid=status-form]")
    status.locator("[name=status]").select_option("adopted")
    status.locator("[name=answer]").fill("Adoptée pour la finition GT.")
    status.get_by_role("button").click()
    expect(office.locator("[data-testid=status]")).to_have_text("Adoptée")
    link = office.locator("[data-testid=link-form]")
    link.locator("[name=family]").fill("trim")
    link.locator("[name=value]").fill("gt")
    link.get_by_role("button").click()
    expect(office.locator(".idea")).to_contain_text("Devenue une option du configurateur")

    # The configurator credits the idea
    page.goto("/configurer/aurore-terra/")
    credit = page.get_by_role("link", name="Une idée de la communauté")
    expect(credit.first).to_be_visible()
    assert credit.first.get_attribute("href") == f"/communaute/idees/{existing.pk}/"
    assert Idea.objects.get(pk=mine.pk).status == "merged"

"""From idea to car: an adopted idea linked to a configurator value, credited on the configurator
and on a saved configuration that includes it."""

from __future__ import annotations

import datetime as dt
import html
import json

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from autovitrine.community import services
from autovitrine.community.models import Collaborator, Follow, Idea, Notification, Vote
from autovitrine.configurator.engine.demo import DEMO_PATH
from autovitrine.configurator.services import (
    configuration_save,
    product_data_create,
    product_data_new_draft,
    product_data_publish,
)
from autovitrine.configurator.tests.test_pages import checkout_form
from autovitrine.orders.documents import order_form_pdf
from autovitrine.orders.models import Order
from autovitrine.testing import factories as f

from .conftest import make_campaign, make_idea, make_member


@pytest.fixture
def terra(db):
    car_model = f.CarModelFactory(code="aurore-terra", name="Terra")
    draft = product_data_create(car_model=car_model, data=DEMO_PATH.read_bytes())
    return product_data_publish(product_data_id=draft.pk)


def test_an_adopted_idea_becomes_a_value_credited_in_the_configurator(terra, head_office, client):
    # Given an adopted idea with a voter
    campaign = make_campaign("results", car_model=terra.car_model)
    idea = make_idea(campaign, title="Un toit en verre", status="adopted")
    voter = make_member(campaign)
    Vote.objects.create(idea=idea, voter=voter)

    # Unknown values and non-adopted ideas are refused; only head office links
    with pytest.raises(ValidationError):
        services.idea_link_option(
            idea=idea, by=head_office, model_code="aurore-terra", family="roof", value="nope"
        )
    with pytest.raises(PermissionDenied):
        services.idea_link_option(
            idea=idea, by=voter.user, model_code="aurore-terra", family="heated-seats", value="1"
        )

    # When
    services.idea_link_option(
        idea=idea, by=head_office, model_code="aurore-terra", family="trim", value="gt"
    )

    # Then the contributor and voters are told, and the configurator credits the idea
    assert (
        Notification.objects.filter(kind="available", recipient__in=[voter, idea.author]).count()
        == 2
    )
    page = client.get(reverse("configurator:configure", kwargs={"model_code": "aurore-terra"}))
    html = page.content.decode()
    assert "Une idée de la communauté" in html
    assert f"/communaute/idees/{idea.pk}/" in html


def test_options_and_packs_are_linked_as_on(terra, head_office):
    campaign = make_campaign("results", car_model=terra.car_model)
    idea = make_idea(campaign, status="adopted")
    link = services.idea_link_option(
        idea=idea, by=head_office, model_code="aurore-terra", family="heated-seats", value="1"
    )
    assert link.family == "heated-seats"
    other = make_idea(campaign, status="adopted", title="Encore des sièges chauffants")
    with pytest.raises(ValidationError) as caught:
        services.idea_link_option(
            idea=other, by=head_office, model_code="aurore-terra", family="heated-seats", value="1"
        )
    assert caught.value.code == "value_linked"


def _revision_with_an_option(car_model, code: str):
    """A draft revision of the demo data with one more option, ``code``."""
    document = json.loads(DEMO_PATH.read_bytes())
    document["options"].append({"code": code, "label": "Vision de nuit", "price_ht": 40_000})
    return product_data_create(car_model=car_model, data=json.dumps(document))


def test_an_idea_linked_to_an_upcoming_option_is_announced_when_it_is_published(
    terra, head_office, django_capture_on_commit_callbacks
):
    # Given an adopted idea, with a voter and a follower, linked to an option of the draft
    campaign = make_campaign("results", car_model=terra.car_model)
    idea = make_idea(campaign, title="La vision de nuit", status="adopted")
    voter, follower, bystander = (make_member(campaign) for _ in range(3))
    Vote.objects.create(idea=idea, voter=voter)
    Follow.objects.create(idea=idea, collaborator=follower)
    draft = _revision_with_an_option(terra.car_model, "night-vision")
    link = services.idea_link_option(
        idea=idea, by=head_office, model_code="aurore-terra", family="night-vision", value="1"
    )
    assert link.available_at is None
    assert not Notification.objects.filter(kind="available").exists()

    # When head office publishes the draft (the configurator's own service)
    with django_capture_on_commit_callbacks(execute=True):
        product_data_publish(product_data_id=draft.pk)

    # Then the author, the voter and the follower are told, once; nobody else
    told = Notification.objects.filter(kind="available", idea=idea)
    assert sorted(n.recipient_id for n in told) == sorted([idea.author_id, voter.pk, follower.pk])
    assert bystander.pk not in {n.recipient_id for n in told}
    link.refresh_from_db()
    assert link.available_at is not None
    assert "La vision de nuit" in told.first().text

    # A later revision with the option again tells nobody a second time
    again = product_data_new_draft(product_data=draft)
    with django_capture_on_commit_callbacks(execute=True):
        product_data_publish(product_data_id=again.pk)
    assert Notification.objects.filter(kind="available", idea=idea).count() == 3


def test_the_announcement_reaches_the_e_mail_digest_of_those_who_chose_it(
    terra, head_office, django_capture_on_commit_callbacks
):
    campaign = make_campaign("results", car_model=terra.car_model)
    idea = make_idea(campaign, title="La vision de nuit", status="adopted")
    follower = make_member(campaign)
    Follow.objects.create(idea=idea, collaborator=follower)
    Collaborator.objects.filter(pk=follower.pk).update(digest="daily")
    draft = _revision_with_an_option(terra.car_model, "night-vision")
    services.idea_link_option(
        idea=idea, by=head_office, model_code="aurore-terra", family="night-vision", value="1"
    )
    with django_capture_on_commit_callbacks(execute=True):
        product_data_publish(product_data_id=draft.pk)

    services.digest_send(now=timezone.now() + dt.timedelta(days=1))

    [digest] = [m for m in mail.outbox if follower.user.email in m.to]
    assert "La vision de nuit" in digest.body
    assert "disponible dans le configurateur" in digest.body


def test_a_value_in_neither_the_published_data_nor_the_draft_is_refused(terra, head_office):
    campaign = make_campaign("results", car_model=terra.car_model)
    idea = make_idea(campaign, status="adopted")
    _revision_with_an_option(terra.car_model, "night-vision")
    with pytest.raises(ValidationError) as caught:
        services.idea_link_option(
            idea=idea, by=head_office, model_code="aurore-terra", family="night-vision-2", value="1"
        )
    assert caught.value.code == "value"


def test_the_order_of_a_car_with_an_adopted_idea_credits_it_on_its_page_and_form(
    terra, head_office, client, customer, dealer
):
    # Given the heated seats, an adopted idea of « Camille », linked to the Terra's option
    campaign = make_campaign("results", car_model=terra.car_model)
    author = make_member(campaign, name="Camille")
    idea = make_idea(campaign, author=author, title="Des sièges chauffants", status="adopted")
    Idea.objects.filter(pk=idea.pk).update(adopted_at=dt.datetime(2026, 3, 10, tzinfo=dt.UTC))
    services.idea_link_option(
        idea=idea, by=head_office, model_code="aurore-terra", family="heated-seats", value="1"
    )
    with_seats = configuration_save(product_data=terra, choices=[("heated-seats", True)])
    without = configuration_save(product_data=terra, choices=[("heated-seats", False)])
    client.force_login(customer)

    # When the buyer orders both cars from their saved configurations
    numbers = []
    for saved in (with_seats, without):
        url = reverse("orders:checkout_configured", kwargs={"code": saved.code})
        client.post(url, checkout_form(dealer))
        numbers.append(Order.objects.latest("id").number)

    # Then the order with the idea's option says so, on its page and on its order form
    credit = "« Des sièges chauffants », l'idée de Camille, adoptée en mars 2026"
    page = html.unescape(client.get(reverse("orders:detail", args=[numbers[0]])).content.decode())
    assert f"Idée de la communauté : {credit}" in page
    pdf = order_form_pdf(Order.objects.get(number=numbers[0]))
    assert b"l'id\\351e de Camille, adopt\\351e en mars 2026" in pdf
    # … and the other says nothing
    other = client.get(reverse("orders:detail", args=[numbers[1]])).content.decode()
    assert "Idée de la communauté" not in html.unescape(other)
    assert b"de Camille" not in order_form_pdf(Order.objects.get(number=numbers[1]))

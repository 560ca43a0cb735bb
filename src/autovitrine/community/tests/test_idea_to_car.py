"""From idea to car: an adopted idea linked to a configurator value, credited on the configurator
and on a saved configuration that includes it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from autovitrine.community import services
from autovitrine.community.models import Notification
from autovitrine.configurator.engine.demo import DEMO_PATH
from autovitrine.configurator.services import product_data_create, product_data_publish
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
    from autovitrine.community.models import Vote

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

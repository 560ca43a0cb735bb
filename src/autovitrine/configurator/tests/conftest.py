"""The demo Aurore Terra in the catalog with its rule base published, and new revisions of it."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from autovitrine.configurator.engine.demo import DEMO_PATH
from autovitrine.configurator.models import ProductData
from autovitrine.configurator.services import product_data_create, product_data_publish
from autovitrine.testing import factories as f


@pytest.fixture
def terra_model(db):
    return f.CarModelFactory(code="aurore-terra", name="Terra")


@pytest.fixture
def terra(terra_model) -> ProductData:
    draft = product_data_create(car_model=terra_model, data=DEMO_PATH.read_bytes())
    return product_data_publish(product_data_id=draft.pk)


@pytest.fixture
def publish_revision(terra) -> Callable[[Callable[[dict[str, Any]], None]], ProductData]:
    """``publish_revision(edit)`` → the Terra's next revision, its document changed by ``edit``."""

    def publish(edit: Callable[[dict[str, Any]], None]) -> ProductData:
        document = copy.deepcopy(ProductData.objects.get(pk=terra.pk).document)
        edit(document)
        draft = product_data_create(car_model=terra.car_model, data=json.dumps(document))
        return product_data_publish(product_data_id=draft.pk)

    return publish


def family(document: dict[str, Any], code: str) -> dict[str, Any]:
    return next(item for item in document["families"] if item["code"] == code)


def drop_sable_and_part_r20_from_winter(document: dict[str, Any]) -> None:
    """A model-year change: one paint withdrawn, 20-inch wheels no longer with the winter pack."""
    paint = family(document, "paint")
    paint["values"] = [v for v in paint["values"] if v["code"] != "sable-dore"]
    document["rules"].append(
        {
            "id": "r20-no-winter",
            "kind": "excludes",
            "if": ["wheels=r20"],
            "then": ["pack-hiver"],
            "text": "les jantes 20 pouces Diamant ne se montent pas avec le Pack Hiver",
        }
    )

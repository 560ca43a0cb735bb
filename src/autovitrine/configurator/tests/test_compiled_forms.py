"""Compile at publish: the compiled form stored with the revision, checked by its checksum,
loaded without the document; a 10 MB file round-trips; one model compiling never blocks another."""

from __future__ import annotations

import itertools
import threading
import time

import orjson
import pytest
from django.core.management import call_command
from django.urls import reverse

from autovitrine.configurator import services
from autovitrine.configurator.engine.compiled_form import checksum, dump_compiled
from autovitrine.configurator.engine.demo import DEMO_PATH
from autovitrine.configurator.models import CompiledForm, ProductData
from autovitrine.configurator.services import (
    configurator_for,
    product_data_create,
)
from autovitrine.testing.concurrency import race

pytestmark = pytest.mark.django_db


def big_document(target_bytes: int) -> bytes:
    """The demo rule base grown to ``target_bytes`` with a table that repeats every combination
    of four families (it forbids nothing: the space is the demo's), as a real base's tables
    weigh; valid, compact JSON."""
    document = orjson.loads(DEMO_PATH.read_bytes())
    families = {family["code"]: family for family in document["families"]}
    columns = ["trim", "engine", "paint", "wheels"]
    combinations = list(
        itertools.product(*([v["code"] for v in families[c]["values"]] for c in columns))
    )
    row_bytes = len(orjson.dumps(list(combinations[0]))) + 1
    repeats = target_bytes // (row_bytes * len(combinations))
    document["tables"].append(
        {
            "id": "volume",
            "label": "Volume",
            "families": columns,
            "rows": [list(row) for row in combinations] * repeats,
        }
    )
    return orjson.dumps(document)


def clear_process_cache() -> None:
    with services._compiled_guard:
        services._compiled.clear()


def test_publishing_stores_one_checksummed_compiled_form_per_market(terra):
    forms = {form.market: form for form in CompiledForm.objects.filter(product_data=terra)}

    assert sorted(forms) == ["BE", "CH", "FR"]
    for form in forms.values():
        assert form.checksum == checksum(bytes(form.data))
        assert form.size_bytes == len(bytes(form.data))


def test_a_worker_loads_the_stored_form_without_reading_the_document(
    terra, django_assert_max_num_queries
):
    clear_process_cache()
    product_data = ProductData.objects.defer("document").get(pk=terra.pk)

    with django_assert_max_num_queries(1):
        configurator = configurator_for(product_data)

    assert configurator.rule_base.code == "aurore-terra"
    assert configurator.compiled.market == "FR"


def test_a_compiled_form_with_a_wrong_checksum_is_rebuilt_not_used(terra, terra_model):
    # Another rule base's valid form written over the Terra's, its checksum left as it was.
    other = orjson.loads(DEMO_PATH.read_bytes())
    other["label"] = "Pas la Terra"
    foreign = configurator_for(
        product_data_create(car_model=terra_model, data=orjson.dumps(other))
    ).compiled
    CompiledForm.objects.filter(product_data=terra, market="FR").update(data=dump_compiled(foreign))
    clear_process_cache()

    configurator = configurator_for(ProductData.objects.get(pk=terra.pk))

    assert configurator.rule_base.label != "Pas la Terra"
    stored = CompiledForm.objects.get(product_data=terra, market="FR")
    assert stored.checksum == checksum(bytes(stored.data))  # rebuilt and stored again


def test_a_10_mb_file_round_trips_import_publish_export_import(terra_model, tmp_path):
    data = big_document(9_600_000)
    assert 9_000_000 < len(data) < 10_000_000
    path = tmp_path / "terra.json"
    path.write_bytes(data)

    call_command("product_data", "import", "aurore-terra", str(path), "--publish")
    published = ProductData.objects.get(status=ProductData.Status.PUBLISHED)
    assert published.source_bytes == len(data)
    exported = tmp_path / "export.json"
    call_command("product_data", "export", "aurore-terra", str(exported))
    call_command("product_data", "import", "aurore-terra", str(exported), "--publish")

    again = ProductData.objects.get(status=ProductData.Status.PUBLISHED)
    assert again.revision == published.revision + 1
    assert again.document == published.document
    assert len(again.document["tables"][-1]["rows"]) == len(
        orjson.loads(data)["tables"][-1]["rows"]
    )


def test_a_publish_that_fails_stores_nothing_and_says_so(terra_model, tmp_path):
    path = tmp_path / "broken.json"
    path.write_bytes(b'{"format": "autovitrine.rules/1"}')

    with pytest.raises(Exception, match="Rien n'a été importé"):
        call_command("product_data", "import", "aurore-terra", str(path), "--publish")

    assert not ProductData.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_compile_in_progress_does_not_block_the_pages_of_a_loaded_revision(
    terra, client, monkeypatch
):
    # A draft whose first use compiles its document, under its own lock; the compile is held
    # open until the other model's pages are served, so they can only be served if it does
    # not block them (else the compile gives up waiting and the pages come after it).
    big = product_data_create(car_model=terra.car_model, data=big_document(1_000_000))
    CompiledForm.objects.filter(product_data=big).delete()
    clear_process_cache()
    configurator_for(ProductData.objects.get(pk=terra.pk))  # the other model, loaded already
    url = reverse("configurator:configure", kwargs={"model_code": "aurore-terra"})
    compiling, pages_served = threading.Event(), threading.Event()
    compile_rule_base = services.compile_rule_base

    def held_compile(*args, **kwargs):
        compiling.set()
        compiled = compile_rule_base(*args, **kwargs)
        assert pages_served.wait(timeout=30), "the pages waited for the compile"
        return compiled

    monkeypatch.setattr(services, "compile_rule_base", held_compile)
    finished: dict[int, float] = {}

    def action(index: int) -> None:
        if index == 0:
            configurator_for(ProductData.objects.get(pk=big.pk))
        else:
            assert compiling.wait(timeout=30)  # the pages come while the compile is running
            for _ in range(5):
                assert client.get(url).status_code == 200
            pages_served.set()
        finished[index] = time.perf_counter()

    _results, errors = race(2, action)

    assert errors == []
    assert finished[1] < finished[0]

"""Head office's product data: every write is checked like an import, publishing checks again,
and a file with errors leaves nothing behind."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from autovitrine.configurator.engine.demo import DEMO_PATH
from autovitrine.configurator.models import ProductData
from autovitrine.configurator.services import (
    ProductDataError,
    configurator_for,
    product_data_create,
    product_data_publish,
    product_data_update,
)
from autovitrine.testing import factories as f
from autovitrine.testing.concurrency import race

from .conftest import family

pytestmark = pytest.mark.django_db


def demo_document() -> dict:
    return json.loads(DEMO_PATH.read_bytes())


@pytest.fixture
def admin_client(client, db):
    client.force_login(f.UserFactory(email="admin@example.fr", is_staff=True, is_superuser=True))
    return client


def upload(admin_client, car_model, content: bytes, name: str = "terra.json"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return admin_client.post(
        reverse("admin:configurator_productdata_import"),
        {"car_model": car_model.pk, "file": SimpleUploadedFile(name, content, "application/json")},
    )


def test_a_demo_import_is_a_draft_with_its_findings_and_its_exact_count(terra_model):
    draft = product_data_create(car_model=terra_model, data=DEMO_PATH.read_bytes())

    assert (draft.revision, draft.status) == (1, ProductData.Status.DRAFT)
    assert draft.configuration_count == "1266696"  # every market; the page counts France's
    assert all(problem["severity"] == "warning" for problem in draft.problems)


def test_publishing_archives_the_previous_revision_and_buyers_get_the_new_one(terra):
    draft = product_data_create(car_model=terra.car_model, data=DEMO_PATH.read_bytes())
    published = product_data_publish(product_data_id=draft.pk)

    terra.refresh_from_db()
    assert terra.status == ProductData.Status.ARCHIVED
    assert (published.revision, published.status) == (2, ProductData.Status.PUBLISHED)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductData.objects.filter(pk=terra.pk).update(status=ProductData.Status.PUBLISHED)


def test_publishing_checks_the_document_again(terra):
    draft = product_data_create(car_model=terra.car_model, data=DEMO_PATH.read_bytes())
    broken = demo_document()
    broken["rules"].append({"id": "x", "kind": "requires", "if": ["trim=gt"], "then": ["ghost"]})
    ProductData.objects.filter(pk=draft.pk).update(document=broken)  # written behind our back

    with pytest.raises(ProductDataError) as raised:
        product_data_publish(product_data_id=draft.pk)

    assert "ghost" in " ".join(raised.value.messages)
    draft.refresh_from_db()
    terra.refresh_from_db()
    assert draft.status == ProductData.Status.DRAFT
    assert terra.status == ProductData.Status.PUBLISHED


def test_a_rule_base_with_no_valid_car_is_refused(terra_model):
    document = demo_document()
    document["rules"] += [  # every trim requires another one
        {"id": "a", "kind": "requires", "if": ["trim=life|techno"], "then": ["trim=gt"]},
        {"id": "b", "kind": "requires", "if": ["trim=gt"], "then": ["trim=life"]},
    ]
    with pytest.raises(ProductDataError) as raised:
        product_data_create(car_model=terra_model, data=json.dumps(document))
    assert [p.code for p in raised.value.problems] == ["no_valid_configuration"]
    assert not ProductData.objects.exists()


def test_a_file_for_another_model_is_refused(db):
    other = f.CarModelFactory(code="aurore-lumo")
    with pytest.raises(ProductDataError) as raised:
        product_data_create(car_model=other, data=DEMO_PATH.read_bytes())
    assert raised.value.problems[0].code == "wrong_model"


def test_only_a_draft_is_edited(terra):
    with pytest.raises(ValidationError):
        product_data_update(product_data=terra, data=DEMO_PATH.read_bytes())


def test_an_edited_draft_is_compiled_again(terra_model):
    draft = product_data_create(car_model=terra_model, data=DEMO_PATH.read_bytes())
    before = configurator_for(draft).count()
    document = demo_document()
    paint = family(document, "paint")
    paint["values"] = [value for value in paint["values"] if value["code"] != "sable-dore"]
    product_data_update(product_data=draft, data=json.dumps(document))

    assert configurator_for(draft).count() < before


# --- the admin ------------------------------------------------------------------------------


def test_head_office_imports_a_file_and_reads_its_warnings_on_the_draft(admin_client, terra_model):
    document = demo_document()
    # Titanium grey already requires the GT trim: excluding it there leaves it in no car.
    document["rules"].append(
        {
            "id": "no-titane",
            "kind": "excludes",
            "if": ["trim=gt"],
            "then": ["paint=gris-titane-mat"],
        }
    )
    response = upload(admin_client, terra_model, json.dumps(document).encode())

    draft = ProductData.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:configurator_productdata_change", args=[draft.pk])
    assert [problem["code"] for problem in draft.problems] == ["dead_value"]
    page = admin_client.get(response["Location"]).content.decode()
    assert "dead_value" in page and "Gris Titane mat" in page


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda d: d["rules"].append(
                {"id": "z", "kind": "requires", "if": ["trim=sport"], "then": ["nitro"]}
            ),
            ["sport", "nitro"],
        ),
        (
            lambda d: (
                d["packs"].append(
                    {"code": "pack-a", "label": "A", "price_ht": 1, "contents": ["pack-b"]}
                )
                or d["packs"].append(
                    {"code": "pack-b", "label": "B", "price_ht": 1, "contents": ["pack-a"]}
                )
            ),
            ["pack-a", "pack-b"],
        ),
        (
            lambda d: d["tables"][0]["rows"].append(["petrol130", "cvt", "life"]),
            ["cvt"],
        ),
    ],
    ids=["unknown-names", "pack-cycle", "table-value-not-in-family"],
)
def test_a_bad_file_gets_every_error_in_french_and_nothing_is_imported(
    admin_client, terra_model, edit, expected
):
    document = demo_document()
    edit(document)

    response = upload(admin_client, terra_model, json.dumps(document).encode())

    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="import-problems"' in page
    for name in expected:
        assert name in page
    assert not ProductData.objects.exists()


def test_a_50_mb_file_is_refused_before_it_is_read(admin_client, terra_model):
    content = b'{"format": 1, "padding": "' + b"x" * (50 * 1024 * 1024) + b'"}'

    response = upload(admin_client, terra_model, content)

    assert response.status_code == 400
    assert "Le fichier fait 50,0 Mo : 16,0 Mo au plus." in response.content.decode()
    assert not ProductData.objects.exists()


def test_a_file_that_is_not_json_is_refused(admin_client, terra_model):
    response = upload(admin_client, terra_model, b"\x89PNG not json")

    assert response.status_code == 400
    assert not ProductData.objects.exists()


def test_editing_a_draft_in_the_admin_runs_the_same_checks(admin_client, terra_model):
    draft = product_data_create(car_model=terra_model, data=DEMO_PATH.read_bytes())
    document = demo_document()
    document["tables"][0]["rows"].append(["petrol130", "cvt", "life"])
    url = reverse("admin:configurator_productdata_change", args=[draft.pk])

    response = admin_client.post(url, {"document": json.dumps(document)})

    assert response.status_code == 200  # the form again, with the error
    assert "cvt" in response.content.decode()
    draft.refresh_from_db()
    assert ["petrol130", "cvt", "life"] not in draft.document["tables"][0]["rows"]


def test_a_draft_edited_in_the_admin_is_stored_with_its_new_report(admin_client, terra_model):
    draft = product_data_create(car_model=terra_model, data=DEMO_PATH.read_bytes())
    document = demo_document()
    paint = family(document, "paint")
    paint["values"] = [value for value in paint["values"] if value["code"] != "sable-dore"]
    url = reverse("admin:configurator_productdata_change", args=[draft.pk])

    response = admin_client.post(url, {"document": json.dumps(document)})

    assert response.status_code == 302
    draft.refresh_from_db()
    assert "sable-dore" not in json.dumps(draft.document)
    assert int(draft.configuration_count) < 1_266_696


def test_the_publish_action_publishes_a_checked_draft_once_compiled(
    admin_client, terra_model, django_capture_on_commit_callbacks
):
    draft = product_data_create(car_model=terra_model, data=DEMO_PATH.read_bytes())

    with django_capture_on_commit_callbacks() as callbacks:
        admin_client.post(
            reverse("admin:configurator_productdata_changelist"),
            {"action": "publish", "_selected_action": [draft.pk]},
        )
    draft.refresh_from_db()
    assert draft.status == ProductData.Status.PUBLISHING
    assert not draft.compiled_forms.exists()

    for callback in callbacks:  # the background task (run at once by the tests' backend)
        callback()

    draft.refresh_from_db()
    assert draft.status == ProductData.Status.PUBLISHED
    assert draft.compile_progress == "Compilée et publiée."
    assert sorted(draft.compiled_forms.values_list("market", flat=True)) == ["BE", "CH", "FR"]


def test_a_published_revision_cannot_be_edited_in_the_admin(admin_client, terra):
    url = reverse("admin:configurator_productdata_change", args=[terra.pk])
    before = ProductData.objects.get(pk=terra.pk).document

    admin_client.post(url, {"document": "{}"})

    assert ProductData.objects.get(pk=terra.pk).document == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_drafts_published_at_the_same_instant_leave_exactly_one_published(terra):
    drafts = [
        product_data_create(car_model=terra.car_model, data=DEMO_PATH.read_bytes())
        for _ in range(4)
    ]

    published, errors = race(4, lambda i: product_data_publish(product_data_id=drafts[i].pk))

    assert errors == [] and len(published) == 4
    statuses = list(ProductData.objects.values_list("status", flat=True))
    assert statuses.count(ProductData.Status.PUBLISHED) == 1
    assert statuses.count(ProductData.Status.ARCHIVED) == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_imports_at_the_same_instant_get_distinct_revisions(terra_model):
    drafts, errors = race(
        4, lambda i: product_data_create(car_model=terra_model, data=DEMO_PATH.read_bytes())
    )

    assert errors == []
    assert sorted(draft.revision for draft in drafts) == [1, 2, 3, 4]


def test_a_revision_downloads_as_a_file_that_imports_again(admin_client, terra):
    response = admin_client.get(reverse("admin:configurator_productdata_export", args=[terra.pk]))

    assert response["Content-Disposition"] == 'attachment; filename="aurore-terra-r1.json"'
    again = upload(admin_client, terra.car_model, response.content)
    assert again.status_code == 302
    assert ProductData.objects.get(revision=2).document == terra.document


def test_the_command_imports_publishes_and_exports(terra_model, tmp_path):
    out = tmp_path / "terra.json"
    call_command("product_data", "import", "aurore-terra", str(DEMO_PATH), "--publish")
    call_command("product_data", "export", "aurore-terra", str(out))

    published = ProductData.objects.get(status=ProductData.Status.PUBLISHED)
    assert json.loads(out.read_bytes()) == published.document
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "autovitrine.rules/1"}')
    with pytest.raises(CommandError, match="Rien n'a été importé"):
        call_command("product_data", "import", "aurore-terra", str(broken))
    assert ProductData.objects.count() == 1


def test_a_count_beyond_ten_to_the_hundred_is_stored_exactly(terra_model):
    """A large real base counts about 10^22 cars, a generated one beyond 10^100: the count is a
    decimal string of any length, never cut (a fixed-width column refused it)."""
    document = demo_document()
    document["families"] += [
        {
            "code": f"extra-{index}",
            "label": f"Équipement {index}",
            "values": [
                {"code": "a", "label": "A", "price_ht": 0},
                {"code": "b", "label": "B", "price_ht": 1000},
                {"code": "c", "label": "C", "price_ht": 2000},
            ],
        }
        for index in range(220)
    ]

    draft = product_data_create(car_model=terra_model, data=json.dumps(document).encode())

    assert draft.configuration_count == str(1_266_696 * 3**220)
    draft.refresh_from_db()
    assert len(draft.configuration_count) > 100

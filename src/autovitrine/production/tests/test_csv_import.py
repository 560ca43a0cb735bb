"""Plants without an API import their events as a CSV file in the head-office admin: the same
validation as the API (idempotent, out of order, per-line rejections) and a report of every
rejected line with its number."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from autovitrine.conftest import ROLES
from autovitrine.production.models import OrderProgress, ProductionEvent

from .conftest import VIN

IMPORT_URL = reverse("admin:production_productionevent_import")


def csv_file(text: str, name: str = "douai.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def import_csv(client, key, text: str):
    return client.post(IMPORT_URL, {"credential": key[0].pk, "file": csv_file(text)})


@pytest.fixture
def office(client, head_office):
    client.force_login(head_office, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_a_csv_is_ingested_like_an_api_batch_and_its_bad_lines_are_reported(
    office, plant_key, order
):
    # Given a file in the semicolon style of a French spreadsheet, with a bad station on line 4,
    # an unknown VIN on line 5, a late « body shop left » after the paint shop, and a blank line
    text = (
        "id;kind;occurred_at;vin;order;station;reason;reason_public\n"
        f"c1;vin_assigned;2026-03-02T09:00:00+01:00;{VIN};{order.number};;;\n"
        f"c2;station_entered;2026-03-02T09:10:00+01:00;{VIN};;tolerie;;\n"
        f"c3;station_entered;2026-03-02T13:00:00+01:00;{VIN};;soudure;;\n"
        "c4;station_entered;2026-03-02T13:00:00+01:00;VF1AB000999999999;;peinture;;\n"
        f"c5;station_entered;2026-03-02T14:00:00+01:00;{VIN};;peinture;;\n"
        "\n"
        f"c6;station_left;2026-03-02T13:30:00+01:00;{VIN};;tolerie;;\n"
        f"c7;quality_hold;2026-03-02T15:00:00+01:00;{VIN};;;Retouche peinture;oui\n"
    )

    # When
    response = import_csv(office, plant_key, text)

    # Then
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.accepted, report.duplicates) == (5, 0)
    assert [(r.line, r.result.id, r.result.code) for r in report.rejected] == [
        (4, "c3", "unknown_station"),
        (5, "c4", "unknown_vin"),
    ]
    html = response.content.decode()
    assert 'data-line="4"' in html and "unknown_station" in html
    progress = OrderProgress.objects.get()
    assert (progress.station.code, progress.on_hold, progress.hold_reason_public) == (
        "peinture",
        True,
        True,
    )
    assert order.__class__.objects.get(pk=order.pk).status == "in_production"


def test_importing_the_same_file_twice_changes_nothing(office, plant_key, order):
    text = (
        "id,kind,occurred_at,order,vin\n"
        f"d1,vin_assigned,2026-03-02T09:00:00+01:00,{order.number},{VIN}\n"
    )
    import_csv(office, plant_key, text)

    report = import_csv(office, plant_key, text).context["report"]

    assert (report.accepted, report.duplicates, len(report.rejected)) == (0, 1, 0)
    assert ProductionEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("vin,station\nX,Y\n", "En-tête attendu"),
        (
            "id,kind,occurred_at,couleur\nx,vin_assigned,2026-03-02T09:00:00+01:00,rouge\n",
            "couleur",
        ),
    ],
)
def test_a_bad_header_is_a_french_message(office, plant_key, content, message):
    response = import_csv(office, plant_key, content)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ProductionEvent.objects.exists()


def test_a_file_not_in_utf8_is_refused(office, plant_key):
    response = office.post(
        IMPORT_URL,
        {
            "credential": plant_key[0].pk,
            "file": SimpleUploadedFile("x.csv", "id,kind,occurred_at\né,à,ç\n".encode("latin-1")),
        },
    )

    assert response.status_code == 400
    assert "UTF-8" in response.content.decode()


def test_a_carrier_key_imports_only_transport_events(office, rail_key, order):
    text = f"id,kind,occurred_at,vin,station\nr1,station_entered,2026-03-02T09:00:00+01:00,{VIN},tolerie\n"

    report = import_csv(office, rail_key, text).context["report"]

    assert [(r.line, r.result.code) for r in report.rejected] == [(2, "forbidden_kind")]


@pytest.mark.parametrize("role", ROLES)
def test_only_head_office_opens_the_import(client_as, role):
    client, _ = client_as(role)

    response = client.get(IMPORT_URL)

    assert response.status_code == (200 if role == "head_office" else 302)


def test_the_events_list_links_to_the_import(office):
    page = office.get(reverse("admin:production_productionevent_changelist")).content.decode()

    assert f'href="{IMPORT_URL}"' in page

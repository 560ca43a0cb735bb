"""The leads API: a buyer's app sends leads (checked like the site's form, idempotent, rate
limited); dealer staff read and move their own dealer's leads, and nobody else can."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from autovitrine.conftest import ROLES
from autovitrine.inventory.models import StockVehicle
from autovitrine.leads.models import Lead, LeadEvent
from autovitrine.leads.views import LEADS_PER_WINDOW
from autovitrine.testing import factories as f

LEADS = "/api/leads"
MINE = "/api/leads/mine"


def next_tuesday_at_ten() -> dt.datetime:
    """Paris time next week, when the test dealer is open (Monday–Saturday, 9 h – 12 h 30)."""
    today = timezone.localdate()
    day = today + dt.timedelta(days=(1 - today.weekday()) % 7 + 7)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


@pytest.fixture
def car(dealer):
    return f.StockVehicleFactory(dealer=dealer, model_label="Terra")


@pytest.fixture
def send(client, django_capture_on_commit_callbacks):
    """POST a JSON lead like an app, running the after-commit work (the dealer's e-mail)."""

    def post(body, *, key: str | None = None, remote_addr: str = "203.0.113.7", raw=None):
        headers = {"Idempotency-Key": key} if key is not None else {}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                LEADS,
                raw if raw is not None else json.dumps(body),
                content_type="application/json",
                headers=headers,
                REMOTE_ADDR=remote_addr,
            )

    return post


def question_about(car: StockVehicle, **overrides) -> dict:
    return {
        "kind": "question",
        "vehicle_id": car.pk,
        "name": "Léa Fontaine",
        "email": "Lea.Fontaine@example.fr",
        "message": "Est-elle disponible samedi ?",
        "consent": True,
        **overrides,
    }


def test_a_question_about_a_car_reaches_its_dealer(send, car, dealer):
    # When
    response = send(question_about(car, utm_campaign="printemps", source_page="/app/terra"))

    # Then
    assert response.status_code == 201
    body = response.json()
    created_at = body.pop("created_at")
    lead = Lead.objects.get()
    assert body == {
        "id": lead.pk,
        "kind": "question",
        "status": "new",
        "dealer_code": dealer.code,
        "vehicle_id": car.pk,
        "name": "Léa Fontaine",
        "email": "lea.fontaine@example.fr",
        "phone": "",
        "message": "Est-elle disponible samedi ?",
        "preferred_slot": None,
        "source": "api",
    }
    assert dt.datetime.fromisoformat(created_at) == lead.created_at
    assert (lead.utm_campaign, lead.source_page, lead.customer) == ("printemps", "/app/terra", None)
    assert [m.to for m in mail.outbox] == [[dealer.email], ["lea.fontaine@example.fr"]]


def test_a_test_drive_at_a_dealer_keeps_the_slot_and_the_signed_in_buyer(send, client_as, dealer):
    # Given
    _, buyer = client_as("customer")
    slot = next_tuesday_at_ten()

    # When
    response = send(
        {
            "kind": "test_drive",
            "dealer_code": dealer.code,
            "name": "Léa Fontaine",
            "phone": "+33 6 12 34 56 78",
            "preferred_slot": timezone.localtime(slot).strftime("%Y-%m-%dT%H:%M:%S"),
            "consent": True,
            "source": "qr",
        }
    )

    # Then
    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["vehicle_id"], body["phone"], body["source"]) == (
        "test_drive",
        None,
        "06 12 34 56 78",
        "qr",
    )
    assert dt.datetime.fromisoformat(body["preferred_slot"]) == slot
    assert Lead.objects.get().customer == buyer


def test_a_callback_window_is_written_in_the_message(send, car):
    # When
    response = send(
        question_about(car, kind="callback", phone="0612345678", callback_window="morning")
    )

    # Then
    assert response.json()["message"] == (
        "Rappel souhaité : Le matin (9 h – 12 h)\nEst-elle disponible samedi ?"
    )


def test_a_replayed_post_returns_the_same_lead_with_200(send, car):
    # Given
    first = send(question_about(car), key="app-7f3a-0001")

    # When
    replay = send(question_about(car), key="app-7f3a-0001")

    # Then
    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.json() == first.json()
    assert Lead.objects.count() == 1
    assert LeadEvent.objects.count() == 1
    assert len(mail.outbox) == 2  # the dealer's and the acknowledgement, once each


def test_a_key_reused_for_another_request_is_a_conflict(send, car):
    # Given
    send(question_about(car), key="app-7f3a-0002")

    # When
    response = send(question_about(car, email="autre@example.fr"), key="app-7f3a-0002")

    # Then
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert Lead.objects.count() == 1


def test_too_many_leads_from_one_address_are_refused(send, car):
    # Given: the window's quota spent from one address
    for n in range(LEADS_PER_WINDOW):
        assert send(question_about(car, email=f"l{n}@example.fr")).status_code == 201

    # When
    refused = send(question_about(car, email="encore@example.fr"))
    elsewhere = send(question_about(car, email="voisin@example.fr"), remote_addr="198.51.100.4")

    # Then
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert elsewhere.status_code == 201
    assert Lead.objects.count() == LEADS_PER_WINDOW + 1


def test_the_sites_form_and_the_api_share_one_quota_per_address(send, client, car):
    # Given: the quota spent through the API
    for n in range(LEADS_PER_WINDOW):
        send(question_about(car, email=f"l{n}@example.fr"))

    # When: the same address uses the site's form
    response = client.post(
        "/demandes/nouvelle/",
        {
            "kind": "question",
            "name": "Léa",
            "email": "lea@example.fr",
            "consent": "on",
            "vehicle": car.pk,
        },
        REMOTE_ADDR="203.0.113.7",
    )

    # Then
    assert response.status_code == 429
    assert Lead.objects.count() == LEADS_PER_WINDOW


def _past_slot() -> str:
    return (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%dT10:00:00")


BAD_LEADS = [
    ({"email": "lea@"}, 422, "invalid_input", "email"),
    ({"email": "", "phone": ""}, 422, "invalid_input", "email"),
    ({"phone": "12"}, 422, "invalid_input", "phone"),
    ({"name": ""}, 422, "invalid_input", "name"),
    ({"name": "x" * 121}, 422, "invalid_input", "name"),
    ({"kind": "complaint"}, 422, "invalid_input", "kind"),
    ({"consent": False}, 422, "invalid_input", "consent"),
    ({"consent": "peut-être"}, 422, "invalid_input", "consent"),
    ({"vehicle_id": 999_999}, 422, "invalid_input", ""),
    ({"vehicle_id": -4}, 422, "invalid_input", "vehicle_id"),
    ({"vehicle_id": "abc"}, 422, "invalid_input", "vehicle_id"),
    ({"vehicle_id": None}, 422, "invalid_input", ""),
    ({"vehicle_id": None, "dealer_code": "nulle-part"}, 422, "invalid_input", ""),
    ({"kind": "callback"}, 422, "invalid_input", "phone"),
    ({"kind": "test_drive"}, 422, "invalid_input", "preferred_slot"),
    ({"kind": "test_drive", "preferred_slot": "demain"}, 422, "invalid_input", "preferred_slot"),
    ({"kind": "test_drive", "preferred_slot": "PAST"}, 422, "invalid_input", "preferred_slot"),
    ({"callback_window": "minuit"}, 422, "invalid_input", "callback_window"),
    ({"message": "x" * 1801}, 422, "invalid_input", "message"),
    ({"source": "fax"}, 422, "invalid_input", "source"),
]


@pytest.mark.parametrize(("changes", "status", "code", "field"), BAD_LEADS)
def test_a_bad_lead_is_a_json_error_naming_the_field(send, car, changes, status, code, field):
    # Given
    if changes.get("preferred_slot") == "PAST":
        changes = {**changes, "preferred_slot": _past_slot()}

    # When
    response = send(question_about(car, **changes))

    # Then
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert error["details"][0]["field"] == field
    assert error["details"][0]["message"]
    assert Lead.objects.count() == 0


def test_missing_fields_are_all_listed(send):
    # When
    response = send({"email": "lea@example.fr"})

    # Then
    assert response.status_code == 422
    assert response.json()["error"]["details"] == [
        {"field": "kind", "message": "Champ obligatoire."},
        {"field": "name", "message": "Champ obligatoire."},
        {"field": "consent", "message": "Champ obligatoire."},
    ]


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        ("{'kind': 'question'", 400, "invalid_json"),
        ("[1, 2]", 422, "invalid_input"),
        ('"question"', 422, "invalid_input"),
        ("", 422, "invalid_input"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(send, raw, status, code):
    # When
    response = send(None, raw=raw)

    # Then
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_a_form_encoded_body_is_refused_as_the_wrong_content_type(client, car):
    # When
    response = client.post(LEADS, {"kind": "question", "vehicle_id": car.pk, "name": "Léa"})

    # Then
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_a_lead_about_a_sold_car_is_refused(send, dealer):
    # Given
    sold = f.StockVehicleFactory(dealer=dealer, status=StockVehicle.Status.SOLD)

    # When
    response = send(question_about(sold))

    # Then
    assert response.status_code == 422
    assert "vient d'être vendu" in response.json()["error"]["message"]


@pytest.mark.parametrize("key", ["", "k" * 65, "clé-accentuée"])
def test_a_malformed_idempotency_key_is_refused(send, car, key):
    # When
    response = send(question_about(car), key=key)

    # Then
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "Idempotency-Key"
    assert Lead.objects.count() == 0


# --- The dealer's staff -------------------------------------------------------------------------


@pytest.fixture
def our_and_their_leads(dealer, other_dealer):
    ours = [f.LeadFactory(dealer=dealer), f.LeadFactory(dealer=dealer, status="contacted")]
    theirs = f.LeadFactory(dealer=other_dealer)
    return ours, theirs


MINE_EXPECTED = {
    "anonymous": (401, "not_authenticated"),
    "customer": (403, "forbidden"),
    "head_office": (403, "forbidden"),
    "other_dealer_staff": (200, None),
    "dealer_staff": (200, None),
}


@pytest.mark.parametrize("role", ROLES)
def test_only_dealer_staff_read_leads_and_only_their_dealers(client_as, our_and_their_leads, role):
    # Given
    ours, theirs = our_and_their_leads
    client, _ = client_as(role)

    # When
    response = client.get(MINE)

    # Then
    status, code = MINE_EXPECTED[role]
    assert response.status_code == status
    if code:
        assert response.json()["error"]["code"] == code
    elif role == "dealer_staff":
        assert [lead["id"] for lead in response.json()["items"]] == [ours[1].pk, ours[0].pk]
    else:
        assert [lead["id"] for lead in response.json()["items"]] == [theirs.pk]


def test_staff_filter_their_leads_by_status_and_page(client_as, dealer):
    # Given: five new leads (oldest first) and a won one
    client, _ = client_as("dealer_staff")
    new_leads = f.LeadFactory.create_batch(5, dealer=dealer)
    f.LeadFactory(dealer=dealer, status="won")

    # When
    second_page = client.get(MINE, {"status": "new", "page_size": 2, "page": 2})
    past_the_end = client.get(MINE, {"status": "new", "page_size": 2, "page": 4})
    bad_status = client.get(MINE, {"status": "archived"})

    # Then
    body = second_page.json()
    assert [lead["id"] for lead in body["items"]] == [new_leads[2].pk, new_leads[1].pk]
    assert (body["total"], body["page"], body["num_pages"]) == (5, 2, 3)
    assert body["items"][0]["dealer_code"] == dealer.code
    assert past_the_end.status_code == 404
    assert past_the_end.json()["error"]["details"][0]["num_pages"] == 3
    assert bad_status.status_code == 422


PATCH_EXPECTED = {
    "anonymous": (401, "not_authenticated"),
    "customer": (403, "forbidden"),
    "head_office": (403, "forbidden"),
    "other_dealer_staff": (404, "not_found"),
    "dealer_staff": (200, None),
}


def patch(client, lead_id: int, body: dict, **extra):
    return client.patch(
        f"{LEADS}/{lead_id}", json.dumps(body), content_type="application/json", **extra
    )


@pytest.mark.parametrize("role", ROLES)
def test_only_the_dealers_staff_move_its_lead(client_as, our_and_their_leads, role):
    # Given
    ours, _ = our_and_their_leads
    client, user = client_as(role)

    # When
    response = patch(client, ours[0].pk, {"status": "contacted", "note": "Rappelée à 10 h."})

    # Then
    status, code = PATCH_EXPECTED[role]
    assert response.status_code == status
    ours[0].refresh_from_db()
    if code:
        assert response.json()["error"]["code"] == code
        assert ours[0].status == "new"
    else:
        assert (response.json()["id"], response.json()["status"]) == (ours[0].pk, "contacted")
        assert ours[0].status == "contacted"
        event = ours[0].events.last()
        assert (event.from_status, event.to_status, event.by, event.note) == (
            "new",
            "contacted",
            user,
            "Rappelée à 10 h.",
        )


def test_a_move_the_status_table_forbids_is_an_invalid_transition(client_as, dealer):
    # Given
    client, _ = client_as("dealer_staff")
    won = f.LeadFactory(dealer=dealer, status="won")

    # When
    response = patch(client, won.pk, {"status": "lost"})
    unknown_status = patch(client, won.pk, {"status": "archived"})
    missing_lead = patch(client, 999_999, {"status": "lost"})

    # Then
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"
    assert unknown_status.status_code == 422
    assert missing_lead.status_code == 404
    won.refresh_from_db()
    assert won.status == "won"


def test_a_patch_from_the_browser_needs_the_csrf_token(dealer_staff, dealer):
    # Given: a browser session that enforces CSRF like production
    lead = f.LeadFactory(dealer=dealer)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(dealer_staff, backend="django.contrib.auth.backends.ModelBackend")
    token = "k" * 32  # the secret a page of the site would have set in the CSRF cookie
    browser.cookies["csrftoken"] = token

    # When
    without_token = patch(browser, lead.pk, {"status": "contacted"})
    with_token = patch(browser, lead.pk, {"status": "contacted"}, HTTP_X_CSRFTOKEN=token)

    # Then
    assert without_token.status_code == 403
    assert without_token.json()["error"]["code"] == "csrf_failed"
    assert with_token.status_code == 200

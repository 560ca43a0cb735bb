"""Sending a lead from a vehicle or dealer page: validation in French, source, e-mail, abuse."""

from __future__ import annotations

import datetime as dt
import uuid
from html import unescape

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from autovitrine.inventory.models import StockVehicle
from autovitrine.leads.models import Lead, LeadEvent
from autovitrine.leads.views import LEADS_PER_WINDOW
from autovitrine.testing import factories as f

CREATE_URL = reverse("leads:create")
THANKS_URL = reverse("leads:thanks")


def next_weekday_at(weekday: int, hour: int, minute: int = 0) -> dt.datetime:
    """A local date-time next week on ``weekday`` (0 = Monday): in the future, within 60 days."""
    today = timezone.localdate()
    day = today + dt.timedelta(days=(weekday - today.weekday()) % 7 + 7)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def as_input(moment: dt.datetime) -> str:
    """How a browser's datetime-local field sends a date-time."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def car(dealer):
    return f.StockVehicleFactory(dealer=dealer, model_label="Terra")


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST the form like a browser, running the after-commit work (the dealer's e-mail)."""

    def send(data: dict, *, remote_addr: str = "203.0.113.7", via: Client | None = None):
        with django_capture_on_commit_callbacks(execute=True):
            return (via or client).post(CREATE_URL, data, REMOTE_ADDR=remote_addr)

    return send


def form_data(car: StockVehicle, **overrides: str) -> dict[str, str]:
    return {
        "kind": "question",
        "name": "Léa Fontaine",
        "email": "Lea.Fontaine@example.fr",
        "phone": "",
        "message": "Est-elle disponible samedi ?",
        "consent": "on",
        "vehicle": str(car.pk),
        "dealer": car.dealer.code,
        "src": "",
        "page": f"/stock/vehicule/{car.pk}/",
        "utm_source": "",
        "utm_medium": "",
        "utm_campaign": "",
        "idempotency_key": str(uuid.uuid4()),
        **overrides,
    }


def test_a_question_creates_a_lead_emails_the_dealer_and_thanks_the_buyer(post, client, car):
    # When
    response = post(form_data(car))

    # Then: redirected (PRG) to the thanks page
    assert response.status_code == 302
    assert response["Location"] == THANKS_URL
    lead = Lead.objects.get()
    assert (lead.kind, lead.dealer_id, lead.vehicle_id, lead.status) == (
        "question",
        car.dealer_id,
        car.pk,
        "new",
    )
    assert (lead.name, lead.email, lead.message) == (
        "Léa Fontaine",
        "lea.fontaine@example.fr",
        "Est-elle disponible samedi ?",
    )
    assert (lead.source, lead.source_page) == ("web", f"/stock/vehicule/{car.pk}/")
    assert [e.to_status for e in LeadEvent.objects.filter(lead=lead)] == ["new"]
    # the dealer is told, and the buyer gets the acknowledgement repeating the request
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([car.dealer.email], "Nouvelle demande (Question) de Léa Fontaine"),
        (["lea.fontaine@example.fr"], f"Votre demande est bien arrivée chez {car.dealer.name}"),
    ]
    assert "Est-elle disponible samedi ?" in mail.outbox[1].body
    thanks = unescape(client.get(THANKS_URL).content.decode())
    assert f"Merci, votre demande est envoyée à {car.dealer.name}." in thanks
    assert f"{car.dealer.name} a bien reçu votre demande." in thanks


def test_a_lead_from_a_qr_scan_keeps_its_source_and_campaign(post, car):
    # When
    post(
        form_data(
            car,
            src="qr",
            utm_source="vitrine",
            utm_medium="sticker",
            utm_campaign="printemps-2026",
        )
    )

    # Then
    lead = Lead.objects.get()
    assert (lead.source, lead.utm_source, lead.utm_medium, lead.utm_campaign) == (
        "qr",
        "vitrine",
        "sticker",
        "printemps-2026",
    )
    assert "Provenance : QR code (printemps-2026)" in mail.outbox[0].body


def test_a_campaign_link_without_src_is_a_campaign_lead(post, car):
    # When
    post(form_data(car, utm_campaign="soldes"))

    # Then
    assert Lead.objects.get().source == "campaign"


def test_a_test_drive_in_opening_hours_is_booked_with_its_slot(post, car):
    # Given: next Tuesday 10:00, the dealer opens 9:00–12:30
    slot = next_weekday_at(1, 10)

    # When
    response = post(
        form_data(car, kind="test_drive", phone="06 12 34 56 78", preferred_slot=as_input(slot))
    )

    # Then
    assert response.status_code == 302
    lead = Lead.objects.get()
    assert (lead.kind, lead.preferred_slot, lead.phone) == ("test_drive", slot, "06 12 34 56 78")
    assert "Créneau souhaité" in mail.outbox[0].body


def test_a_call_back_keeps_the_chosen_time_window_in_the_message(post, car):
    # When
    post(form_data(car, kind="callback", phone="+33 6 12 34 56 78", callback_window="evening"))

    # Then
    lead = Lead.objects.get()
    assert lead.phone == "06 12 34 56 78"
    assert lead.message == (
        "Rappel souhaité : En fin de journée (18 h – 20 h)\nEst-elle disponible samedi ?"
    )


@pytest.mark.parametrize(
    "typed",
    [
        "0612345678",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "+33612345678",
        "+33 (0)6 12 34 56 78",
        "0033 6 12 34 56 78",
    ],
)
def test_every_usual_way_of_writing_a_french_number_is_accepted(post, car, typed):
    # When
    post(form_data(car, phone=typed))

    # Then
    assert Lead.objects.get().phone == "06 12 34 56 78"


def test_a_lead_from_a_dealer_page_has_no_vehicle(post, dealer):
    # Given
    data = form_data(f.StockVehicleFactory(dealer=dealer), vehicle="", dealer=dealer.code)

    # When
    response = post(data)

    # Then
    assert response.status_code == 302
    lead = Lead.objects.get()
    assert (lead.dealer_id, lead.vehicle_id) == (dealer.pk, None)


def test_the_lead_goes_to_the_vehicles_dealer_whatever_dealer_is_posted(post, car, other_dealer):
    # When: a tampered dealer id next to a Lyon car
    post(form_data(car, dealer=other_dealer.code))

    # Then
    assert Lead.objects.get().dealer_id == car.dealer_id
    assert mail.outbox[0].to == [car.dealer.email]


def test_a_double_submit_creates_one_lead_and_one_email(post, car):
    # Given
    data = form_data(car)

    # When
    first, second = post(data), post(data)

    # Then
    assert (first.status_code, second.status_code) == (302, 302)
    assert Lead.objects.count() == 1
    assert len(mail.outbox) == 2  # the dealer's, the buyer's acknowledgement: once each


def test_a_signed_in_customer_is_attached_to_the_lead(post, client_as, car):
    # Given
    client, customer = client_as("customer")

    # When
    post(form_data(car), via=client)

    # Then
    assert Lead.objects.get().customer == customer


def _in(days: int) -> str:
    return as_input(timezone.now() + dt.timedelta(days=days))


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "Indiquez votre nom."),
        ({"name": "x" * 121}, "name", "Le nom est trop long (120 caractères au plus)."),
        ({"email": "lea@", "phone": ""}, "email", "Indiquez une adresse e-mail valide"),
        ({"email": "", "phone": ""}, "email", "Indiquez un e-mail ou un téléphone."),
        ({"phone": "12345"}, "phone", "Indiquez un numéro français à 10 chiffres"),
        ({"phone": "06 12 34 56 7a"}, "phone", "Indiquez un numéro français à 10 chiffres"),
        ({"phone": "+44 20 7946 0958"}, "phone", "Indiquez un numéro français à 10 chiffres"),
        ({"consent": ""}, "consent", "Votre accord est nécessaire pour envoyer la demande."),
        ({"kind": "devis"}, "kind", "Type de demande inconnu."),
        ({"kind": ""}, "kind", "Choisissez le type de demande."),
        ({"kind": "callback", "phone": ""}, "phone", "Indiquez un numéro pour être rappelé."),
        ({"kind": "test_drive"}, "preferred_slot", "Choisissez un créneau pour l'essai."),
        (
            {"kind": "test_drive", "preferred_slot": "demain matin"},
            "preferred_slot",
            "Indiquez une date et une heure valides.",
        ),
        (
            {"kind": "test_drive", "preferred_slot": _in(-1)},
            "preferred_slot",
            "Le créneau d'essai doit être dans le futur.",
        ),
        (
            {"kind": "test_drive", "preferred_slot": _in(61)},
            "preferred_slot",
            "Choisissez un créneau dans les 60 prochains jours.",
        ),
        (
            {"kind": "test_drive", "preferred_slot": as_input(next_weekday_at(6, 10))},
            "preferred_slot",
            "La concession est fermée à ce moment-là : choisissez un créneau d'ouverture.",
        ),
        (
            {"kind": "test_drive", "preferred_slot": as_input(next_weekday_at(1, 13))},
            "preferred_slot",
            "La concession est fermée à ce moment-là : choisissez un créneau d'ouverture.",
        ),
        ({"message": "x" * 1801}, "message", "Le message est trop long"),
        ({"callback_window": "minuit"}, "callback_window", "Choisissez un moment dans la liste."),
    ],
)
def test_invalid_input_is_refused_in_french_with_nothing_written(
    post, car, overrides, field, message
):
    # When
    response = post(form_data(car, **overrides))

    # Then: the form again, with the error next to its field and tied to it
    assert response.status_code == 400
    html = response.content.decode()
    assert message in unescape(html)
    assert f'id="id_{field}_error"' in html
    assert 'id="lead-form"' in html
    assert Lead.objects.count() == 0
    assert mail.outbox == []


def test_the_error_page_keeps_what_was_typed_and_shows_the_car(post, car):
    # When
    response = post(form_data(car, phone="12345"))

    # Then
    html = unescape(response.content.decode())
    assert "Votre demande n'est pas encore partie" in html
    assert f'href="/stock/vehicule/{car.pk}/"' in html
    assert 'value="Léa Fontaine"' in html
    assert 'aria-invalid="true" aria-describedby="id_phone_helptext id_phone_error"' in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"vehicle": "", "dealer": ""}, "Cette demande ne vise aucune concession"),
        ({"vehicle": "999999"}, "Ce véhicule n'est plus en ligne."),
        ({"vehicle": "abc"}, "Le formulaire est incomplet : rechargez la page et réessayez."),
        ({"vehicle": "", "dealer": "concession-fermee"}, "Cette concession n'existe pas"),
        ({"vehicle": "", "dealer": "<b>"}, "Le formulaire est incomplet"),
        ({"idempotency_key": "pas-une-cle"}, "Le formulaire est incomplet"),
    ],
)
def test_a_stale_or_tampered_page_is_refused(post, car, overrides, message):
    # When
    response = post(form_data(car, **overrides))

    # Then
    assert response.status_code == 400
    assert message in unescape(response.content.decode())
    assert Lead.objects.count() == 0


def test_a_sold_car_takes_no_more_leads(post, car):
    # Given: sold while the buyer was typing
    StockVehicle.objects.filter(pk=car.pk).update(status=StockVehicle.Status.SOLD)

    # When
    response = post(form_data(car))

    # Then
    assert response.status_code == 400
    assert "Ce véhicule vient d'être vendu" in unescape(response.content.decode())
    assert Lead.objects.count() == 0


def test_get_is_not_allowed(client, db):
    # When
    response = client.get(CREATE_URL)

    # Then
    assert response.status_code == 405


def test_a_post_without_csrf_token_is_refused(car):
    # Given
    browser = Client(enforce_csrf_checks=True)

    # When
    response = browser.post(CREATE_URL, form_data(car))

    # Then
    assert response.status_code == 403
    assert Lead.objects.count() == 0


def test_more_than_ten_leads_in_ten_minutes_from_one_address_are_refused(post, car):
    # Given
    for _ in range(LEADS_PER_WINDOW):
        assert post(form_data(car)).status_code == 302

    # When
    refused = post(form_data(car))
    other_address = post(form_data(car), remote_addr="198.51.100.20")

    # Then
    assert refused.status_code == 429
    assert "Vous avez envoyé beaucoup de demandes en peu de temps" in unescape(
        refused.content.decode()
    )
    assert other_address.status_code == 302
    assert Lead.objects.count() == LEADS_PER_WINDOW + 1


def test_the_thanks_page_without_a_lead_is_generic(client, db):
    # When
    response = client.get(THANKS_URL)

    # Then
    assert response.status_code == 200
    assert "Merci de votre intérêt." in unescape(response.content.decode())


def test_a_refused_lead_says_how_long_to_wait_and_sends_retry_after(post, car):
    # Given
    for _ in range(LEADS_PER_WINDOW):
        post(form_data(car))

    # When
    refused = post(form_data(car))

    # Then the window is ten minutes, just opened
    page = unescape(refused.content.decode())
    assert refused.status_code == 429
    assert refused["Retry-After"] in {"599", "600"}
    assert "réessayez dans 10 minutes ou appelez la concession." in page
    assert 'aria-invalid="true"' not in page


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(post, car, settings):
    # Given the load balancer at 10.0.0.2, in front of two buyers
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    def through_proxy(client_address: str):
        return post(
            form_data(car),
            remote_addr="10.0.0.2",
            via=Client(headers={"X-Forwarded-For": client_address}),
        )

    for _ in range(LEADS_PER_WINDOW):
        assert through_proxy("203.0.113.7").status_code == 302

    # When
    first_again = through_proxy("203.0.113.7")
    second = through_proxy("198.51.100.20")

    # Then
    assert first_again.status_code == 429
    assert second.status_code == 302


def test_a_forged_forwarded_header_from_an_untrusted_address_is_ignored(post, car, settings):
    # Given a client that rotates a forged X-Forwarded-For, straight to the server
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    for n in range(LEADS_PER_WINDOW):
        forged = Client(headers={"X-Forwarded-For": f"192.0.2.{n}"})
        assert post(form_data(car), via=forged).status_code == 302

    # When
    forged = Client(headers={"X-Forwarded-For": "192.0.2.200"})
    refused = post(form_data(car), via=forged)

    # Then its own address was counted every time
    assert refused.status_code == 429


def test_addresses_of_one_ipv6_64_share_one_limit(post, car):
    # Given a client that takes a new address of its /64 for every lead
    for n in range(LEADS_PER_WINDOW):
        assert post(form_data(car), remote_addr=f"2001:db8:7:7::{n + 1:x}").status_code == 302

    # When
    same_network = post(form_data(car), remote_addr="2001:db8:7:7:ffff::1")
    next_network = post(form_data(car), remote_addr="2001:db8:7:8::1")

    # Then
    assert same_network.status_code == 429
    assert next_network.status_code == 302


def test_the_plain_text_email_is_not_html_escaped(post, car):
    # When
    post(form_data(car, name="Léa O'Brien & fils", message='Prix "remisé" < 30 000 € ?'))

    # Then
    email, acknowledgement = mail.outbox
    assert 'Prix "remisé" < 30 000 € ?' in acknowledgement.body
    assert "Bonjour Léa O'Brien & fils," in acknowledgement.body
    assert email.subject == "Nouvelle demande (Question) de Léa O'Brien & fils"
    assert "Nom : Léa O'Brien & fils" in email.body
    assert 'Prix "remisé" < 30 000 € ?' in email.body
    assert "&amp;" not in email.body and "&#x27;" not in email.subject


@pytest.mark.parametrize("name", ["Léa\r\nBcc: x@example.com", "Léa\nFontaine", "Léa\rF"])
def test_a_line_break_in_the_name_is_refused(post, car, name):
    # When
    response = post(form_data(car, name=name))

    # Then
    assert response.status_code == 400
    assert "Pas de retour à la ligne dans ce champ." in unescape(response.content.decode())
    assert Lead.objects.count() == 0
    assert mail.outbox == []

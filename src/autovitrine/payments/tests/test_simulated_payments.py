"""Paying a deposit with the simulated provider: its page, its signed webhooks, their idempotency."""

from __future__ import annotations

import html
import json
import time

import pytest
from django.urls import reverse

from autovitrine.payments import conf
from autovitrine.payments import services as payment_services
from autovitrine.payments.models import Payment, PaymentEvent
from autovitrine.payments.providers.simulated import SimulatedProvider
from autovitrine.payments.services import payment_refund, payment_start
from autovitrine.payments.signatures import signature_header
from autovitrine.testing.concurrency import race

RETURN_URL = "/commandes/retour/"


def start(key: str = "deposit-AV-1", amount: int = 150_000) -> Payment:
    return payment_start(
        purpose="demo",
        reference="AV-1",
        amount_cents=amount,
        idempotency_key=key,
        return_url=RETURN_URL,
        provider_name="simulated",
    )


def signed_webhook(payment: Payment, *, paid: bool = True, amount: int | None = None):
    provider = SimulatedProvider(secret=conf.simulator_secret())
    body, signature = provider.webhook_for(
        provider_id=payment.provider_id,
        amount_cents=payment.amount_cents if amount is None else amount,
        paid=paid,
    )
    return body, {"X-Simulator-Signature": signature}


def kinds(payment: Payment) -> list[str]:
    return list(payment.events.values_list("kind", flat=True))


def test_starting_a_payment_opens_the_simulator_page(db):
    # When
    payment = start()

    # Then
    assert payment.status == Payment.Status.PENDING
    assert payment.provider == "simulated"
    assert payment.provider_id.startswith("sim_")
    assert payment.redirect_url.startswith("/paiement/simulateur/")
    assert kinds(payment) == ["created", "opened"]


def test_starting_again_with_the_same_key_returns_the_same_payment(db):
    # Given
    first = start()

    # When
    again = start()

    # Then
    assert again.pk == first.pk
    assert again.redirect_url == first.redirect_url
    assert Payment.objects.count() == 1
    assert kinds(again) == ["created", "opened"]


def test_the_same_key_for_another_amount_is_refused(db):
    # Given
    start(amount=150_000)

    # When / Then
    with pytest.raises(Exception, match="clé d'idempotence a déjà servi"):
        start(amount=99_000)
    assert Payment.objects.get().amount_cents == 150_000


def test_the_simulator_page_shows_the_amount_and_both_buttons(client, db):
    # Given
    payment = start()

    # When
    response = client.get(payment.redirect_url)

    # Then
    page = response.content.decode()
    assert response.status_code == 200
    assert "1\u202f500,00\u00a0€" in page
    assert 'id="sim-pay"' in page and 'id="sim-fail"' in page
    assert "AV-1" in page


def test_a_tampered_simulator_link_is_not_found(client, db):
    # Given
    payment = start()

    # When
    response = client.get(payment.redirect_url.rstrip("/") + "x/")

    # Then
    assert response.status_code == 404


def test_paying_on_the_simulator_marks_the_payment_paid_and_returns(client, db):
    # Given
    payment = start()

    # When
    response = client.post(payment.redirect_url, {"outcome": "pay"})

    # Then
    payment.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == RETURN_URL
    assert payment.status == Payment.Status.SUCCEEDED
    assert kinds(payment) == ["created", "opened", "succeeded"]


def test_failing_on_the_simulator_marks_the_payment_failed_with_a_french_message(client, db):
    # Given
    payment = start()

    # When
    client.post(payment.redirect_url, {"outcome": "fail"})

    # Then
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert payment.message == "Le paiement a été refusé ; aucun montant n'a été débité."


def test_a_signed_webhook_posted_to_the_endpoint_records_the_payment(post_webhook, db):
    # Given
    payment = start()
    body, headers = signed_webhook(payment)

    # When
    response = post_webhook("simulated", body, headers)

    # Then
    payment.refresh_from_db()
    assert response.status_code == 200
    assert response.json() == {"received": True, "known": True}
    assert payment.status == Payment.Status.SUCCEEDED


def test_a_repeated_webhook_records_the_payment_once(post_webhook, db):
    # Given
    payment = start()
    body, headers = signed_webhook(payment)
    post_webhook("simulated", body, headers)

    # When the provider delivers the same event again, then a second success event
    again = post_webhook("simulated", body, headers)
    other_body, other_headers = signed_webhook(payment)
    other = post_webhook("simulated", other_body, other_headers)

    # Then
    payment.refresh_from_db()
    assert again.status_code == 200 and other.status_code == 200
    assert payment.status == Payment.Status.SUCCEEDED
    assert kinds(payment) == ["created", "opened", "succeeded", "ignored"]


def test_a_webhook_with_a_bad_signature_is_refused_and_writes_nothing(post_webhook, db):
    # Given
    payment = start()
    body, _ = signed_webhook(payment)
    forged = {"X-Simulator-Signature": signature_header(secret="not-the-secret", body=body)}

    # When
    response = post_webhook("simulated", body, forged)

    # Then
    payment.refresh_from_db()
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_signature"
    assert payment.status == Payment.Status.PENDING
    assert kinds(payment) == ["created", "opened"]


def test_a_webhook_with_a_body_changed_after_signing_is_refused(post_webhook, db):
    # Given a real signature over a failure, and a body rewritten to say "succeeded"
    payment = start()
    body, headers = signed_webhook(payment, paid=False)
    rewritten = body.replace(b"payment.failed", b"payment.succeeded")

    # When
    response = post_webhook("simulated", rewritten, headers)

    # Then
    payment.refresh_from_db()
    assert response.status_code == 400
    assert payment.status == Payment.Status.PENDING


def test_a_replayed_old_webhook_is_refused(post_webhook, db):
    # Given a correctly signed event, captured an hour ago
    payment = start()
    body, _ = signed_webhook(payment)
    old = signature_header(
        secret=conf.simulator_secret(), body=body, timestamp=int(time.time()) - 3600
    )

    # When
    response = post_webhook("simulated", body, {"X-Simulator-Signature": old})

    # Then
    assert response.status_code == 400
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_money_of_another_amount_is_refunded_and_flagged_for_review(
    post_webhook, db, django_capture_on_commit_callbacks
):
    # Given a payment of 1 500 € for which the provider says 1 € arrived
    payment = start(amount=150_000)
    body, headers = signed_webhook(payment, amount=100)

    # When
    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook("simulated", body, headers)

    # Then the money is not attached to anything: it goes back, and head office is told
    payment.refresh_from_db()
    assert response.status_code == 200
    assert payment.status == Payment.Status.REFUNDED
    assert (payment.received_cents, payment.refunded_cents) == (100, 100)
    assert payment.refund_id.startswith("simre_")
    assert payment.review_reason == Payment.ReviewReason.AMOUNT_MISMATCH
    assert kinds(payment) == ["created", "opened", "failed", "flagged", "refunded"]


def test_a_success_after_a_failure_is_refunded_and_flagged_for_review(
    client, post_webhook, db, django_capture_on_commit_callbacks
):
    # Given a payment the provider refused
    payment = start()
    client.post(payment.redirect_url, {"outcome": "fail"})

    # When the provider then says the money arrived after all
    body, headers = signed_webhook(payment, paid=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook("simulated", body, headers)

    # Then the money goes back (never a sale) and the payment is listed to review
    payment.refresh_from_db()
    assert response.status_code == 200
    assert payment.status == Payment.Status.REFUNDED
    assert (payment.received_cents, payment.refunded_cents) == (150_000, 150_000)
    assert payment.review_reason == Payment.ReviewReason.PAID_AFTER_FAILURE
    assert kinds(payment) == ["created", "opened", "failed", "ignored", "flagged", "refunded"]


def test_a_failure_after_the_money_arrived_is_flagged_and_keeps_the_payment(
    client, post_webhook, db
):
    # Given a paid payment
    payment = start()
    client.post(payment.redirect_url, {"outcome": "pay"})

    # When the provider then says it failed
    body, headers = signed_webhook(payment, paid=False)
    post_webhook("simulated", body, headers)

    # Then nothing moves, but head office is asked to check with the provider
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.review_reason == Payment.ReviewReason.UNEXPECTED_EVENT
    assert kinds(payment) == ["created", "opened", "succeeded", "ignored", "flagged"]


def test_the_simulator_cannot_pay_a_payment_it_has_failed(client, db):
    # Given a payment failed on the simulator
    payment = start()
    client.post(payment.redirect_url, {"outcome": "fail"})

    # When the buyer goes back to the page and presses "Payer"
    page = client.get(payment.redirect_url)
    paid = client.post(payment.redirect_url, {"outcome": "pay"})

    # Then the page says it failed, offers no button, and nothing is taken
    payment.refresh_from_db()
    assert 'id="sim-pay"' not in page.content.decode()
    assert "Ce paiement a échoué : il ne peut plus être payé." in page.content.decode()
    assert paid.status_code == 409
    assert payment.status == Payment.Status.FAILED
    assert payment.received_cents == 0
    assert kinds(payment) == ["created", "opened", "failed"]


def test_head_office_lists_the_payments_to_review_and_marks_them_checked(
    client_as, post_webhook, db, django_capture_on_commit_callbacks
):
    # Given one payment paid normally and one whose amount differed
    normal = start(key="ok")
    post_webhook("simulated", *signed_webhook(normal))
    odd = start(key="odd")
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook("simulated", *signed_webhook(odd, amount=100))
    client, _ = client_as("head_office")
    url = reverse("admin:payments_payment_changelist")

    # When
    listed = client.get(url, {"a_verifier": "oui"})
    marked = client.post(
        url + "?a_verifier=oui",
        {"action": "mark_reviewed", "_selected_action": [odd.pk]},
        follow=True,
    )
    after = client.get(url, {"a_verifier": "oui"})

    # Then
    assert listed.status_code == 200
    assert "paiements à vérifier" in html.unescape(listed.content.decode())
    assert [p.pk for p in listed.context["cl"].result_list] == [odd.pk]
    assert "1 paiement marqué comme vérifié." in html.unescape(marked.content.decode())
    assert list(after.context["cl"].result_list) == []
    odd.refresh_from_db()
    assert odd.reviewed_at is not None and kinds(odd)[-1] == "reviewed"


def test_a_webhook_about_an_unknown_payment_is_acknowledged(post_webhook, db):
    # Given
    body = json.dumps(
        {"id": "evt_1", "type": "payment.succeeded", "payment_id": "sim_x", "amount_cents": 1}
    ).encode()
    headers = {"X-Simulator-Signature": signature_header(secret=conf.simulator_secret(), body=body)}

    # When
    response = post_webhook("simulated", body, headers)

    # Then
    assert response.status_code == 200
    assert response.json() == {"received": True, "known": False}
    assert not PaymentEvent.objects.exists()


def test_a_webhook_for_an_unknown_provider_is_not_found(post_webhook, db):
    # When
    response = post_webhook("paypal", b"{}", {})

    # Then
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_provider"


def test_a_listener_sees_each_status_change_of_its_purpose(client, db, monkeypatch):
    # Given
    seen: list[tuple[str, str]] = []
    monkeypatch.setitem(
        payment_services._LISTENERS,
        "demo",
        lambda payment, previous: seen.append((previous, payment.status)),
    )
    payment = start()

    # When
    client.post(payment.redirect_url, {"outcome": "pay"})
    payment_refund(payment_id=payment.pk)

    # Then
    assert seen == [("pending", "succeeded"), ("succeeded", "refunded")]


def test_refunding_a_paid_payment_twice_refunds_once(client, db):
    # Given
    payment = start()
    client.post(payment.redirect_url, {"outcome": "pay"})

    # When
    payment_refund(payment_id=payment.pk)
    payment = payment_refund(payment_id=payment.pk)

    # Then
    assert payment.status == Payment.Status.REFUNDED
    assert payment.refund_id.startswith("simre_")
    assert kinds(payment).count("refunded") == 1


def test_an_unpaid_payment_cannot_be_refunded(db):
    # Given
    payment = start()

    # When / Then
    with pytest.raises(Exception, match="rien à rembourser"):
        payment_refund(payment_id=payment.pk)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_webhook_delivered_in_parallel_is_recorded_once(client):
    # Given
    payment = start()
    body, headers = signed_webhook(payment)

    # When the same webhook arrives 8 times at once (race() proves the deliveries overlapped)
    _, errors = race(
        8,
        lambda _: payment_services.payment_webhook_receive(
            provider_name="simulated", headers=headers, body=body
        ),
    )

    # Then
    assert errors == []
    assert kinds(payment) == ["created", "opened", "succeeded"]


def test_a_simulated_webhook_is_refused_on_a_production_site_with_stripe(
    settings, post_webhook, db
):
    # Given a real site: the simulator's signed "paid" must not move money
    settings.PRODUCTION = True
    settings.PAYMENT_PROVIDER = "stripe"
    provider = SimulatedProvider(secret=conf.simulator_secret())
    body, signature = provider.webhook_for(provider_id="sim_x", amount_cents=100, paid=True)

    # When
    response = post_webhook("simulated", body, {"X-Simulator-Signature": signature})

    # Then
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_provider"


def test_the_simulator_page_answers_404_on_a_production_site(settings, client, db):
    # Given a payment page opened while the simulator ran
    page = SimulatedProvider(secret="s").create_payment(
        amount_cents=100, reference="AV-1", idempotency_key="k", return_url="/"
    )
    settings.PRODUCTION = True
    settings.PAYMENT_PROVIDER = "stripe"

    # When
    response = client.get(page.redirect_url)

    # Then
    assert response.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # nested past Python's recursion limit
        b'{"type": "payment.succeeded", "id": "e1", "payment_id": "sim_x", "amount_cents": 1e400}',
    ],
    ids=["deep", "infinite-amount"],
)
def test_a_signed_but_absurd_webhook_body_is_a_400_never_a_500(post_webhook, db, body):
    """Issue 10: « a provider retries 5xx forever »: a body the JSON parser cannot nest or an
    amount that is not a number is refused as malformed, even when its signature verifies."""
    headers = {"X-Simulator-Signature": signature_header(secret=conf.simulator_secret(), body=body)}

    response = post_webhook("simulated", body, headers)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_webhook"

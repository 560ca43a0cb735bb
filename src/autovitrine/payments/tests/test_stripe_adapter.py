"""The Stripe adapter against a local stand-in that speaks Stripe's HTTP API."""

from __future__ import annotations

import json

import pytest
import stripe as stripe_library

from autovitrine.payments.models import Payment
from autovitrine.payments.services import payment_refund, payment_start
from autovitrine.payments.signatures import signature_header

from .conftest import STRIPE_WEBHOOK_SECRET

RETURN_URL = "https://autovitrine.example/commandes/AV-2/retour/"


def start(key: str = "deposit-AV-2", amount: int = 120_000) -> Payment:
    return payment_start(
        purpose="demo",
        reference="AV-2",
        amount_cents=amount,
        idempotency_key=key,
        return_url=RETURN_URL,
        provider_name="stripe",
    )


def test_starting_a_payment_creates_a_checkout_session(stripe, db):
    # When
    payment = start()

    # Then
    session = stripe.sessions[payment.provider_id]
    assert payment.status == Payment.Status.PENDING
    assert payment.redirect_url == f"{stripe.base_url}/c/pay/{payment.provider_id}"
    assert session["amount_total"] == 120_000
    assert session["currency"] == "eur"
    assert session["client_reference_id"] == "AV-2"
    assert session["success_url"] == RETURN_URL


def test_the_idempotency_key_reaches_stripe(stripe, db):
    # When
    start()

    # Then
    method, path, form = stripe.requests[0]
    assert (method, path) == ("POST", "/v1/checkout/sessions")
    assert form["line_items[0][price_data][product_data][name]"] == "Acompte AV-2"
    assert list(stripe.idempotent_answers) == ["deposit-AV-2"]


def test_a_timeout_leaves_the_payment_pending_with_a_french_message(stripe, settings, db):
    # Given a provider slower than our patience
    settings.PAYMENT_TIMEOUT_SECONDS = 0.2
    stripe.delay_seconds = 0.6

    # When
    payment = start()

    # Then
    assert payment.status == Payment.Status.PENDING
    assert payment.redirect_url == ""
    assert (
        payment.message == "Le service de paiement ne répond pas. Réessayez dans quelques instants."
    )
    assert list(payment.events.values_list("kind", flat=True)) == ["created", "unavailable"]


def test_retrying_after_a_timeout_opens_one_session_only(stripe, settings, db):
    # Given the first call timed out, though Stripe did create the session
    settings.PAYMENT_TIMEOUT_SECONDS = 0.2
    stripe.delay_seconds = 0.6
    start()
    stripe.delay_seconds = 0
    stripe.wait_idle()

    # When
    payment = start()

    # Then
    assert payment.redirect_url.endswith(payment.provider_id)
    assert payment.message == ""
    assert list(stripe.sessions) == [payment.provider_id]


def test_a_retry_while_stripe_still_runs_the_first_call_is_asked_to_wait(stripe, settings, db):
    # Given the first call timed out and is still running at Stripe
    settings.PAYMENT_TIMEOUT_SECONDS = 0.2
    stripe.delay_seconds = 0.6
    start()

    # When the buyer retries at once, then later
    busy = start()
    stripe.wait_idle()
    later = start()

    # Then
    assert busy.redirect_url == ""
    assert (
        busy.message
        == "Le service de paiement est momentanément indisponible. Réessayez plus tard."
    )
    assert later.redirect_url.endswith(later.provider_id)
    assert list(stripe.sessions) == [later.provider_id]


def test_a_rejected_api_key_is_reported_in_french(stripe, settings, db):
    # Given
    settings.STRIPE_SECRET_KEY = "sk_test_wrong"

    # When
    payment = start()

    # Then
    assert payment.redirect_url == ""
    assert payment.message == "Le service de paiement a refusé la demande."


def test_an_unreachable_stripe_is_reported_in_french(settings, db):
    # Given nothing listens on that port
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    settings.STRIPE_SECRET_KEY = "sk_test_x"

    # When
    payment = start()

    # Then
    assert (
        payment.message
        == "Le service de paiement est injoignable. Réessayez dans quelques instants."
    )


def test_a_signed_completed_session_marks_the_payment_paid(stripe, post_webhook, db):
    # Given
    payment = start()
    body, signature = stripe.pay(payment.provider_id)

    # When
    response = post_webhook("stripe", body, {"Stripe-Signature": signature})
    repeated = post_webhook("stripe", body, {"Stripe-Signature": signature})

    # Then
    payment.refresh_from_db()
    assert response.status_code == 200 and repeated.status_code == 200
    assert payment.status == Payment.Status.SUCCEEDED
    assert list(payment.events.values_list("kind", flat=True)) == ["created", "opened", "succeeded"]


def test_a_completed_session_not_yet_paid_waits_for_the_money(stripe, post_webhook, db):
    # Given a bank debit: the session completes before the funds arrive
    payment = start()
    body, signature = stripe.event(
        payment.provider_id, "checkout.session.completed", payment_status="unpaid"
    )

    # When
    post_webhook("stripe", body, {"Stripe-Signature": signature})

    # Then
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_an_expired_session_marks_the_payment_failed(stripe, post_webhook, db):
    # Given
    payment = start()
    body, signature = stripe.event(payment.provider_id, "checkout.session.expired")

    # When
    post_webhook("stripe", body, {"Stripe-Signature": signature})

    # Then
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED


def test_a_stripe_webhook_signed_with_another_secret_is_refused(stripe, post_webhook, db):
    # Given
    payment = start()
    body, _ = stripe.pay(payment.provider_id)
    forged = signature_header(secret="whsec_other", body=body)

    # When
    response = post_webhook("stripe", body, {"Stripe-Signature": forged})

    # Then
    payment.refresh_from_db()
    assert response.status_code == 400
    assert payment.status == Payment.Status.PENDING


def test_a_stripe_webhook_without_signature_is_refused(stripe, post_webhook, db):
    # Given
    payment = start()
    body, _ = stripe.pay(payment.provider_id)

    # When
    response = post_webhook("stripe", body, {})

    # Then
    assert response.status_code == 400


def test_refunding_goes_through_the_payment_intent(stripe, post_webhook, db):
    # Given a paid payment
    payment = start()
    body, signature = stripe.pay(payment.provider_id)
    post_webhook("stripe", body, {"Stripe-Signature": signature})

    # When
    payment = payment_refund(payment_id=payment.pk)

    # Then
    refund = stripe.refunds[payment.refund_id]
    assert payment.status == Payment.Status.REFUNDED
    assert refund["amount"] == 120_000
    assert refund["payment_intent"] == stripe.sessions[payment.provider_id]["payment_intent"]


def test_a_refund_that_times_out_keeps_the_payment_paid_and_can_be_retried(
    stripe, post_webhook, settings, db
):
    # Given a paid payment and a slow provider
    payment = start()
    body, signature = stripe.pay(payment.provider_id)
    post_webhook("stripe", body, {"Stripe-Signature": signature})
    settings.PAYMENT_TIMEOUT_SECONDS = 0.2
    stripe.delay_seconds = 0.6

    # When
    failed = payment_refund(payment_id=payment.pk)
    stripe.delay_seconds = 0
    stripe.wait_idle()
    retried = payment_refund(payment_id=payment.pk)

    # Then
    assert failed.status == Payment.Status.SUCCEEDED
    assert (
        failed.message == "Le service de paiement ne répond pas. Réessayez dans quelques instants."
    )
    assert retried.status == Payment.Status.REFUNDED
    assert len(stripe.refunds) == 1


def test_money_of_another_amount_whose_refund_times_out_stays_flagged_until_refunded(
    stripe, post_webhook, settings, db, django_capture_on_commit_callbacks
):
    # Given a session paid with 1 € instead of the 1 200 € due, and Stripe turning slow
    payment = start()
    settings.PAYMENT_TIMEOUT_SECONDS = 0.2
    stripe.delay_seconds = 0.6
    body, signature = stripe.event(
        payment.provider_id,
        "checkout.session.completed",
        status="complete",
        payment_status="paid",
        amount_total=100,
    )

    # When the webhook arrives (its refund then times out), and head office retries later
    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook("stripe", body, {"Stripe-Signature": signature})
    payment.refresh_from_db()
    last_event = payment.events.last().kind
    stripe.delay_seconds = 0
    stripe.wait_idle()
    retried = payment_refund(payment_id=payment.pk)

    # Then the webhook was acknowledged, the payment stayed on the list with its failed
    # refund, and the retry gave back exactly what arrived
    assert response.status_code == 200
    assert payment.status == Payment.Status.FAILED
    assert (payment.received_cents, payment.review_reason) == (100, "amount_mismatch")
    assert last_event == "refund_failed"
    assert retried.status == Payment.Status.REFUNDED
    assert [refund["amount"] for refund in stripe.refunds.values()] == [100]


SIGNATURE_HEADERS = {
    "missing timestamp": "v1=abc",
    "missing signature": "t=1700000000",
    "non-ASCII digits": "t=١٧٠٠٠٠٠٠٠٠,v1=abc",
    "not a number": "t=soon,v1=abc",
    "no equals sign": "garbage",
    "empty parts": ",,,",
    "NUL byte": "t=1700000000\x00,v1=abc",
    "non-ASCII text": "t=1700000000,v1=é",
}


@pytest.mark.parametrize("header", SIGNATURE_HEADERS.values(), ids=SIGNATURE_HEADERS.keys())
def test_a_malformed_signature_header_is_a_400(stripe, post_webhook, header, db):
    # Given
    payment = start()
    body, _ = stripe.pay(payment.provider_id)

    # When
    response = post_webhook("stripe", body, {"Stripe-Signature": header})

    # Then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_signature"


SIGNED_BODIES = {
    "over-long event id": {"id": "evt_" + "x" * 500},
    "event id not a string": {"id": {"nested": 1}},
    "absurd amount": {"amount_total": 10**30},
    "negative amount": {"amount_total": -5},
    "amount as text": {"amount_total": "120000"},
    "no data": {"data": None},
}


@pytest.mark.parametrize("changes", SIGNED_BODIES.values(), ids=SIGNED_BODIES.keys())
def test_a_signed_webhook_no_provider_would_send_is_a_400(stripe, post_webhook, changes, db):
    # Given a body signed with the right secret, but holding nonsense
    payment = start()
    session = {**stripe.sessions[payment.provider_id], "payment_status": "paid"}
    event = {"id": "evt_1", "object": "event", "type": "checkout.session.completed"}
    event["data"] = {"object": session}
    for key, value in changes.items():
        (session if key == "amount_total" else event)[key] = value
    body = json.dumps(event).encode()
    header = stripe_library.WebhookSignature.generate_signature_header(
        body.decode(), STRIPE_WEBHOOK_SECRET
    )

    # When
    response = post_webhook("stripe", body, {"Stripe-Signature": header})

    # Then
    payment.refresh_from_db()
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_webhook"
    assert payment.status == Payment.Status.PENDING


def test_a_nul_escaped_in_a_webhook_body_is_refused_before_the_provider_reads_it(
    stripe, post_webhook, db
):
    # Given a signed body whose event id holds an escaped NUL
    payment = start()
    body, header = stripe.event(payment.provider_id, "checkout.session.completed")
    body = body.replace(b'"id": "evt_', b'"id": "evt_\\u0000', 1)
    header = stripe_library.WebhookSignature.generate_signature_header(
        body.decode(), STRIPE_WEBHOOK_SECRET
    )

    # When
    response = post_webhook("stripe", body, {"Stripe-Signature": header})

    # Then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_characters"


def test_a_signed_stripe_body_nested_past_the_parsers_depth_is_a_400(stripe, post_webhook, db):
    """Issue 10: JSON depth on every body the platform parses; a provider retries 5xx forever."""
    body = b"[" * 100_000 + b"]" * 100_000
    header = stripe_library.WebhookSignature.generate_signature_header(
        body.decode(), STRIPE_WEBHOOK_SECRET
    )

    response = post_webhook("stripe", body, {"Stripe-Signature": header})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_webhook"

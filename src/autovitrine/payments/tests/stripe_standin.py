"""A local stand-in for Stripe's HTTP API: Checkout Sessions, Refunds, signed webhook events.

It speaks Stripe's shapes (form-encoded requests, bearer key, ``Idempotency-Key``, JSON answers,
``Stripe-Signature`` on events) on a loopback port, in a thread, for the adapter's tests.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import stripe


@dataclass
class StripeState:
    api_key: str
    webhook_secret: str
    base_url: str = ""
    delay_seconds: float = 0.0
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    idempotent_answers: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    in_flight: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.done = threading.Condition(self.lock)

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until no request is still being processed (one the client gave up on, say)."""
        with self.done:
            self.done.wait_for(lambda: not self.in_flight, timeout=timeout)

    def event(self, session_id: str, event_type: str, **changes: Any) -> tuple[bytes, str]:
        """A signed webhook about a session (body, ``Stripe-Signature`` value)."""
        session = self.sessions[session_id]
        session.update(changes)
        body = json.dumps(
            {
                "id": "evt_" + secrets.token_hex(8),
                "object": "event",
                "type": event_type,
                "data": {"object": session},
            }
        ).encode()
        return body, stripe.WebhookSignature.generate_signature_header(
            body.decode(), self.webhook_secret
        )

    def pay(self, session_id: str) -> tuple[bytes, str]:
        return self.event(
            session_id, "checkout.session.completed", status="complete", payment_status="paid"
        )


def _handler(state: StripeState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _authorized(self) -> bool:
            if self.headers.get("Authorization") == f"Bearer {state.api_key}":
                return True
            self._answer(
                401,
                {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}},
            )
            return False

        def do_GET(self) -> None:  # noqa: N802 — http.server's naming
            time.sleep(state.delay_seconds)
            state.requests.append(("GET", self.path, {}))
            if not self._authorized():
                return
            prefix = "/v1/checkout/sessions/"
            session = state.sessions.get(self.path.removeprefix(prefix))
            if not self.path.startswith(prefix) or session is None:
                self._answer(
                    404, {"error": {"type": "invalid_request_error", "code": "resource_missing"}}
                )
                return
            self._answer(200, session)

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(parse_qsl(self.rfile.read(length).decode()))
            state.requests.append(("POST", self.path, form))
            if not self._authorized():
                return
            key = self.headers.get("Idempotency-Key") or ""
            with state.lock:
                known = state.idempotent_answers.get(key)
                # Like Stripe: the same key while the first request still runs gets a 409.
                busy = key in state.in_flight
                if key and known is None and not busy:
                    state.in_flight.add(key)
            if known is not None:
                self._answer(*known)
                return
            if busy:
                self._answer(409, {"error": {"type": "idempotency_error"}})
                return
            time.sleep(state.delay_seconds)
            if self.path == "/v1/checkout/sessions":
                answer = self._create_session(form)
            elif self.path == "/v1/refunds":
                answer = self._create_refund(form)
            else:
                answer = (404, {"error": {"type": "invalid_request_error"}})
            with state.lock:
                if key:
                    state.idempotent_answers[key] = answer
                    state.in_flight.discard(key)
                state.done.notify_all()
            self._answer(*answer)

        def _create_session(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
            amount = form.get("line_items[0][price_data][unit_amount]", "")
            if form.get("mode") != "payment" or not amount.isdigit() or not form.get("success_url"):
                return 400, {"error": {"type": "invalid_request_error", "message": "bad params"}}
            session_id = "cs_test_" + secrets.token_hex(12)
            session = {
                "id": session_id,
                "object": "checkout.session",
                "amount_total": int(amount),
                "currency": form.get("line_items[0][price_data][currency]"),
                "client_reference_id": form.get("client_reference_id"),
                "metadata": {"reference": form.get("metadata[reference]")},
                "mode": "payment",
                "payment_intent": "pi_" + secrets.token_hex(12),
                "payment_status": "unpaid",
                "status": "open",
                "success_url": form["success_url"],
                "url": f"{state.base_url}/c/pay/{session_id}",
            }
            state.sessions[session_id] = session
            return 200, session

        def _create_refund(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
            intent = form.get("payment_intent")
            paid = [
                s
                for s in state.sessions.values()
                if s["payment_intent"] == intent and s["payment_status"] == "paid"
            ]
            if not paid:
                return 400, {"error": {"type": "invalid_request_error", "code": "charge_not_paid"}}
            refund: dict[str, Any] = {
                "id": "re_" + secrets.token_hex(12),
                "object": "refund",
                "amount": int(form.get("amount") or paid[0]["amount_total"]),
                "payment_intent": intent,
                "status": "succeeded",
            }
            state.refunds[refund["id"]] = refund
            return 200, refund

    return Handler


@contextmanager
def stripe_standin(*, api_key: str, webhook_secret: str) -> Iterator[StripeState]:
    state = StripeState(api_key=api_key, webhook_secret=webhook_secret)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    # shutdown() waits for the loop's next look at its flag: every 0.5 s by default, after each test.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

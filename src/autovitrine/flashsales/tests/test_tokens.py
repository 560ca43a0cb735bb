"""The signed values checked on every join: the queue pass and the proof-of-work challenge."""

from __future__ import annotations

import time

from autovitrine.flashsales.tokens import (
    CHALLENGE_MAX_AGE_SECONDS,
    PASS_MAX_AGE_SECONDS,
    challenge_issue,
    proof_of_work_solve,
    proof_of_work_valid,
    queue_pass_issue,
    queue_pass_read,
)

SESSION = "s" * 32


def _later(monkeypatch, seconds: float) -> None:
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + seconds)


def _valid(challenge: str, *, sale_id: int = 1, customer_id: int = 7) -> bool:
    nonce = proof_of_work_solve(challenge, 4)
    return proof_of_work_valid(
        challenge=challenge,
        nonce=nonce,
        sale_id=sale_id,
        customer_id=customer_id,
        difficulty_bits=4,
    )


def test_a_pass_names_its_customer_for_its_session_only():
    value = queue_pass_issue(customer_id=7, session_key=SESSION, account_created_s=1)
    assert queue_pass_read(value, session_key=SESSION).customer_id == 7
    assert queue_pass_read(value, session_key="t" * 32) is None
    assert queue_pass_read(value, session_key="") is None


def test_a_pass_cannot_be_altered_to_name_someone_else():
    value = queue_pass_issue(customer_id=7, session_key=SESSION, account_created_s=1)
    assert queue_pass_read("8" + value[1:], session_key=SESSION) is None
    assert queue_pass_read(value[:-2], session_key=SESSION) is None
    assert queue_pass_read("7.1.é", session_key=SESSION) is None  # not ASCII: refused, no error


def test_a_pass_expires(monkeypatch):
    value = queue_pass_issue(customer_id=7, session_key=SESSION, account_created_s=1)
    _later(monkeypatch, PASS_MAX_AGE_SECONDS + 1)
    assert queue_pass_read(value, session_key=SESSION) is None


def test_values_signed_before_a_key_rotation_stay_valid_and_others_do_not(settings):
    value = queue_pass_issue(customer_id=7, session_key=SESSION, account_created_s=1)
    challenge = challenge_issue(sale_id=1, customer_id=7, difficulty_bits=4)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-key-" + "x" * 40, [old_key]
    assert queue_pass_read(value, session_key=SESSION).customer_id == 7
    assert _valid(challenge)
    settings.SECRET_KEY_FALLBACKS = []
    assert queue_pass_read(value, session_key=SESSION) is None
    assert not _valid(challenge)


def test_a_challenge_holds_for_its_customer_and_sale_only():
    challenge = challenge_issue(sale_id=1, customer_id=7, difficulty_bits=4)
    assert _valid(challenge)
    assert not _valid(challenge, customer_id=8)
    assert not _valid(challenge, sale_id=2)
    assert not _valid(challenge.replace("1.7.", "1.8.", 1), customer_id=8)


def test_a_challenge_expires(monkeypatch):
    challenge = challenge_issue(sale_id=1, customer_id=7, difficulty_bits=4)
    _later(monkeypatch, CHALLENGE_MAX_AGE_SECONDS + 1)
    assert not _valid(challenge)

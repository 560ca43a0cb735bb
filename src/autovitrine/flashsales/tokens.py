"""Signed, short-lived values of the waiting room: admission tokens and proof-of-work challenges.

Both are bound to one customer and one sale. An admission token is single-use because a claim
moves the buyer's ``QueueEntry`` past the token's admission time in the same transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.core import signing

from .errors import FlashSaleRefusal

ADMISSION_SALT = "autovitrine.flashsales.admission"
CHALLENGE_SALT = "autovitrine.flashsales.challenge"
CHALLENGE_MAX_AGE_SECONDS = 15 * 60


@dataclass(frozen=True, slots=True)
class Admission:
    sale_id: int
    customer_id: int
    admitted_at_ms: int
    until_ms: int


def admission_token_issue(
    *, sale_id: int, customer_id: int, admitted_at_ms: int, until_ms: int
) -> str:
    payload = {"s": sale_id, "c": customer_id, "t": admitted_at_ms, "u": until_ms}
    return signing.dumps(payload, salt=ADMISSION_SALT)


def admission_token_read(
    token: str, *, sale_id: int, customer_id: int, now_ms: int, max_age_seconds: int
) -> Admission:
    """The admission a token carries, or a refusal if it is forged, someone else's or expired."""
    try:
        payload = signing.loads(token, salt=ADMISSION_SALT, max_age=max_age_seconds)
    except signing.SignatureExpired as exc:
        raise FlashSaleRefusal("token_expired") from exc
    except signing.BadSignature as exc:
        raise FlashSaleRefusal("token_invalid") from exc
    if not isinstance(payload, dict) or payload.get("s") != sale_id:
        raise FlashSaleRefusal("token_invalid")
    if payload.get("c") != customer_id:
        raise FlashSaleRefusal("token_invalid")
    if int(payload.get("u", 0)) < now_ms:
        raise FlashSaleRefusal("token_expired")
    return Admission(sale_id, customer_id, int(payload["t"]), int(payload["u"]))


def challenge_issue(*, sale_id: int, customer_id: int) -> str:
    """A fresh random challenge for the join proof of work, signed so the server keeps no state."""
    return signing.dumps(
        {"s": sale_id, "c": customer_id, "r": secrets.token_hex(8)}, salt=CHALLENGE_SALT
    )


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def proof_of_work_valid(
    *, challenge: str, nonce: str, sale_id: int, customer_id: int, difficulty_bits: int
) -> bool:
    """True if the challenge is ours, this customer's, recent, and sha256(challenge + nonce)
    starts with ``difficulty_bits`` zero bits."""
    if not nonce or len(nonce) > 32 or not nonce.isdigit():
        return False
    try:
        payload = signing.loads(challenge, salt=CHALLENGE_SALT, max_age=CHALLENGE_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return False
    if payload.get("s") != sale_id or payload.get("c") != customer_id:
        return False
    digest = hashlib.sha256((challenge + nonce).encode()).digest()
    return leading_zero_bits(digest) >= difficulty_bits


def proof_of_work_solve(challenge: str, difficulty_bits: int) -> str:
    """What the page's script does, in Python (used by the load benchmark and the tests)."""
    nonce = 0
    while True:
        digest = hashlib.sha256(f"{challenge}{nonce}".encode()).digest()
        if leading_zero_bits(digest) >= difficulty_bits:
            return str(nonce)
        nonce += 1


# The "queue pass": which customer a waiting page belongs to, readable without loading the session,
# so that the waiting room's hot requests can be answered before Django's middleware (``asgi.py``).
# It is bound to the session cookie it was issued with, so signing out (a new session key) voids it.
PASS_SALT = "autovitrine.flashsales.pass"
PASS_COOKIE = "flashsale_pass"
PASS_MAX_AGE_SECONDS = 12 * 3600


def _session_digest(session_key: str) -> str:
    return hashlib.sha256(f"{PASS_SALT}:{session_key}".encode()).hexdigest()[:16]


def queue_pass_issue(*, customer_id: int, session_key: str) -> str:
    return signing.dumps({"c": customer_id, "s": _session_digest(session_key)}, salt=PASS_SALT)


def queue_pass_read(value: str, *, session_key: str) -> int | None:
    """The customer a pass names, if it is genuine, recent and issued with this session."""
    if not session_key:
        return None
    try:
        payload = signing.loads(value, salt=PASS_SALT, max_age=PASS_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("s") != _session_digest(session_key):
        return None
    customer_id = payload.get("c")
    return customer_id if isinstance(customer_id, int) else None

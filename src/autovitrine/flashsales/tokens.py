"""Signed, short-lived values of the waiting room: admission tokens, proof-of-work challenges and
the queue pass.

All are bound to one customer (and the first two to one sale). An admission token is single-use
because a claim moves the buyer's ``QueueEntry`` past the token's admission time in the same
transaction.

The challenge and the pass are checked on every join, before Django (``asgi.py``): they are plain
``fields.signature`` strings with one HMAC-SHA256 each, under a key derived once per purpose from
``SECRET_KEY`` (and ``SECRET_KEY_FALLBACKS``, so a key rotation keeps them valid), instead of
``django.core.signing``'s JSON, base64 and per-call key derivation (~50 µs per value here).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from functools import cache

from django.conf import settings
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


@cache
def _keys(salt: str, secrets_used: tuple[str, ...]) -> tuple[bytes, ...]:
    """One HMAC key per purpose and secret: the current secret's first, then the fallbacks'."""
    return tuple(
        hmac.new(secret.encode(), salt.encode(), hashlib.sha256).digest() for secret in secrets_used
    )


def _mac(key: bytes, message: str) -> bytes:
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=")


def _sign(salt: str, fields: str, bound_to: str = "") -> str:
    """``fields`` with its signature; ``bound_to`` is signed too but not carried in the value."""
    key = _keys(salt, (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS))[0]
    return f"{fields}.{_mac(key, f'{fields}.{bound_to}').decode()}"


def _signed_fields(salt: str, value: str, bound_to: str = "") -> tuple[list[str], int] | None:
    """The dot-separated fields of a value we signed and when it was signed (its last field,
    Unix seconds), whatever its age; ``None`` for anything we did not sign."""
    fields, _, signature = value.rpartition(".")
    keys = _keys(salt, (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS))
    message, given = f"{fields}.{bound_to}", signature.encode()
    if not any(hmac.compare_digest(given, _mac(key, message)) for key in keys):
        return None
    parts = fields.split(".")
    if not parts[-1].isdigit():
        return None
    return parts[:-1], int(parts[-1])


def _unsign(salt: str, value: str, *, max_age_seconds: int, bound_to: str = "") -> list[str] | None:
    """The fields of a value we signed less than ``max_age_seconds`` ago; ``None`` otherwise."""
    signed = _signed_fields(salt, value, bound_to)
    if signed is None or time.time() - signed[1] > max_age_seconds:
        return None
    return signed[0]


def challenge_issue(*, sale_id: int, customer_id: int, difficulty_bits: int) -> str:
    """A fresh random challenge for the join proof of work, signed so the server keeps no state.

    It states its difficulty (the sale's, raised for a new account or a busy network): the page
    solves at that difficulty, and a join checks that it is still enough."""
    fields = f"{sale_id}.{customer_id}.{difficulty_bits}.{secrets.token_hex(8)}.{int(time.time())}"
    return _sign(CHALLENGE_SALT, fields)


def _challenge_fields(challenge: str, sale_id: int, customer_id: int) -> tuple[list[str], int]:
    """The fields of a challenge we issued to this customer for this sale, and when, whatever its
    age; ``([], 0)`` for anything else."""
    signed = _signed_fields(CHALLENGE_SALT, challenge)
    if signed is None or len(signed[0]) != 4 or signed[0][:2] != [str(sale_id), str(customer_id)]:
        return [], 0
    return signed


def challenge_difficulty(*, challenge: str, sale_id: int, customer_id: int) -> int | None:
    """The difficulty a challenge we issued to this customer for this sale states, if recent."""
    fields, issued = _challenge_fields(challenge, sale_id, customer_id)
    if not fields or time.time() - issued > CHALLENGE_MAX_AGE_SECONDS:
        return None
    return int(fields[2]) if fields[2].isdigit() else None


def challenge_expired(*, challenge: str, sale_id: int, customer_id: int) -> bool:
    """True for a challenge we issued to this customer for this sale that has outlived its
    15 minutes (a page left open long before its visitor clicked): worth a fresh one."""
    fields, issued = _challenge_fields(challenge, sale_id, customer_id)
    return bool(fields) and time.time() - issued > CHALLENGE_MAX_AGE_SECONDS


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
    """True if the challenge is ours, this customer's, recent, states at least ``difficulty_bits``
    and sha256(challenge + nonce) starts with the zero bits it states."""
    if not nonce or len(nonce) > 32 or not nonce.isdigit():
        return False
    stated = challenge_difficulty(challenge=challenge, sale_id=sale_id, customer_id=customer_id)
    if stated is None or stated < difficulty_bits:
        return False
    digest = hashlib.sha256((challenge + nonce).encode()).digest()
    return leading_zero_bits(digest) >= stated


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
# It also carries when the account was created: the join limits of new accounts (issue #11,
# defect 8) are applied before Django without reading the account.
PASS_SALT = "autovitrine.flashsales.pass"
PASS_COOKIE = "flashsale_pass"
PASS_MAX_AGE_SECONDS = 12 * 3600


@dataclass(frozen=True, slots=True)
class QueuePass:
    customer_id: int
    account_created_s: int  # Unix time the account was created


def queue_pass_issue(*, customer_id: int, session_key: str, account_created_s: int) -> str:
    fields = f"{customer_id}.{account_created_s}.{int(time.time())}"
    return _sign(PASS_SALT, fields, bound_to=session_key)


def queue_pass_read(value: str, *, session_key: str) -> QueuePass | None:
    """The customer a pass names, if it is genuine, recent and issued with this session."""
    if not session_key:
        return None
    fields = _unsign(PASS_SALT, value, max_age_seconds=PASS_MAX_AGE_SECONDS, bound_to=session_key)
    if fields is None or len(fields) != 2 or not all(f.isdigit() for f in fields):
        return None
    return QueuePass(int(fields[0]), int(fields[1]))

"""Request signatures of the ingestion API: HMAC-SHA256 over method, path, timestamp and body.

The key is the SHA-256 of the secret shown once at the key's creation (what the database keeps),
so a plant computes ``sha256(secret)`` once and signs with it. Headers::

    X-AV-Key: <key id>
    X-AV-Timestamp: <Unix seconds>
    X-AV-Signature: hex(HMAC-SHA256(sha256(secret), METHOD \\n PATH \\n TIMESTAMP \\n BODY))
"""

from __future__ import annotations

import hashlib
import hmac
import time

KEY_HEADER = "X-AV-Key"
TIMESTAMP_HEADER = "X-AV-Timestamp"
SIGNATURE_HEADER = "X-AV-Signature"
# A request signed more than this many seconds before or after our clock is refused.
MAX_SKEW_SECONDS = 300


def secret_hash(secret: str) -> str:
    """What the database keeps of a secret: its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def signature(*, key_hex: str, method: str, path: str, timestamp: str, body: bytes) -> str:
    message = b"\n".join((method.upper().encode(), path.encode(), timestamp.encode(), body))
    return hmac.new(bytes.fromhex(key_hex), message, hashlib.sha256).hexdigest()


def signed_headers(
    *, key_id: str, secret: str, method: str, path: str, body: bytes, now: float | None = None
) -> dict[str, str]:
    """The headers a client sends (used by ``simulate_factory``, the tests and the bench)."""
    timestamp = str(int(now if now is not None else time.time()))
    sig = signature(
        key_hex=secret_hash(secret), method=method, path=path, timestamp=timestamp, body=body
    )
    return {KEY_HEADER: key_id, TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sig}


def signature_matches(
    *, key_hex: str, method: str, path: str, timestamp: str, body: bytes, given: str
) -> bool:
    expected = signature(key_hex=key_hex, method=method, path=path, timestamp=timestamp, body=body)
    return hmac.compare_digest(expected, given.strip().lower())

"""Public codes a URL carries (share links, order numbers, references): 64 bits or more.

13 characters of a 32-letter alphabet are 65 bits: not enumerable, and their lookups are
rate-limited per client besides (``core.ratelimit.code_lookup_over_limit``). Codes issued before
(8 characters, 40 bits) stay valid: lookups match the stored code whatever its length.
"""

from __future__ import annotations

import math
import secrets

PUBLIC_CODE_BITS = 64


def public_code(alphabet: str, *, bits: int = PUBLIC_CODE_BITS) -> str:
    """A random code of at least ``bits`` bits drawn from ``alphabet``."""
    length = math.ceil(bits / math.log2(len(alphabet)))
    return "".join(secrets.choice(alphabet) for _ in range(length))

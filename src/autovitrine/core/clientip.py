"""The client's own address, read through the proxies the deployment trusts.

``X-Forwarded-For`` is believed only when the connection comes from a trusted proxy
(``settings.TRUSTED_PROXIES``, networks in CIDR form): the chain is then read from the right,
skipping trusted hops, and the first address that is not a trusted proxy is the client — as
nginx's ``real_ip_recursive`` does. A forged header sent straight to the server is ignored.
Every rate limit, the sign-in lockout and the flash-sale per-address limits use this, through
``rate_limit_address``: an IPv6 subscriber is handed a whole /64, so its 2^64 addresses count as
one (an IPv4 address stays itself: a /24 may be a whole office or a carrier's NAT).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return any(address in net for net in _networks(tuple(settings.TRUSTED_PROXIES)))


def _parse(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:51234"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_ip_from(remote_addr: str | None, forwarded_for: Iterable[str] = ()) -> str | None:
    """The client address from the socket peer and the ``X-Forwarded-For`` header values."""
    peer = _parse(remote_addr or "")
    if peer is None:
        return None
    if not _trusted(peer):
        return str(peer)
    hops = [hop for value in forwarded_for for hop in value.split(",")]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:  # a garbled chain: the last trusted hop is all we know
            return str(peer)
        if not _trusted(address):
            return str(address)
        peer = address
    return str(peer)


def client_ip(request: HttpRequest) -> str | None:
    """The client address of a Django request (also ``AXES_CLIENT_IP_CALLABLE``)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    return client_ip_from(request.META.get("REMOTE_ADDR"), [forwarded] if forwarded else [])


def limited_address(address: str | None) -> str | None:
    """What a per-address limit counts for ``address``: an IPv6 address is its /64 (written as
    the network's first address, still a valid address for the sign-in lockout's records)."""
    parsed = _parse(address or "")
    if parsed is None:
        return None
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)


def rate_limit_address(request: HttpRequest, *args: Any, **kwargs: Any) -> str | None:
    """The address every rate limit of a Django request counts (also ``AXES_CLIENT_IP_CALLABLE``,
    which axes calls with extra arguments)."""
    return limited_address(client_ip(request))


def scope_client_ip(scope: dict[str, Any]) -> str | None:
    """The client address of a raw ASGI scope (the flash-sale fast path runs before Django)."""
    client = scope.get("client")
    forwarded = [
        value.decode("latin-1")
        for name, value in scope.get("headers", ())
        if name == b"x-forwarded-for"
    ]
    return client_ip_from(client[0] if client else None, forwarded)

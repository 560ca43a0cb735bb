"""The network an address belongs to, for the join limits and costs shared by one network."""

from __future__ import annotations

import ipaddress


def client_network(client_ip: str | None) -> str | None:
    """The /24 (IPv4) or /64 (IPv6) network of an address, ``None`` if it is not one.

    A bot spreads over the addresses of one network (a /24, an IPv6 /64): the whole network shares
    a join budget, and the proof of work grows with the places it already holds."""
    if not client_ip:
        return None
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return None
    prefix = 24 if address.version == 4 else 64
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))

"""The client address behind a proxy: believed only from a trusted proxy."""

import pytest
from django.test import RequestFactory, override_settings

from autovitrine.core.clientip import (
    client_ip,
    client_ip_from,
    limited_address,
    rate_limit_address,
    scope_client_ip,
)

PROXIES = ["10.0.0.0/8", "2001:db8:ffff::/48"]


@override_settings(TRUSTED_PROXIES=[])
def test_without_trusted_proxies_the_header_is_ignored():
    assert client_ip_from("203.0.113.9", ["198.51.100.1"]) == "203.0.113.9"


@override_settings(TRUSTED_PROXIES=PROXIES)
@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        # Through the load balancer, each client is itself.
        ("10.0.0.2", ["198.51.100.1"], "198.51.100.1"),
        ("10.0.0.2", ["198.51.100.2"], "198.51.100.2"),
        # A client that forges the header is seen at its real address: the balancer appends.
        ("10.0.0.2", ["6.6.6.6, 198.51.100.3"], "198.51.100.3"),
        # Two trusted hops (CDN edge then balancer), headers split over two lines.
        ("10.0.0.2", ["198.51.100.4, 10.1.2.3", "10.9.9.9"], "198.51.100.4"),
        # A forged header sent straight to the server (untrusted peer) is ignored.
        ("203.0.113.50", ["198.51.100.5"], "203.0.113.50"),
        # Garbage in the chain: the last trusted hop is what we know.
        ("10.0.0.2", ["not-an-ip"], "10.0.0.2"),
        ("10.0.0.2", ["198.51.100.6:4711"], "198.51.100.6"),
        ("10.0.0.2", ["[2001:db8::7]:443"], "2001:db8::7"),
        ("::ffff:198.51.100.8", [], "198.51.100.8"),
        (None, ["198.51.100.9"], None),
    ],
)
def test_trusted_proxy_chain(peer, forwarded, expected):
    assert client_ip_from(peer, forwarded) == expected


@override_settings(TRUSTED_PROXIES=PROXIES)
def test_request_and_asgi_scope_agree():
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.3"
    )
    scope = {
        "client": ("10.0.0.2", 5555),
        "headers": [(b"x-forwarded-for", b"6.6.6.6, 198.51.100.3")],
    }
    assert client_ip(request) == scope_client_ip(scope) == "198.51.100.3"


@pytest.mark.parametrize(
    ("address", "counted"),
    [
        # An IPv6 subscriber holds a whole /64: every address in it is one client for a limit.
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::"),
        ("2001:db8:1:2::1", "2001:db8:1:2::"),
        ("2001:db8:1:3::1", "2001:db8:1:3::"),
        # An IPv4 address is itself (a /24 may be a whole office or a carrier's NAT).
        ("198.51.100.7", "198.51.100.7"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
        (None, None),
        ("not-an-ip", None),
    ],
)
def test_a_limit_counts_an_ipv6_client_by_its_64(address, counted):
    assert limited_address(address) == counted


@override_settings(TRUSTED_PROXIES=PROXIES)
def test_the_address_a_limit_counts_is_read_through_the_trusted_proxy():
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="2001:db8:5:6:7:8:9:a"
    )

    assert rate_limit_address(request) == "2001:db8:5:6::"

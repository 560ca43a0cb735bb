"""The Content-Security-Policy in Chromium: the pages run with it, and a violation is caught.

Every browser test's ``new_phone`` fails on a CSP violation reported by Chromium, so the main
journeys (storefront, configurator, purchase, flash sale) are all CSP tests; this file checks
the detector itself and the pages no journey test opens.
"""

from __future__ import annotations

import pytest

from autovitrine.testing import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_inline_script_is_blocked_and_reported(new_phone):
    # Given
    page = new_phone()
    page.goto("/concessions/")

    # When a page tries to run an injected inline script
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.injected = true'; document.body.append(s); }"
    )
    page.wait_for_timeout(200)

    # Then
    assert page.evaluate("() => window.injected === true") is False
    assert len(new_phone.csp_violations) == 1
    assert "script-src 'self'" in new_phone.csp_violations[0]
    new_phone.csp_violations.clear()  # this test wanted one


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/catalogue/",
        "/catalogue/terra/",
        "/concessions/",
        "/concessions/?place=Lyon",
        "/stock/?place=Lyon",
        "/configurer/",
        "/compte/connexion/",
    ],
)
def test_public_pages_raise_no_csp_violation_and_send_the_headers(new_phone, path):
    # Given
    f.VersionFactory(car_model__code="terra", car_model__name="Terra")
    f.DealerFactory()
    page = new_phone()

    # When
    response = page.goto(path)
    page.wait_for_load_state("networkidle")

    # Then (the fixture fails the test on any violation)
    headers = response.headers
    assert response.status == 200
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in headers["content-security-policy"].split(";")
    )
    assert policy == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "style-src-attr": "'unsafe-inline'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "frame-ancestors": "'none'",
        "form-action": "'self' https://checkout.stripe.com",
    }
    assert headers["permissions-policy"].startswith("geolocation=(self), camera=()")
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"

"""Production settings: Django's deployment checklist, and no start without real payments."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

# Settings and subprocesses, no test database: once is enough (make test's PostgreSQL pass).
pytestmark = pytest.mark.database_free

PRODUCTION_ENV = {
    "AUTOVITRINE_ENV": "production",
    "ALLOWED_HOSTS": "www.autovitrine.example",
    "PAYMENT_PROVIDER": "stripe",
    "STRIPE_SECRET_KEY": "sk_live_example",
    "STRIPE_WEBHOOK_SECRET": "whsec_example",
}


def run_in_production(args: list[str], **changes: str | None) -> subprocess.CompletedProcess:
    # The browser tests' fixture relaxes async safety in this process; a deployment never does.
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "DJANGO_ALLOW_ASYNC_UNSAFE" and not k.startswith(("PAYMENT_", "STRIPE_"))
    }
    env |= PRODUCTION_ENV | {"SECRET_KEY": secrets.token_urlsafe(50)}
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=120
    )


def check_deploy(**changes: str | None) -> subprocess.CompletedProcess:
    manage = str(settings.PROJECT_DIR / "manage.py")
    return run_in_production([manage, "check", "--deploy", "--fail-level", "WARNING"], **changes)


def test_check_deploy_is_clean_for_production_settings():
    result = check_deploy()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = check_deploy(SECRET_KEY=None)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_check_deploy_reports_a_production_site_without_a_payment_provider():
    result = check_deploy(PAYMENT_PROVIDER=None, STRIPE_SECRET_KEY=None)

    assert result.returncode == 1
    assert "payments.E001" in result.stderr
    assert "PAYMENT_PROVIDER must be one of stripe in production." in result.stderr


def test_check_deploy_reports_the_simulator_in_production():
    result = check_deploy(PAYMENT_PROVIDER="simulated")

    assert result.returncode == 1
    assert "(payments.E001) PAYMENT_PROVIDER=simulated in production needs " in result.stderr


def test_check_deploy_reports_stripe_without_its_webhook_secret():
    result = check_deploy(STRIPE_WEBHOOK_SECRET=None)

    assert result.returncode == 1
    assert "PAYMENT_PROVIDER=stripe needs STRIPE_WEBHOOK_SECRET." in result.stderr


def test_a_staging_site_may_run_the_simulator_when_it_says_so_twice():
    result = check_deploy(PAYMENT_PROVIDER="simulated", ALLOW_SIMULATED_PAYMENTS="true")

    assert result.returncode == 0, result.stdout + result.stderr


SERVER_IMPORT = (
    "import autovitrine.config.asgi as a, django.urls as u; "
    "print('paiement/' in [str(p.pattern) for p in u.get_resolver().url_patterns])"
)


def test_the_server_refuses_to_start_in_production_with_the_simulator():
    # The server's entry point, as granian imports it.
    result = run_in_production(["-c", SERVER_IMPORT], PAYMENT_PROVIDER="simulated")

    assert result.returncode == 1
    assert "django.core.exceptions.ImproperlyConfigured: PAYMENT_PROVIDER=simulated" in (
        result.stderr
    )


def test_the_simulator_urls_are_mounted_only_where_the_simulator_may_run():
    real = run_in_production(["-c", SERVER_IMPORT])
    staging = run_in_production(
        ["-c", SERVER_IMPORT], PAYMENT_PROVIDER="simulated", ALLOW_SIMULATED_PAYMENTS="true"
    )

    assert (real.returncode, real.stdout) == (0, "False\n"), real.stderr
    assert (staging.returncode, staging.stdout) == (0, "True\n"), staging.stderr

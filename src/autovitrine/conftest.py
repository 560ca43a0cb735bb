"""Fixtures shared by every app: real database, immediate tasks, in-memory e-mail, a temp media dir.

Roles used by permission tests: anonymous, customer, staff of another dealer, staff of the dealer,
head office.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from autovitrine.accounts.models import User
from autovitrine.testing import factories as f
from autovitrine.testing.isolation import redis_key_prefix, reset_process_state, run_tag

IN_CI = os.environ.get("CI") == "true"
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
ON_REDIS = bool(os.environ.get("REDIS_URL"))
DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


def pytest_configure(config):
    """This worker's Redis keys carry its own prefix, set before the first cache is opened."""
    from django.conf import settings

    settings.REDIS_KEY_PREFIX = redis_key_prefix()
    if "KEY_PREFIX" in settings.CACHES["default"]:
        settings.CACHES["default"]["KEY_PREFIX"] = settings.REDIS_KEY_PREFIX


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """One test database per run and worker. On SQLite a file, not memory, so that the granian
    server the browser tests start opens the same database."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    test = database.setdefault("TEST", {})
    if database["ENGINE"] == "django.db.backends.sqlite3":
        test["NAME"] = str(tmp_path_factory.getbasetemp() / "test.sqlite3")
    else:
        test["NAME"] = f"test_{database['NAME']}_{run_tag()}"


@pytest.fixture(scope="session", autouse=True)
def _test_database_dropped_at_the_end(django_db_setup, django_db_blocker):
    """A connection a finished thread or server left open would keep PostgreSQL from dropping
    the test database (left behind, after 5 s of retries): they are closed first."""
    yield
    from django.db import connection

    # Only if the run set a test database up (one whose tests never asked for it did not).
    if ON_POSTGRES and connection.settings_dict["NAME"] == connection.settings_dict["TEST"]["NAME"]:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture(scope="session", autouse=True)
def _tables_emptied_by_delete():
    """After each transactional test Django empties every table with one ``TRUNCATE`` of all of
    them, which costs PostgreSQL about 0.7 s (each of ~110 tables gets new files on disk); a
    ``DELETE`` of the few rows a test wrote costs 0.03 s, and ~280 tests a run do it. In the flush's
    one transaction, with the foreign keys checked at its end, the tables' order does not matter."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def delete_rows(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences:  # a test that asks for ids from 1 again: TRUNCATE … RESTART IDENTITY
            return truncate(self, style, tables, reset_sequences=True, allow_cascade=allow_cascade)
        deletes = [f"DELETE FROM {style.SQL_FIELD(self.quote_name(table))};" for table in tables]
        return ["SET CONSTRAINTS ALL DEFERRED;", *deletes] if deletes else []

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", delete_rows)
        yield


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres``/``redis`` run in the pass that has that service (``make test``
    runs a SQLite pass and a PostgreSQL + Redis pass); elsewhere they are deselected, not skipped."""
    absent = {"postgres": not ON_POSTGRES, "redis": not ON_REDIS}
    kept, dropped = [], []
    for item in items:
        if item.get_closest_marker("database_free") and (
            item.get_closest_marker("django_db") or DATABASE_FIXTURES & set(item.fixturenames)
        ):
            raise pytest.UsageError(f"{item.nodeid} : marqué database_free mais utilise la base")
        needs_absent = any(item.get_closest_marker(m) and missing for m, missing in absent.items())
        (dropped if needs_absent else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI nothing may be skipped: a skip there means a missing service, which is an error."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"Ignoré en CI (interdit) : {report.longrepr}"


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Static files looked up when asked for: WhiteNoise otherwise reads every one of them (~55 ms)
    # each time a test client builds the middleware chain, which cost more than the tests.
    settings.WHITENOISE_AUTOREFRESH = True
    # Private files keep the run's folder (``testing.private_files``): the file fields took that
    # storage at import, and a storage of the test's own would not see what they wrote.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _reset_process_state():
    """The one place that forgets process-wide state between tests (cache, waiting rooms...)."""
    reset_process_state()
    yield


@pytest.fixture
def smtp_down(settings):
    """Django's real SMTP backend pointed at a local port where nothing listens: every e-mail
    is refused at connection, as when the mail relay is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False


@pytest.fixture
def dealer(db):
    return f.DealerFactory()


@pytest.fixture
def other_dealer(db):
    return f.DealerFactory(
        name="Aurore Marseille",
        city="Marseille",
        postcode="13008",
        latitude=43.2599,
        longitude=5.3803,
    )


@pytest.fixture
def customer(db):
    return f.UserFactory(email="client@example.fr")


@pytest.fixture
def dealer_staff(dealer):
    return f.DealerStaffFactory(dealer=dealer, user__email="vendeur@example.fr").user


@pytest.fixture
def other_dealer_staff(other_dealer):
    return f.DealerStaffFactory(dealer=other_dealer, user__email="autre@example.fr").user


@pytest.fixture
def head_office(db):
    return f.UserFactory(email="siege@example.fr", kind=User.Kind.HEAD_OFFICE, is_staff=True)


ROLES = ["anonymous", "customer", "other_dealer_staff", "dealer_staff", "head_office"]


@pytest.fixture
def client_as(client, request):
    """``client_as("dealer_staff")`` → a test client signed in with that role (None for anonymous)."""

    def sign_in(role: str):
        if role == "anonymous":
            return client, None
        user = request.getfixturevalue(role)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client, user

    return sign_in


# --- Real Chromium, at a phone viewport ------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        message = f"Chromium absent ({CHROMIUM}) : apt-get install -y chromium"
        pytest.fail(message) if IN_CI else pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between browser steps are plain synchronous ones.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url(database: dict) -> str:
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{database['NAME']}"
    user = quote(database.get("USER") or "", safe="")
    password = f":{quote(database['PASSWORD'], safe='')}" if database.get("PASSWORD") else ""
    host = database.get("HOST") or "127.0.0.1"
    port = f":{database['PORT']}" if database.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{database['NAME']}"


@dataclass(frozen=True)
class GranianServer:
    url: str
    files: Path  # its media and e-mails (one file each), below
    log: Path
    process: subprocess.Popen
    environment: dict[str, str]

    @property
    def media(self) -> Path:
        return self.files / "media"

    @property
    def mail(self) -> Path:
        return self.files / "mail"

    def fail_if_stopped(self) -> None:
        if self.process.poll() is not None:
            pytest.fail(f"granian s'est arrêté :\n{self.log.read_text(errors='replace')}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class GranianServers:
    """This test worker's granian server: its start costs about 2.5 s of CPU, which every browser
    test paid when each started its own. It is started again only for a test that changes the
    environment it runs with (``monkeypatch.setenv``), and after it."""

    def __init__(self, root: Path, database_url: str) -> None:
        self.root, self.database_url = root, database_url
        self.current: GranianServer | None = None

    def serve(self) -> GranianServer:
        from django.conf import settings

        environment = {
            **{k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"},
            "DJANGO_SETTINGS_MODULE": "autovitrine.testing.granian_settings",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": settings.REDIS_URL,
            "REDIS_KEY_PREFIX": settings.REDIS_KEY_PREFIX,
            "MEDIA_ROOT": str(self.root / "media"),
            # The run's folder (``testing.private_files``), where this process's file fields
            # write: they took their storage when the models were imported.
            "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
            "EMAIL_FILE_PATH": str(self.root / "mail"),
            "DB_POOL_MAX_SIZE": "4",
        }
        if self.current is None or self.current.environment != environment:
            self.stop()
            self.current = self._start(environment)
        self.current.fail_if_stopped()
        return self.current

    def stop(self) -> None:
        if self.current is not None:
            self.current.stop()
            self.current = None

    def _start(self, environment: dict[str, str]) -> GranianServer:
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        log_path = self.root / f"granian-{port}.log"
        granian = Path(sys.executable).with_name("granian")
        command = [str(granian), "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port)]
        command += ["--workers", "1", "--log-level", "warning"]
        command.append("autovitrine.config.asgi:application")
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command,
                env={**environment, "PUBLIC_BASE_URL": url},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = GranianServer(url, self.root, log_path, process, environment)
        deadline = time.monotonic() + 60
        while True:
            server.fail_if_stopped()
            try:
                with urllib.request.urlopen(f"{url}/", timeout=5) as answer:
                    if answer.status == 200:
                        return server
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                server.stop()
                pytest.fail(f"granian ne répond pas :\n{log_path.read_text(errors='replace')}")
            time.sleep(0.1)


@pytest.fixture(scope="session")
def _granian_servers(django_db_setup, tmp_path_factory):
    from django.db import connection

    servers = GranianServers(
        tmp_path_factory.mktemp("granian"), _database_url(connection.settings_dict)
    )
    yield servers
    servers.stop()


@pytest.fixture
def granian_server(_granian_servers, transactional_db, settings):
    """The production ASGI application (``config.asgi``: the flash-sale fast path, then Django's
    middleware chain) served by granian in a process of its own, on this test's database and this
    worker's Redis keys. The test's rows are committed (transactional_db), so the server sees them.
    The server is this worker's, shared with its earlier tests, whose traces are gone: rows (the
    flush), Redis keys (``_reset_process_state``), media and e-mails (emptied here) and what the
    server keeps in memory (it is told to forget it, as this process forgets its own)."""
    server = _granian_servers.serve()
    for folder in (server.media, server.mail):
        shutil.rmtree(folder, ignore_errors=True)
    forget = urllib.request.Request(f"{server.url}/__tests__/forget/", method="POST")
    with urllib.request.urlopen(forget, timeout=30) as answer:
        assert answer.status == 204
    # Links printed by either process (QR codes, e-mails) agree; files written by either are
    # seen by the other.
    settings.PUBLIC_BASE_URL = server.url
    settings.MEDIA_ROOT = server.media
    yield server


@pytest.fixture
def new_phone(chromium, granian_server):
    """``new_phone()`` → a fresh page (its own cookies) in French at a phone viewport."""
    contexts = []
    csp_violations: list[str] = []

    def open_page():
        context = chromium.new_context(**PHONE, locale="fr-FR", base_url=granian_server.url)
        # Generous: in CI the other test worker drives a browser and a server on the same 2 cores.
        context.set_default_timeout(20_000)
        # Every browser journey doubles as a Content-Security-Policy test: Chromium reports each
        # blocked script, style or image on the console.
        context.on("console", lambda message: record_csp_violation(message, csp_violations))
        contexts.append(context)
        page = context.new_page()
        page.csp_violations = csp_violations  # an audit may set aside what it caused itself
        return page

    open_page.csp_violations = csp_violations  # type: ignore[attr-defined]
    yield open_page
    for context in contexts:
        context.close()
    assert csp_violations == [], "Content-Security-Policy violations"


def record_csp_violation(message, violations: list[str]) -> None:
    if "Content Security Policy" in message.text:
        violations.append(f"{message.location.get('url', '')}: {message.text}")

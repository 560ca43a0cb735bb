"""A private PostgreSQL cluster for outage tests: created in a temporary directory, started on a
free port, stopped and started again while a sale runs. The shared server is never touched
(other people's tests run on it); the cluster gets a copy of the test database's schema.

PostgreSQL refuses to run as root: under root (a container), the cluster belongs to the
``postgres`` system account and its commands run through ``runuser``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .redis_server import _free_port


def postgres_bin_dir() -> Path | None:
    """The directory of ``initdb``/``pg_ctl`` (Debian keeps them out of ``PATH``), or ``None``."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    found = candidates[0] if candidates else shutil.which("pg_ctl")
    return Path(found).parent if found else None


class PrivatePostgres:
    def __init__(self) -> None:
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
        self.bin_dir = bin_dir
        self.port = _free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="av-private-pg-"))
        self.data = self.directory / "data"
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, program: str, *args: str, **options) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self._as_user, str(self.bin_dir / program), *args],
            check=True,
            capture_output=True,
            timeout=60,
            **options,
        )

    def create(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")

    def start(self) -> None:
        # fsync off: nothing is lost unless the machine itself crashes. Commits stay synchronous:
        # an ``immediate`` stop would lose an asynchronous commit still in the WAL buffers.
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.directory / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        """Stop it the way a crash does (``immediate``): clients' connections die unannounced."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def psql(self, *args: str, stdin: bytes | None = None) -> bytes:
        return self._run(
            "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-X", "-q",
            "-v", "ON_ERROR_STOP=1", *args, input=stdin,
        ).stdout  # fmt: skip

    def copy_database(self, *, name: str, source: dict) -> None:
        """Create database ``name`` here as a copy of the database ``source`` (Django's settings
        dict) describes: its schema and its rows (migrations, content types, permissions)."""
        self.psql("-d", "postgres", "-c", f'CREATE DATABASE "{name}"')
        environment = {**os.environ, "PGPASSWORD": source.get("PASSWORD") or ""}
        dump = subprocess.run(
            [
                str(self.bin_dir / "pg_dump"),
                "--no-owner",
                "--no-privileges",
                "-h",
                source.get("HOST") or "127.0.0.1",
                "-p",
                str(source.get("PORT") or 5432),
                "-U",
                source.get("USER") or "postgres",
                source["NAME"],
            ],
            check=True,
            capture_output=True,
            timeout=120,
            env=environment,
        ).stdout
        self.psql("-d", name, stdin=dump)

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    server.create()
    server.start()
    try:
        yield server
    finally:
        server.remove()

"""Shared pieces of the benchmarks: a fresh PostgreSQL database, the production server as a
subprocess on a free loopback port, and latency percentiles."""

from __future__ import annotations

import contextlib
import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

PROJECT = Path(__file__).resolve().parent.parent


def recreate_database(url: str) -> None:
    """Drop and create the database named by ``url`` (connecting to ``postgres`` to do so)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def production_environment(*, database_url: str, redis_url: str, var_dir: Path) -> dict[str, str]:
    """What ``make serve`` runs with in production: secure settings, PostgreSQL, Redis, DEBUG off.
    HTTPS is left to the load balancer, whose ``X-Forwarded-Proto`` header the client sends."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get(
            "DJANGO_SETTINGS_MODULE", "autovitrine.config.settings"
        ),
        "AUTOVITRINE_ENV": "production",
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "AUTOVITRINE_VAR_DIR": str(var_dir),
        "LOG_LEVEL": "ERROR",
        # A staging site: deposits go through the simulated provider, which production refuses
        # unless both of these say so (docs/security.md).
        "PAYMENT_PROVIDER": "simulated",
        "ALLOW_SIMULATED_PAYMENTS": "true",
    }


# What the load balancer in front of production adds to every request.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def manage(env: dict[str, str], *args: str, quiet: bool = False) -> None:
    """Run a management command; ``quiet`` keeps only its last line (an import lists every
    warning of the base, hundreds of lines on a generated one)."""
    command = [sys.executable, str(PROJECT / "manage.py"), *args]
    if not quiet:
        subprocess.run(command, env=env, check=True)
        return
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise subprocess.CalledProcessError(done.returncode, command)
    print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def granian_server(env: dict[str, str], *, workers: int, log_file: Path) -> Iterator[str]:
    """The project's ASGI application served by granian, as ``make serve`` does; yields its URL.
    The server's own output goes to ``log_file``, out of the figures' way."""
    with granian_process(env, workers=workers, log_file=log_file) as server:
        yield server.url


@dataclass(frozen=True)
class Server:
    url: str
    group: int  # process group of granian and its workers (for ``server_cpu_seconds``)


def granian_command(
    app: str,
    *,
    port: int,
    workers: int,
    backpressure: int,
    log_level: str = "error",
    options: tuple[str, ...] = (),
) -> list[str]:
    """The production server's command line, as the benchmarks start it (``app`` module:name)."""
    return [
        str(Path(sys.executable).parent / "granian"),
        "--interface",
        "asgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--backpressure",  # every client's connection is served, none left waiting
        str(backpressure),
        "--log-level",
        log_level,
        *options,
        app,
    ]


@contextlib.contextmanager
def granian_process(env: dict[str, str], *, workers: int, log_file: Path) -> Iterator[Server]:
    """``granian_server``, yielding its process group too."""
    port = free_port()
    log = log_file.open("w")
    command = granian_command(
        "autovitrine.config.asgi:application",
        port=port,
        workers=workers,
        backpressure=256,
        log_level="warning",
        options=("--no-ws",),
    )
    process = subprocess.Popen(
        command,
        env=env,
        cwd=PROJECT,
        start_new_session=True,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, process)
        yield Server(base_url, process.pid)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def _wait_until_up(base_url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode} (see its log)")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/api/health", headers=PROXY_HEADERS).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within {timeout:.0f} s")


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_ticks_by_pid(keep: Callable[[list[str]], bool]) -> dict[int, int]:
    ticks = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if keep(fields):
            ticks[int(entry)] = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks


def server_cpu_seconds(group: int) -> float:
    """User + system CPU time of every process of the server's process group (granian's main
    process and its workers), from /proc: the server's own CPU, not the machine's."""
    return sum(_cpu_ticks_by_pid(lambda fields: int(fields[2]) == group).values()) / CLOCK_TICKS


def database_backend_pids(url: str) -> set[int]:
    """PostgreSQL's server processes connected to the database of ``url`` (local server)."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return {pid for (pid,) in rows}


def processes_cpu_ticks(pids: set[int]) -> dict[int, int]:
    """User + system CPU ticks (``CLOCK_TICKS`` a second) of each of ``pids`` still alive."""
    ticks = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks[pid] = int(fields[11]) + int(fields[12])
    return ticks


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]

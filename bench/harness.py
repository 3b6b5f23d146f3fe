"""What every benchmark script shares: servers, databases, the load generator.

The set-up is fixed so that runs compare: every server is gunicorn with ``WORKERS``
processes of class ``WORKER_CLASS`` (``THREADS`` threads each), the core's default set-up
(``bench/workers.py`` chose it), bound to 127.0.0.1; the load
generator is ``wrk`` (installed from Debian when missing) with one thread, in its own
process. Machines here are shared and noisy, so every figure is reported as a ratio to a
baseline measured in the same run (``bench/baseline_app.py``: a plain Flask JSON route).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import requests
import sqlalchemy

REPO = Path(__file__).resolve().parent.parent
LUA_SCRIPT = REPO / "bench" / "lua" / "post_json.lua"
RESULTS = REPO / "bench" / "results"
WORKERS = 2
WORKER_CLASS = "sync"
THREADS = 1
WARM_UP_S = 2
START_TIMEOUT_S = 30
POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ensure_wrk() -> str:
    """The wrk binary, installed from Debian's packages when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found: installing it with apt-get (Debian package 'wrk')", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or "wrk"


@dataclass
class Server:
    """A running gunicorn: its URL, its master process and how long it took to answer."""

    url: str
    process: subprocess.Popen
    cold_start_s: float

    def worker_pids(self) -> list[int]:
        """The master's worker processes."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]


def rss_mib(pid: int) -> float:
    """Resident memory of a process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def serve(
    app_spec: str,
    env: dict[str, str],
    workdir: Path,
    workers: int = WORKERS,
    threads: int = THREADS,
    worker_class: str = WORKER_CLASS,
) -> Iterator[Server]:
    """A gunicorn server, up once ``/hello`` answers; stopped afterwards."""
    port = free_port()
    # The core is served as production serves it: with its gunicorn config module (metrics
    # shared across workers, the access log on), where the checkout has one.
    production_config = (
        ["--config", "python:core_app.gunicorn_config"]
        if app_spec.startswith("core_app") and (REPO / "core_app" / "gunicorn_config.py").exists()
        else ["--log-level", "warning"]
    )
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        *production_config,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
        app_spec,
    ]
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=workdir,
        env={**os.environ, **env, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = started + START_TIMEOUT_S
        while True:
            try:
                requests.get(url + "/hello", timeout=2)
                break
            except requests.RequestException:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{app_spec} did not start") from None
                time.sleep(0.005)
        yield Server(url, process, time.monotonic() - started)
    finally:
        process.terminate()
        process.wait(timeout=15)


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str], workdir: Path) -> Iterator[str]:
    """A gunicorn server with the fixed set-up; yields its base URL."""
    with serve(app_spec, env, workdir) as server:
        yield server.url


def run_wrk(
    wrk: str,
    url: str,
    path: str,
    body: dict[str, Any] | None,
    seconds: float,
    connections: int,
    check_status: bool = True,
    lua_env: dict[str, str] | None = None,
    method: str = "POST",
) -> dict[str, Any]:
    """One wrk run against ``url + path``; returns its counts and percentiles.

    ``lua_env`` sets the script's other options (``bench/lua/post_json.lua``).
    """
    env = {
        **os.environ,
        "BENCH_PATH": path,
        "BENCH_METHOD": method,
        "BENCH_BODY": "" if method == "GET" else json.dumps(body or {}),
        "BENCH_CHECK_STATUS": "1" if check_status else "0",
        "BENCH_RUN_ID": uuid.uuid4().hex[:12],
        **(lua_env or {}),
    }
    output = subprocess.run(
        [
            wrk,
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--latency",
            "--timeout",
            "30s",
            "-s",
            str(LUA_SCRIPT),
            url,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH_RESULT "))
    result = json.loads(line[len("BENCH_RESULT ") :])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def measure(
    wrk: str, url: str, path: str, body: dict[str, Any], seconds: float, connections: int
) -> dict[str, Any]:
    """Warm up, then measure."""
    run_wrk(wrk, url, path, body, WARM_UP_S, connections)
    return run_wrk(wrk, url, path, body, seconds, connections)


@contextmanager
def database(kind: str) -> Iterator[str]:
    """A fresh database for the core, removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sqlalchemy.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield (
            sqlalchemy.engine.make_url(POSTGRES_ADMIN_URL)
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def analyze(uri: str) -> None:
    """PostgreSQL: table statistics, as autovacuum gathers them about a minute after the
    first writes in production (README, "PostgreSQL plans queries from table statistics").
    SQLite is left as production leaves it: without statistics."""
    if not uri.startswith("postgresql"):
        return
    engine = sqlalchemy.create_engine(uri, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def core_env(workdir: Path, uri: str) -> dict[str, str]:
    """The core's environment for a run: an empty config file in ``workdir``, the database,
    no housekeeping, warnings only."""
    (workdir / "config.yaml").write_text("")
    return {
        "SUPERTOKENS_CONFIG": str(workdir / "config.yaml"),
        "SUPERTOKENS_CONNECTION_URI": uri,
        "SUPERTOKENS_HOUSEKEEPING_INTERVAL_S": "0",
        "SUPERTOKENS_LOG_LEVEL": "WARN",
    }


def utc_stamp() -> str:
    """The current UTC time as used in result file names."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def machine() -> dict[str, Any]:
    """What a reader needs to know about where the figures come from."""
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def report_against_baseline(
    kind: str, db: str, rows: dict[str, dict[str, Any]], seconds: int, connections: int
) -> None:
    """Print each row's req/s, ratio to the ``baseline`` row, latencies and failures, and
    write them to ``bench/results/<UTC time>-<kind>-<db>.json``."""
    baseline_rps = rows["baseline"]["rps"]
    width = max(len(name) for name in rows) + 2
    print(
        f"\n{db}: gunicorn {WORKERS} workers x {THREADS} threads ({WORKER_CLASS}), "
        f"wrk 1 thread {connections} connections, {seconds} s each"
    )
    print(
        f"{'endpoint':<{width}} {'req/s':>8} {'ratio':>6} {'p50 ms':>8} {'p99 ms':>8} {'failed':>7}"
    )
    for name, row in rows.items():
        row["ratio"] = row["rps"] / baseline_rps
        print(
            f"{name:<{width}} {row['rps']:>8.0f} {row['ratio']:>6.2f} "
            f"{row['p50_us'] / 1000:>8.2f} {row['p99_us'] / 1000:>8.2f} "
            f"{row['not_ok'] + row['socket_errors']:>7}"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = utc_stamp()
    out = RESULTS / f"{stamp}-{kind}-{db}.json"
    out.write_text(
        json.dumps(
            {
                "db": db,
                "time": stamp,
                "duration_s": seconds,
                "connections": connections,
                "setup": {
                    "workers": WORKERS,
                    "threads": THREADS,
                    "worker_class": WORKER_CLASS,
                    "load": "wrk, 1 thread",
                },
                "machine": machine(),
                "endpoints": rows,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"written {out.relative_to(REPO)}")

"""Throughput and latency of the core against a plain-Flask baseline, in one run.

Usage::

    .venv/bin/python bench/run.py --db sqlite        # or --db postgresql
    .venv/bin/python bench/run.py --db postgresql --duration 20 --connections 32

Set-up (fixed, so runs compare): every server is gunicorn with ``WORKERS`` processes of
the ``gthread`` class with ``THREADS`` threads, bound to 127.0.0.1; the load generator is
``wrk`` (installed from Debian when missing) with one thread and ``--connections`` open
connections, in its own process. The baseline is ``bench/baseline_app.py``: one POST
route that parses a JSON body and answers a small JSON object. Machines here are shared
and noisy, so figures are ratios to the baseline measured in the same run.

Output: a table on stdout and ``bench/results/<UTC time>-<db>.json``.
"""

from __future__ import annotations

import argparse
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
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import requests
import sqlalchemy

REPO = Path(__file__).resolve().parent.parent
LUA_SCRIPT = REPO / "bench" / "lua" / "post_json.lua"
RESULTS = REPO / "bench" / "results"
WORKERS = 2
THREADS = 4
WARM_UP_S = 2
START_TIMEOUT_S = 30
POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")

# Minimum throughput ratios to the baseline, from the session issue.
BUDGETS = {
    "sqlite": {"verify (no db)": 0.7, "session create": 0.3, "refresh": 0.3},
    "postgresql": {"verify (no db)": 0.7, "session create": 0.25, "refresh": 0.25},
}


def free_port() -> int:
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


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str], workdir: Path) -> Iterator[str]:
    """A gunicorn server with the fixed set-up; yields its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
               "--workers", str(WORKERS), "--worker-class", "gthread", "--threads",
               str(THREADS), "--log-level", "warning", app_spec]
    process = subprocess.Popen(command, cwd=workdir, env={**os.environ, **env,
                                                            "PYTHONPATH": str(REPO)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                requests.get(url + "/hello", timeout=2)
                break
            except requests.RequestException:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{app_spec} did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


def run_wrk(wrk: str, url: str, path: str, body: dict[str, Any] | None, seconds: int,
            connections: int, check_status: bool = True,
            lua_env: dict[str, str] | None = None) -> dict[str, Any]:
    """One wrk run against ``url + path``; returns its counts and percentiles.

    ``lua_env`` sets the script's other options (``bench/lua/post_json.lua``).
    """
    env = {**os.environ, "BENCH_PATH": path, "BENCH_BODY": json.dumps(body or {}),
           "BENCH_CHECK_STATUS": "1" if check_status else "0",
           "BENCH_RUN_ID": uuid.uuid4().hex[:12], **(lua_env or {})}
    output = subprocess.run(
        [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(LUA_SCRIPT),
         url], env=env, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH_RESULT "))
    result = json.loads(line[len("BENCH_RESULT "):])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def measure(wrk: str, url: str, path: str, body: dict[str, Any], seconds: int,
            connections: int) -> dict[str, Any]:
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
        yield sqlalchemy.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(
            hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def analyze(uri: str) -> None:
    """PostgreSQL: table statistics, as autovacuum gathers them about a minute after the
    first writes in production. Without them the planner scans a tenant's rows for key
    lookups (README, "PostgreSQL plans queries from table statistics")."""
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
    return {"SUPERTOKENS_CONFIG": str(workdir / "config.yaml"),
            "SUPERTOKENS_CONNECTION_URI": uri, "SUPERTOKENS_HOUSEKEEPING_INTERVAL_S": "0",
            "SUPERTOKENS_LOG_LEVEL": "WARN"}


def report_against_baseline(kind: str, db: str, rows: dict[str, dict[str, Any]], seconds: int,
                            connections: int) -> None:
    """Print each row's req/s, ratio to the ``baseline`` row, latencies and failures, and
    write them to ``bench/results/<UTC time>-<kind>-<db>.json``."""
    baseline_rps = rows["baseline"]["rps"]
    width = max(len(name) for name in rows) + 2
    print(f"\n{db}: gunicorn {WORKERS} workers x {THREADS} threads (gthread), "
          f"wrk 1 thread {connections} connections, {seconds} s each")
    print(f"{'endpoint':<{width}} {'req/s':>8} {'ratio':>6} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'failed':>7}")
    for name, row in rows.items():
        row["ratio"] = row["rps"] / baseline_rps
        print(f"{name:<{width}} {row['rps']:>8.0f} {row['ratio']:>6.2f} "
              f"{row['p50_us'] / 1000:>8.2f} {row['p99_us'] / 1000:>8.2f} "
              f"{row['not_ok'] + row['socket_errors']:>7}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"{stamp}-{kind}-{db}.json"
    out.write_text(json.dumps({
        "db": db, "time": stamp, "duration_s": seconds, "connections": connections,
        "setup": {"workers": WORKERS, "threads": THREADS, "worker_class": "gthread",
                  "load": "wrk, 1 thread"},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "endpoints": rows}, indent=2) + "\n")
    print(f"written {out.relative_to(REPO)}")


def core_scenarios(url: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """Request path and body per endpoint, with tokens prepared through the API."""
    create_body = {"userId": "bench-user", "enableAntiCsrf": False,
                   "userDataInJWT": {"role": "bench"}, "userDataInDatabase": {}}
    session = requests.post(url + "/public/recipe/session", json=create_body, timeout=10).json()
    assert session["status"] == "OK", session
    verify = {"accessToken": session["accessToken"]["token"], "doAntiCsrfCheck": False,
              "enableAntiCsrf": False}
    # At CDI 5.4 the current refresh token stays current until its child is used, so the
    # same token can be refreshed again and again.
    refresh = {"refreshToken": session["refreshToken"]["token"], "enableAntiCsrf": False,
               "useDynamicSigningKey": True}
    return {
        "session create": ("/public/recipe/session", create_body),
        "verify (no db)": ("/recipe/session/verify", {**verify, "checkDatabase": False}),
        "verify (db)": ("/recipe/session/verify", {**verify, "checkDatabase": True}),
        "refresh": ("/recipe/session/refresh", refresh),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark the core against a Flask baseline.")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    wrk = ensure_wrk()

    rows: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as workdir:
        with gunicorn("bench.baseline_app:app", {}, Path(workdir)) as url:
            rows["baseline"] = measure(wrk, url, "/baseline", {"hello": "world"},
                                       args.duration, args.connections)
        with database(args.db) as uri:
            env = core_env(Path(workdir), uri)
            with gunicorn("core_app:create_app()", env, Path(workdir)) as url:
                for name, (path, body) in core_scenarios(url).items():
                    rows[name] = measure(wrk, url, path, body, args.duration, args.connections)

    baseline_rps = rows["baseline"]["rps"]
    budgets = BUDGETS[args.db]
    print(f"\n{args.db}: gunicorn {WORKERS} workers x {THREADS} threads (gthread), "
          f"wrk 1 thread {args.connections} connections, {args.duration} s per endpoint")
    print(f"{'endpoint':<16} {'req/s':>9} {'ratio':>6} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'failed':>7}  budget")
    for name, row in rows.items():
        row["ratio"] = row["rps"] / baseline_rps
        budget = budgets.get(name)
        row["budget"] = budget
        row["budget_met"] = None if budget is None else row["ratio"] >= budget
        verdict = "" if budget is None else (
            f">= {budget} {'met' if row['budget_met'] else 'NOT met'}")
        print(f"{name:<16} {row['rps']:>9.0f} {row['ratio']:>6.2f} {row['p50_us'] / 1000:>8.2f} "
              f"{row['p99_us'] / 1000:>8.2f} {row['not_ok'] + row['socket_errors']:>7}  {verdict}")

    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    report = {"db": args.db, "time": stamp, "duration_s": args.duration,
              "connections": args.connections,
              "setup": {"workers": WORKERS, "threads": THREADS, "worker_class": "gthread",
                        "load": "wrk, 1 thread"},
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
              "endpoints": rows}
    out = RESULTS / f"{stamp}-{args.db}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()

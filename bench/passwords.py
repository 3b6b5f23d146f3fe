"""Sign-up and sign-in throughput against the raw password-hash rate, in one run.

Usage::

    .venv/bin/python bench/passwords.py                  # SQLite
    .venv/bin/python bench/passwords.py --db postgresql --duration 15

For two hash settings (production: our argon2id defaults; cheapest: argon2id with 8 KiB
and one iteration) it starts the core under the set-up of ``bench/run.py`` (gunicorn, 2
workers of the default sync class), drives ``/recipe/signup`` (a new email per request) and
``/recipe/signin`` (one user, the right password) with wrk, and measures in the same run
what the hash alone allows with the same worker set-up: 2 processes, each running as many
hashes at once as ``argon2_hashing_pool_size`` lets a worker run. The ratio
sign-in / raw verify rate is the share of a worker's hashing capacity that reaches users
(the issue's budget: >= 0.9 with production settings).

Output: a table on stdout and ``bench/results/<UTC time>-passwords-<db>.json``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import (  # noqa: E402
    RESULTS,
    THREADS,
    WORKER_CLASS,
    WORKERS,
    core_env,
    database,
    ensure_wrk,
    gunicorn,
    measure,
)
from plugins.emailpassword import hashing  # noqa: E402

SETTINGS = {
    "production": {"argon2_memory_kb": 19456, "argon2_iterations": 2, "argon2_parallelism": 1},
    "cheapest": {"argon2_memory_kb": 8, "argon2_iterations": 1, "argon2_parallelism": 1},
}
POOL_SIZE = 1  # argon2_hashing_pool_size, the default
BUDGET = 0.9


def policy(setting: dict[str, int]) -> hashing.HashPolicy:
    return hashing.HashPolicy(
        "ARGON2",
        setting["argon2_memory_kb"],
        setting["argon2_iterations"],
        setting["argon2_parallelism"],
        11,
        POOL_SIZE,
        1,
    )


def _hash_loop(setting: dict[str, int], operation: str, seconds: float, done: Any) -> None:
    """One worker process: ``POOL_SIZE`` threads hashing or verifying for ``seconds``."""
    chosen = policy(setting)
    stored = hashing.hash_password(chosen, "raw-rate-password1")
    counts = [0] * POOL_SIZE

    def loop(index: int) -> None:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            if operation == "verify":
                hashing.verify_password(chosen, "raw-rate-password1", stored, None)
            else:
                hashing.hash_password(chosen, "raw-rate-password1")
            counts[index] += 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(POOL_SIZE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.put(sum(counts))


def raw_rate(setting: dict[str, int], operation: str, seconds: float) -> float:
    """Hashes (or verifications) per second over ``WORKERS`` processes."""
    results: Any = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(target=_hash_loop, args=(setting, operation, seconds, results))
        for _ in range(WORKERS)
    ]
    for process in processes:
        process.start()
    total = sum(results.get() for _ in processes)
    for process in processes:
        process.join()
    return total / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--duration", type=int, default=8, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    wrk = ensure_wrk()

    report: dict[str, Any] = {}
    for name, setting in SETTINGS.items():
        rows: dict[str, Any] = {}
        with tempfile.TemporaryDirectory() as workdir, database(args.db) as uri:
            env = {
                **core_env(Path(workdir), uri),
                "SUPERTOKENS_PASSWORD_HASHING_ALG": "ARGON2",
                "SUPERTOKENS_ARGON2_HASHING_POOL_SIZE": str(POOL_SIZE),
                **{f"SUPERTOKENS_{key.upper()}": str(value) for key, value in setting.items()},
            }
            with gunicorn("core_app:create_app()", env, Path(workdir)) as url:
                known = {"email": "bench@example.com", "password": "bench-password1"}
                created = requests.post(
                    url + "/public/recipe/signup", json=known, timeout=30
                ).json()
                assert created["status"] == "OK", created
                rows["sign-up"] = measure(
                    wrk,
                    url,
                    "/public/recipe/signup",
                    {"email": "u%N%@example.com", "password": "bench-password1"},
                    args.duration,
                    args.connections,
                )
                rows["sign-in"] = measure(
                    wrk, url, "/public/recipe/signin", known, args.duration, args.connections
                )
        rows["raw hash"] = {"rps": raw_rate(setting, "hash", args.duration)}
        rows["raw verify"] = {"rps": raw_rate(setting, "verify", args.duration)}
        rows["sign-up"]["ratio"] = rows["sign-up"]["rps"] / rows["raw hash"]["rps"]
        rows["sign-in"]["ratio"] = rows["sign-in"]["rps"] / rows["raw verify"]["rps"]
        report[name] = {"setting": setting, "rows": rows}

    print(
        f"\n{args.db}: gunicorn {WORKERS} workers x {THREADS} threads ({WORKER_CLASS}), "
        f"argon2_hashing_pool_size {POOL_SIZE}, wrk 1 thread {args.connections} connections, "
        f"{args.duration} s each"
    )
    print(
        f"{'setting':<11} {'row':<11} {'per s':>8} {'ratio':>6} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'failed':>7}"
    )
    for name, result in report.items():
        for row_name, row in result["rows"].items():
            ratio = f"{row['ratio']:.2f}" if "ratio" in row else ""
            latency = (
                f"{row['p50_us'] / 1000:>8.2f} {row['p99_us'] / 1000:>8.2f} "
                f"{row['not_ok'] + row['socket_errors']:>7}"
                if "p50_us" in row
                else ""
            )
            print(f"{name:<11} {row_name:<11} {row['rps']:>8.1f} {ratio:>6} {latency}")
    production = report["production"]["rows"]["sign-in"]["ratio"]
    print(
        f"\nsign-in / raw verify with production settings: {production:.2f} "
        f"(budget >= {BUDGET}: {'met' if production >= BUDGET else 'NOT met'})"
    )

    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"{stamp}-passwords-{args.db}.json"
    out.write_text(
        json.dumps(
            {
                "db": args.db,
                "time": stamp,
                "duration_s": args.duration,
                "connections": args.connections,
                "budget": BUDGET,
                "setup": {
                    "workers": WORKERS,
                    "threads": THREADS,
                    "worker_class": WORKER_CLASS,
                    "argon2_hashing_pool_size": POOL_SIZE,
                },
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                "settings": report,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"written {out.relative_to(Path(__file__).resolve().parent.parent)}")


if __name__ == "__main__":
    main()

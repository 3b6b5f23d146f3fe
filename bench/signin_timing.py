"""Does the time of a failed sign-in tell whether the email has an account?

Usage::

    .venv/bin/python bench/signin_timing.py              # 200 of each, production hashes
    .venv/bin/python bench/signin_timing.py --count 500 --db postgresql

Starts the core under gunicorn (the set-up of ``bench/run.py``), signs one user up, then
sends sign-ins with a wrong password for that email and sign-ins for an unknown email,
alternating one by one so that load on the shared machine hits both alike, and prints the
median and spread of each. Results go to ``bench/results/<UTC>-signin-timing-<db>.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import RESULTS, database, gunicorn  # noqa: E402


def timed_sign_in(session: requests.Session, url: str, email: str, password: str) -> float:
    """One sign-in's round trip in ms; it must fail with WRONG_CREDENTIALS_ERROR."""
    started = time.perf_counter()
    answer = session.post(
        url + "/public/recipe/signin", json={"email": email, "password": password}, timeout=30
    )
    elapsed = (time.perf_counter() - started) * 1000
    assert answer.json() == {"status": "WRONG_CREDENTIALS_ERROR"}, answer.text
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir, database(args.db) as uri:
        Path(workdir, "config.yaml").write_text("")
        env = {
            "SUPERTOKENS_CONFIG": str(Path(workdir, "config.yaml")),
            "SUPERTOKENS_CONNECTION_URI": uri,
            "SUPERTOKENS_HOUSEKEEPING_INTERVAL_S": "0",
            "SUPERTOKENS_LOG_LEVEL": "WARN",
            # Hundreds of wrong passwords for one email: throttling would refuse them
            # without a hash after ten, which is not what this compares.
            "SUPERTOKENS_PASSWORD_MAX_CONSECUTIVE_FAILURES": "0",
            "SUPERTOKENS_TENANT_MAX_FAILED_SIGN_INS_PER_HOUR": "0",
        }
        with gunicorn("core_app:create_app()", env, Path(workdir)) as url:
            session = requests.Session()
            created = session.post(
                url + "/public/recipe/signup",
                json={"email": "known@example.com", "password": "the-right-one1"},
                timeout=30,
            ).json()
            assert created["status"] == "OK", created
            for _ in range(10):  # warm up both paths (dummy hash, connections)
                timed_sign_in(session, url, "known@example.com", "wrong-password1")
                timed_sign_in(session, url, "unknown@example.com", "wrong-password1")
            wrong, unknown = [], []
            for index in range(args.count):
                wrong.append(
                    timed_sign_in(session, url, "known@example.com", f"wrong-password{index}")
                )
                unknown.append(
                    timed_sign_in(
                        session, url, f"unknown{index}@example.com", f"wrong-password{index}"
                    )
                )

    def summary(values: list[float]) -> dict[str, float]:
        quartiles = statistics.quantiles(values, n=4)
        return {
            "median_ms": statistics.median(values),
            "p25_ms": quartiles[0],
            "p75_ms": quartiles[2],
        }

    result = {
        "db": args.db,
        "count": args.count,
        "wrong_password": summary(wrong),
        "unknown_email": summary(unknown),
    }
    result["median_difference_ms"] = (
        result["unknown_email"]["median_ms"] - result["wrong_password"]["median_ms"]
    )
    for name in ("wrong_password", "unknown_email"):
        row = result[name]
        print(
            f"{name:<15} median {row['median_ms']:7.2f} ms  "
            f"(p25 {row['p25_ms']:.2f}, p75 {row['p75_ms']:.2f})"
        )
    print(f"difference of medians: {result['median_difference_ms']:+.2f} ms")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"{stamp}-signin-timing-{args.db}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""Third-party sign-in-up throughput against the baseline, in one run.

Usage::

    .venv/bin/python bench/thirdparty.py                  # SQLite
    .venv/bin/python bench/thirdparty.py --db postgresql --duration 10

Set-up as ``bench/run.py`` (gunicorn, 2 sync workers, wrk one thread). The
baseline (``bench/baseline_app.py``) is measured first in the same run. Then the core's
``POST /public/recipe/signinup``, which is all the core does for a third-party login (the
provider exchange runs in the SDK):

- sign-up: a new provider identity per request, email verified (creates the user, marks
  the email verified, builds the user object);
- sign-in: identities that exist, cycling over 2,000 users, same email, verified (finds the
  user, the verified mark is already there, builds the user object).

Output: a table on stdout and ``bench/results/<UTC time>-thirdparty-<db>.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import (  # noqa: E402
    WARM_UP_S,
    analyze,
    core_env,
    database,
    ensure_wrk,
    gunicorn,
    measure,
    report_against_baseline,
    run_wrk,
)

SIGN_IN_UP = "/public/recipe/signinup"
RETURNING_USERS = 2000
BODIES_PER_RUN = 200_000  # more than any run sends: the replayed file never runs out


def _body(subject: str) -> dict[str, Any]:
    return {
        "thirdPartyId": "google",
        "thirdPartyUserId": subject,
        "email": {"id": f"{subject}@example.com", "isVerified": True},
    }


def _returning_users(url: str, bodies: Path) -> None:
    """Sign up the returning users (not measured) and write the sign-in bodies."""
    subjects = [f"returning-{index}" for index in range(RETURNING_USERS)]

    def sign_up(subject: str) -> None:
        answer = requests.post(url + SIGN_IN_UP, json=_body(subject), timeout=30).json()
        assert answer["status"] == "OK", answer

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(sign_up, subjects))
    lines = [json.dumps(_body(subjects[i % RETURNING_USERS])) for i in range(BODIES_PER_RUN)]
    bodies.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--duration", type=int, default=8, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    wrk = ensure_wrk()
    seconds, connections = args.duration, args.connections

    rows: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as workdir:
        work = Path(workdir)
        with gunicorn("bench.baseline_app:app", {}, work) as url:
            rows["baseline"] = measure(
                wrk, url, "/baseline", {"hello": "world"}, seconds, connections
            )
        with database(args.db) as uri:
            with gunicorn("core_app:create_app()", core_env(work, uri), work) as url:
                new_identity = _body("u%N%")
                run_wrk(wrk, url, SIGN_IN_UP, new_identity, WARM_UP_S, connections)
                bodies = work / "returning.jsonl"
                _returning_users(url, bodies)
                analyze(uri)
                rows["sign-up"] = run_wrk(wrk, url, SIGN_IN_UP, new_identity, seconds, connections)
                rows["sign-in"] = run_wrk(
                    wrk,
                    url,
                    SIGN_IN_UP,
                    None,
                    seconds,
                    connections,
                    lua_env={"BENCH_BODIES_FILE": str(bodies)},
                )

    report_against_baseline("thirdparty", args.db, rows, seconds, connections)


if __name__ == "__main__":
    main()

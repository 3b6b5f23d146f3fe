"""Passwordless create-code and consume-code throughput against the baseline, in one run.

Usage::

    .venv/bin/python bench/passwordless.py                  # SQLite
    .venv/bin/python bench/passwordless.py --db postgresql --duration 10

Set-up as ``bench/run.py`` (gunicorn, 2 workers x 4 gthread threads, wrk one thread). The
baseline (``bench/baseline_app.py``) is measured first in the same run. Then the core:

- create code: ``POST /public/recipe/signinup/code`` with a new email per request (a new
  device and its first code, one transaction with two inserts);
- consume code (sign-up): ``POST /public/recipe/signinup/code/consume`` with the magic link
  of a code made by the create-code run, each used once (locks the contact's devices,
  deletes them, creates the user, marks the email verified, builds the user object);
- consume code (sign-in): the same for codes of emails whose user already exists.

Output: a table on stdout and ``bench/results/<UTC time>-passwordless-<db>.json``.
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
from bench.run import (WARM_UP_S, analyze, core_env, database, ensure_wrk,  # noqa: E402
                       gunicorn, measure, report_against_baseline, run_wrk)

CREATE = "/public/recipe/signinup/code"
CONSUME = "/public/recipe/signinup/code/consume"
SAVED_KEYS = "preAuthSessionId,linkCode"


def _create_codes(wrk: str, url: str, email: str, seconds: int, connections: int,
                  save_to: Path) -> dict[str, Any]:
    """A create-code run that writes each new code's magic link to ``save_to``."""
    return run_wrk(wrk, url, CREATE, {"email": email}, seconds, connections,
                   lua_env={"BENCH_SAVE_FILE": str(save_to), "BENCH_SAVE_KEYS": SAVED_KEYS})


def _codes_for_existing_users(url: str, save_to: Path) -> int:
    """A new code for every user the sign-up run made (prepared, not measured)."""
    emails, token = [], None
    while True:
        page = requests.get(url + "/public/users", params={
            "limit": 500, **({"paginationToken": token} if token else {})}, timeout=30).json()
        emails += [user["emails"][0] for user in page["users"]]
        token = page.get("nextPaginationToken")
        if token is None:
            break

    def create(email: str) -> str:
        answer = requests.post(url + CREATE, json={"email": email}, timeout=30).json()
        return json.dumps({"preAuthSessionId": answer["preAuthSessionId"],
                           "linkCode": answer["linkCode"]})

    with ThreadPoolExecutor(max_workers=8) as pool:
        save_to.write_text("".join(line + "\n" for line in pool.map(create, emails)))
    return len(emails)


def _consume(wrk: str, url: str, codes: Path, seconds: int,
             connections: int) -> dict[str, Any]:
    result = run_wrk(wrk, url, CONSUME, None, seconds, connections,
                     lua_env={"BENCH_BODIES_FILE": str(codes)})
    result["codes_prepared"] = sum(1 for _ in codes.open())
    result["duration_s"] = seconds
    # Only answers that signed someone in count (a repeated code is a failure).
    result["rps"] = (result["requests"] - result["not_ok"]) / (result["duration_us"] / 1e6)
    return result


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
            rows["baseline"] = measure(wrk, url, "/baseline", {"hello": "world"}, seconds,
                                       connections)
        with database(args.db) as uri:
            with gunicorn("core_app:create_app()", core_env(work, uri), work) as url:
                new_users, warm = work / "new-users.jsonl", work / "warm-up.jsonl"
                _create_codes(wrk, url, "w%N%@example.com", WARM_UP_S, connections, warm)
                run_wrk(wrk, url, CONSUME, None, WARM_UP_S, connections,
                        lua_env={"BENCH_BODIES_FILE": str(warm)})
                analyze(uri)
                rows["create code"] = _create_codes(wrk, url, "u%N%@example.com", seconds,
                                                    connections, new_users)
                rows["consume (sign-up)"] = _consume(wrk, url, new_users, seconds,
                                                     connections)
                returning = work / "returning.jsonl"
                users = _codes_for_existing_users(url, returning)
                # Sign-ins run faster than the sign-ups that made the users: a shorter run,
                # so that it does not run out of codes.
                sign_in_s = max(2, min(seconds, int(
                    users / (4 * rows["consume (sign-up)"]["rps"]))))
                rows["consume (sign-in)"] = _consume(wrk, url, returning, sign_in_s,
                                                     connections)

    report_against_baseline("passwordless", args.db, rows, seconds, connections)
    for name in ("consume (sign-up)", "consume (sign-in)"):
        if rows[name]["requests"] > rows[name]["codes_prepared"]:
            print(f"note: {name} ran out of prepared codes; its failures are the repeats")


if __name__ == "__main__":
    main()

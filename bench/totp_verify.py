"""One TOTP code check, in process: the statements it runs and its median time.

Usage::

    .venv/bin/python bench/totp_verify.py [--db sqlite|postgresql|mysql] [--checks 400]

A core (Flask test client, no HTTP server) on a fresh database of the chosen kind; one
user with a verified device; then ``--checks`` right codes through
``POST /recipe/totp/verify`` (codes of the next time step), and as many wrong ones. Prints the SQL
statements of one check and the median and p99 of each kind. Needs the TOTP recipe
installed (``pip install -e plugins/totp``).
"""

from __future__ import annotations

import argparse
import statistics
import time
from contextlib import ExitStack, contextmanager

import pyotp
from sqlalchemy import event

from core_app import create_app
from core_app.testing.client import core_test_client
from core_app.testing.databases import admin_url, server_database


def _median_ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99) - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql", "mysql"])
    parser.add_argument("--checks", type=int, default=400)
    parser.add_argument("--skew", type=int, default=1, help="the device's skew (SDK default 1)")
    args = parser.parse_args()
    with ExitStack() as stack:
        if args.db == "sqlite":
            import tempfile

            url = f"sqlite:///{stack.enter_context(tempfile.TemporaryDirectory())}/totp.db"
        else:
            url = stack.enter_context(contextmanager(server_database)(admin_url(args.db), args.db))
        settings = {"connection_uri": url, "recipes": ["totp"], "housekeeping_interval_s": 0}
        # Wrong codes are measured too: the limit must not end them.
        app = create_app({**settings, "totp_max_attempts": 1_000_000})
        client = core_test_client(app)
        # A 1 s period so that the code of the next step changes every second; a code
        # checked twice in one second is a replay, refused after the same statements.
        secret = client.post(
            "/recipe/totp/device",
            json={"userId": "bench", "deviceName": "d", "skew": args.skew, "period": 1},
        ).json["secret"]
        generator = pyotp.TOTP(secret, interval=1)
        now = time.time()
        assert (
            client.post(
                "/public/recipe/totp/device/verify",
                json={"userId": "bench", "deviceName": "d", "totp": generator.at(now)},
            ).json["status"]
            == "OK"
        )
        statements: list[str] = []
        engine = app.extensions["supertokens_core"].storage.engine()
        event.listen(
            engine, "before_cursor_execute", lambda *a: statements.append(" ".join(a[2].split()))
        )
        right, wrong = [], []
        for index in range(args.checks):
            code = generator.at(time.time() + min(args.skew, 1))
            started = time.perf_counter()
            answer = client.post(
                "/public/recipe/totp/verify", json={"userId": "bench", "totp": code}
            )
            right.append(time.perf_counter() - started)
            if index == 0:
                shown = list(statements)
            statements.clear()
            started = time.perf_counter()
            client.post("/public/recipe/totp/verify", json={"userId": "bench", "totp": "x"})
            wrong.append(time.perf_counter() - started)
            assert answer.json["status"] in ("OK", "INVALID_TOTP_ERROR"), answer.json
        print(f"{args.db}: statements of one check ({len(shown)}):")
        for statement in shown:
            print("  ", statement[:160])
        for name, samples in (("right code", right), ("wrong code", wrong)):
            median, p99 = _median_ms(samples)
            print(f"{name}: median {median:.2f} ms, p99 {p99:.2f} ms over {len(samples)}")
        app.extensions["supertokens_core"].storage.dispose()


if __name__ == "__main__":
    main()

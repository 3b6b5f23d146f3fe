"""Which gunicorn worker class, worker count and thread count serve the core best.

Usage::

    .venv/bin/python bench/workers.py                  # SQLite
    .venv/bin/python bench/workers.py --db postgresql --duration 5

Serves one seeded database (10,000 users) with each set-up in ``SETUPS`` in turn and
measures the database-bound hot paths (verify with the database, refresh, sign-in with
cheap hashes) with wrk, the same ``--rounds`` times each, interleaved so that the
machine's noise hits every set-up alike. Prints req/s and p99 per set-up (medians).
The README's "Running it" gives the choice made from these figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import run  # noqa: E402
from bench.harness import analyze, core_env, database, ensure_wrk, serve  # noqa: E402
from bench.seed import seed_users  # noqa: E402

# (name, worker class, workers, threads)
SETUPS = [
    ("sync x2", "sync", 2, 1),
    ("gthread 2x4", "gthread", 2, 4),
    ("gthread 2x10", "gthread", 2, 10),
    ("gthread 4x4", "gthread", 4, 4),
]
SCENARIOS = ("verify (db)", "refresh", "sign-in (cheap hash)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--duration", type=float, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    wrk = ensure_wrk()
    figures: dict[tuple[str, str], list[dict]] = {}
    with tempfile.TemporaryDirectory() as workdir, database(args.db) as uri:
        work = Path(workdir)
        deployment = run.Deployment(10_000, uri, work)
        env = {**core_env(work, uri), **run._hash_env("cheapest")}
        with (
            serve(run.CORE, env, work) as first,
            serve(
                run.CORE, {**core_env(work, uri), **run._hash_env("production")}, work
            ) as production,
        ):
            deployment.cheap, deployment.production = first.url, production.url
            run._create_tenants(first.url)
            seed_users(uri, deployment.size)
            analyze(uri)
            run._prepare(deployment)
        for _ in range(args.rounds):
            for name, worker_class, workers, threads in SETUPS:
                with serve(
                    run.CORE, env, work, workers=workers, threads=threads, worker_class=worker_class
                ) as server:
                    deployment.cheap = server.url
                    for scenario in SCENARIOS:
                        result = run.SCENARIOS[scenario](
                            deployment, wrk, args.duration, args.connections
                        )
                        figures.setdefault((name, scenario), []).append(result)
    print(
        f"\n{args.db}, wrk 1 thread {args.connections} connections, {args.duration} s, "
        f"medians of {args.rounds}"
    )
    print(f"{'set-up':<14}" + "".join(f"{s + ' req/s':>24}{'p99 ms':>8}" for s in SCENARIOS))
    for name, *_ in SETUPS:
        cells = []
        for scenario in SCENARIOS:
            runs = figures[(name, scenario)]
            cells.append(
                f"{statistics.median(r['rps'] for r in runs):>24.0f}"
                f"{statistics.median(r['p99_us'] for r in runs) / 1000:>8.1f}"
            )
        print(f"{name:<14}" + "".join(cells))


if __name__ == "__main__":
    main()

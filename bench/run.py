"""The benchmark: every hot path against a baseline, at two data sizes, plus footprint.

Usage::

    .venv/bin/python bench/run.py                      # SQLite and PostgreSQL, 10k and 1M
    .venv/bin/python bench/run.py --db sqlite --sizes 1000 10000 --duration 2 --rounds 1

For each database it makes one database per size, seeds it (``bench/seed.py``: users
and one session each, in bulk), creates 1,000 tenants, and serves it with two cores
(``bench/harness.py`` set-up: gunicorn, 2 sync workers): one with the
production password-hash settings (our argon2id defaults) and one with the cheapest
(argon2id, 8 KiB, one pass) for every scenario that is not about hashing. Each scenario
then runs against each size in turn, ``--rounds`` times (so that the machine's noise hits
both sizes alike), and the figures are medians over rounds:

- throughput as a ratio to the baseline (``bench/baseline_app.py``, measured between
  scenarios in the same run); sign-in and sign-up with production hashes as a ratio to
  the raw argon2 rate of the same worker set-up (``bench/passwords.py``);
- p50 and p99 latency, and growth: p50 at the largest size over p50 at the smallest;
- footprint: cold start (process start to the first ``/hello`` answer, median of 3) and
  resident memory per worker after start and after ``--footprint-requests`` mixed
  requests.

Output: a table on stdout, and ``bench/results/<UTC time>.json``, ``.md`` (the tables
with each budget met or not) and ``.png`` (throughput ratio and latency per scenario).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import requests
import sqlalchemy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import report  # noqa: E402
from bench.harness import (  # noqa: E402
    REPO,
    RESULTS,
    THREADS,
    WARM_UP_S,
    WORKER_CLASS,
    WORKERS,
    analyze,
    core_env,
    database,
    ensure_wrk,
    machine,
    rss_mib,
    run_wrk,
    serve,
    utc_stamp,
)
from bench.passwords import SETTINGS as HASH_SETTINGS  # noqa: E402
from bench.passwords import raw_rate
from bench.seed import SEED_PASSWORD, seed_users  # noqa: E402
from core_app.users.service import encode_page_key  # noqa: E402
from core_app.users.store import PageKey, all_auth_recipe_users  # noqa: E402

TENANTS = 1000
TENANT_UNDER_TEST = "t0500"
CORE = "core_app:create_app()"


def _hash_env(setting: str) -> dict[str, str]:
    return {
        "SUPERTOKENS_PASSWORD_HASHING_ALG": "ARGON2",
        **{
            f"SUPERTOKENS_{key.upper()}": str(value)
            for key, value in HASH_SETTINGS[setting].items()
        },
    }


@dataclass
class Deployment:
    """One seeded database of one size and the two cores serving it."""

    size: int
    uri: str
    work: Path
    cheap: str = ""  # URL of the core with the cheapest hash settings
    production: str = ""  # URL of the core with production hash settings
    seed_s: float = 0.0
    state: dict[str, Any] = field(default_factory=dict)


def _post(url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = requests.post(url + path, json=body, timeout=60).json()
    assert answer.get("status") == "OK", (path, answer)
    return answer


def _create_tenants(url: str) -> None:
    def create(index: int) -> None:
        answer = requests.put(
            url + "/recipe/multitenancy/tenant/v2", json={"tenantId": f"t{index:04d}"}, timeout=60
        ).json()
        assert answer["status"] == "OK", answer

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(create, range(TENANTS)))


def _middle_page_key(uri: str, size: int) -> str:
    """The pagination token of the listing position halfway through the seeded users."""
    table = all_auth_recipe_users
    engine = sqlalchemy.create_engine(uri)
    with engine.connect() as conn:
        row = conn.execute(
            sqlalchemy.select(
                table.c.primary_or_recipe_user_id, table.c.primary_or_recipe_user_time_joined
            )
            .where(table.c.app_id == "public", table.c.tenant_id == "public")
            .order_by(
                table.c.primary_or_recipe_user_time_joined.desc(),
                table.c.primary_or_recipe_user_id.desc(),
            )
            .offset(size // 2)
            .limit(1)
        ).one()
    engine.dispose()
    return encode_page_key(PageKey(row[1], row[0]))


def _prepare(deployment: Deployment) -> None:
    """Tokens, users and tenants every scenario starts from."""
    url, state = deployment.cheap, deployment.state
    seeded = _post(
        url,
        "/public/recipe/signin",
        {"email": f"seed{deployment.size // 2}@example.com", "password": SEED_PASSWORD},
    )
    state["seeded_email"] = seeded["user"]["emails"][0]
    state["user_id"] = seeded["user"]["id"]
    session = _post(
        url,
        "/public/recipe/session",
        {
            "userId": state["user_id"],
            "enableAntiCsrf": False,
            "userDataInJWT": {"role": "bench"},
            "userDataInDatabase": {},
        },
    )
    state["access_token"] = session["accessToken"]["token"]
    state["refresh_token"] = session["refreshToken"]["token"]
    state["session_handle"] = session["session"]["handle"]
    _post(
        deployment.production,
        "/public/recipe/signup",
        {"email": "bench-production@example.com", "password": "bench-password1"},
    )
    _post(
        url,
        f"/{TENANT_UNDER_TEST}/recipe/signup",
        {"email": "tenant-user@example.com", "password": "bench-password1"},
    )
    state["deep_page_token"] = _middle_page_key(deployment.uri, deployment.size)


# --- scenarios -----------------------------------------------------------------------------
# Each takes the deployment, wrk's path, the seconds and connections, and returns wrk's
# result (rps, p50_us, p99_us, not_ok, socket_errors) of the measured run after a warm-up.

Scenario = Callable[[Deployment, str, float, int], dict[str, Any]]


def _fixed(
    core: str,
    method: str,
    path: str | Callable[[Deployment], str],
    body: Callable[[Deployment], dict[str, Any]] | None = None,
) -> Scenario:
    """A scenario that sends the same request again and again."""

    def run(deployment: Deployment, wrk: str, seconds: float, connections: int) -> dict:
        url = getattr(deployment, core)
        where = path(deployment) if callable(path) else path
        sent = body(deployment) if body else None
        run_wrk(wrk, url, where, sent, WARM_UP_S, connections, method=method)
        return run_wrk(wrk, url, where, sent, seconds, connections, method=method)

    return run


def _verify_body(check_database: bool) -> Callable[[Deployment], dict[str, Any]]:
    return lambda d: {
        "accessToken": d.state["access_token"],
        "doAntiCsrfCheck": False,
        "enableAntiCsrf": False,
        "checkDatabase": check_database,
    }


def _saving(
    path: str, body: Callable[[Deployment], dict[str, Any]], keys: str, kind: str
) -> Scenario:
    """A scenario whose answers are kept (the fields ``keys`` of each OK answer, in a
    file appended to ``deployment.state[kind]``) for a later scenario to replay."""

    def run(deployment: Deployment, wrk: str, seconds: float, connections: int) -> dict:
        saved = deployment.work / f"{kind}-{time.monotonic_ns()}.jsonl"
        saving = {"BENCH_SAVE_FILE": str(saved), "BENCH_SAVE_KEYS": keys}
        sent = body(deployment)
        run_wrk(wrk, deployment.cheap, path, sent, WARM_UP_S, connections, lua_env=saving)
        result = run_wrk(wrk, deployment.cheap, path, sent, seconds, connections, lua_env=saving)
        deployment.state.setdefault(kind, []).append(saved)
        return result

    return run


def _replay(
    deployment: Deployment, wrk: str, path: str, bodies: list[str], seconds: float, connections: int
) -> dict[str, Any]:
    """Send each prepared body once: the first fifth as warm-up, the rest measured."""
    warm_file, measured_file = (
        deployment.work / f"{kind}-{time.monotonic_ns()}.jsonl" for kind in ("warm", "measured")
    )
    cut = len(bodies) // 5
    warm_file.write_text("".join(line + "\n" for line in bodies[:cut]))
    measured_file.write_text("".join(line + "\n" for line in bodies[cut:]))
    run_wrk(
        wrk,
        deployment.cheap,
        path,
        None,
        min(WARM_UP_S, seconds / 4),
        connections,
        lua_env={"BENCH_BODIES_FILE": str(warm_file)},
    )
    result = run_wrk(
        wrk,
        deployment.cheap,
        path,
        None,
        seconds,
        connections,
        lua_env={"BENCH_BODIES_FILE": str(measured_file)},
    )
    result["prepared"] = len(bodies) - cut
    if result["requests"] > result["prepared"]:
        # The file ran out: the repeats are not what this scenario measures.
        result["ran_out"] = True
    return result


def _session_remove(
    deployment: Deployment, wrk: str, seconds: float, connections: int
) -> dict[str, Any]:
    """Remove, one per request, the sessions the last create run made."""
    handles = deployment.state["handle_files"].pop()
    bodies = [
        json.dumps({"sessionHandles": [json.loads(line)["handle"]]})
        for line in handles.read_text().splitlines()
    ]
    return _replay(deployment, wrk, "/public/recipe/session/remove", bodies, seconds, connections)


def _passwordless_consume(
    deployment: Deployment, wrk: str, seconds: float, connections: int
) -> dict[str, Any]:
    """Consume the codes of the last create run: each signs a new user up."""
    codes = deployment.state["code_files"].pop()
    return _replay(
        deployment,
        wrk,
        "/public/recipe/signinup/code/consume",
        codes.read_text().splitlines(),
        seconds,
        connections,
    )


SIGN_UP_BODY = {"email": "su%N%@example.com", "password": "bench-password1"}

SCENARIOS: dict[str, Scenario] = {
    # New sessions for one user; their handles are kept for the removal scenario.
    "session create": _saving(
        "/public/recipe/session",
        lambda d: {
            "userId": d.state["user_id"],
            "enableAntiCsrf": False,
            "userDataInJWT": {"role": "bench"},
            "userDataInDatabase": {},
        },
        "handle",
        "handle_files",
    ),
    "verify (no db)": _fixed("cheap", "POST", "/recipe/session/verify", _verify_body(False)),
    "verify (db)": _fixed("cheap", "POST", "/recipe/session/verify", _verify_body(True)),
    # At CDI 5.4 the current refresh token stays current until its child is used, so the
    # same token can be refreshed again and again.
    "refresh": _fixed(
        "cheap",
        "POST",
        "/public/recipe/session/refresh",
        lambda d: {
            "refreshToken": d.state["refresh_token"],
            "enableAntiCsrf": False,
            "useDynamicSigningKey": True,
        },
    ),
    "session remove": _session_remove,
    "sign-up (production hash)": _fixed(
        "production", "POST", "/public/recipe/signup", lambda d: SIGN_UP_BODY
    ),
    "sign-in (production hash)": _fixed(
        "production",
        "POST",
        "/public/recipe/signin",
        lambda d: {"email": "bench-production@example.com", "password": "bench-password1"},
    ),
    "sign-up (cheap hash)": _fixed(
        "cheap", "POST", "/public/recipe/signup", lambda d: SIGN_UP_BODY
    ),
    "sign-in (cheap hash)": _fixed(
        "cheap",
        "POST",
        "/public/recipe/signin",
        lambda d: {"email": d.state["seeded_email"], "password": SEED_PASSWORD},
    ),
    # A new device and code per request (new email each); codes kept for consumption.
    "passwordless create code": _saving(
        "/public/recipe/signinup/code",
        lambda d: {"email": "pl%N%@example.com"},
        "preAuthSessionId,linkCode",
        "code_files",
    ),
    "passwordless consume code": _passwordless_consume,
    "users: first page": _fixed("cheap", "GET", "/public/users?timeJoinedOrder=DESC"),
    "users: deep page": _fixed(
        "cheap",
        "GET",
        lambda d: (
            "/public/users?timeJoinedOrder=DESC&paginationToken=" + d.state["deep_page_token"]
        ),
    ),
    f"sign-in, 1 of {TENANTS} tenants": _fixed(
        "cheap",
        "POST",
        f"/{TENANT_UNDER_TEST}/recipe/signin",
        lambda d: {"email": "tenant-user@example.com", "password": "bench-password1"},
    ),
    # Last: it is the one scenario whose cost grows with the users (README, Benchmarks).
    "users count": _fixed("cheap", "GET", "/public/users/count"),
}
# Compared with the raw hash rate, not with the baseline.
HASH_BOUND = {"sign-up (production hash)": "hash", "sign-in (production hash)": "verify"}


def _wait_until_idle(deployment: Deployment) -> None:
    """Wait for the requests wrk left in flight: slow ones (a count over a million users)
    would otherwise still hold the workers during the next scenario."""
    deadline = time.monotonic() + 300
    for url in (deployment.cheap, deployment.production):
        while time.monotonic() < deadline:
            started = time.monotonic()
            requests.get(url + "/hello", timeout=300)
            if time.monotonic() - started < 0.05:
                break


def _baseline(wrk: str, url: str, seconds: float, connections: int) -> dict[str, Any]:
    run_wrk(wrk, url, "/baseline", {"hello": "world"}, WARM_UP_S, connections)
    return run_wrk(wrk, url, "/baseline", {"hello": "world"}, seconds, connections)


# --- footprint -----------------------------------------------------------------------------


def _mix(deployment: Deployment) -> list[str]:
    """The mixed load of the memory measurement, one request per line (lua mix format)."""
    state = deployment.state
    verify = _verify_body(True)(deployment)
    return [
        "POST /recipe/session/verify " + json.dumps({**verify, "checkDatabase": False}),
        "POST /recipe/session/verify " + json.dumps(verify),
        "POST /public/recipe/session/refresh "
        + json.dumps(
            {
                "refreshToken": state["refresh_token"],
                "enableAntiCsrf": False,
                "useDynamicSigningKey": True,
            }
        ),
        "POST /public/recipe/session "
        + json.dumps(
            {
                "userId": state["user_id"],
                "enableAntiCsrf": False,
                "userDataInJWT": {},
                "userDataInDatabase": {},
            }
        ),
        "POST /public/recipe/signin "
        + json.dumps({"email": state["seeded_email"], "password": SEED_PASSWORD}),
        "GET /public/users?limit=10",
        "GET /public/users/count",
        f"GET /public/recipe/session?sessionHandle={state['session_handle']}",
        "POST /public/recipe/signinup/code " + json.dumps({"email": "mix@example.com"}),
    ]


def footprint(
    deployment: Deployment, wrk: str, requests_total: int, connections: int
) -> dict[str, Any]:
    """Cold start (median of 3) and RSS per worker after start and after a mixed load."""
    env = {**core_env(deployment.work, deployment.uri), **_hash_env("cheapest")}
    starts, after_start = [], []
    for attempt in range(3):
        with serve(CORE, env, deployment.work) as server:
            starts.append(server.cold_start_s)
            time.sleep(1.0)  # every worker booted, not only the one that answered
            after_start += [rss_mib(pid) for pid in server.worker_pids()]
            if attempt < 2:
                continue
            mix_file = deployment.work / "mix.txt"
            mix_file.write_text("\n".join(_mix(deployment)) + "\n")
            served = 0
            while served < requests_total:
                result = run_wrk(
                    wrk,
                    server.url,
                    "/",
                    None,
                    10,
                    connections,
                    lua_env={"BENCH_MIX_FILE": str(mix_file)},
                )
                served += result["requests"]
                if result["not_ok"] or result["socket_errors"]:
                    print(f"mixed load: {result['not_ok']} answers not OK", flush=True)
            after_load = [rss_mib(pid) for pid in server.worker_pids()]
    return {
        "cold_start_s": statistics.median(starts),
        "cold_start_s_all": starts,
        "rss_mib_after_start": max(after_start),
        "rss_mib_after_load": max(after_load),
        "rss_mib_after_load_all": after_load,
        "mixed_requests": served,
    }


# --- the run -------------------------------------------------------------------------------


def _median_row(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("rps", "p50_us", "p99_us")
    row = {key: statistics.median(run[key] for run in runs) for key in keys}
    row["failed"] = sum(run["not_ok"] + run["socket_errors"] for run in runs)
    row["ran_out"] = any(run.get("ran_out") for run in runs)
    row["runs"] = runs
    return row


def bench_database(db: str, sizes: list[int], args: argparse.Namespace, wrk: str) -> dict[str, Any]:
    """Every scenario at every size on one kind of database, and the footprint."""
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        baseline_url = stack.enter_context(serve("bench.baseline_app:app", {}, work)).url
        deployments = []
        for size in sizes:
            uri = stack.enter_context(database(db))
            folder = work / f"size-{size}"
            folder.mkdir()
            deployment = Deployment(size, uri, folder)
            env = core_env(folder, uri)
            deployment.cheap = stack.enter_context(
                serve(CORE, {**env, **_hash_env("cheapest")}, folder)
            ).url
            _create_tenants(deployment.cheap)
            print(f"{db}: seeding {size:,} users and sessions", flush=True)
            deployment.seed_s = seed_users(uri, size)
            analyze(uri)
            deployment.production = stack.enter_context(
                serve(CORE, {**env, **_hash_env("production")}, folder)
            ).url
            _prepare(deployment)
            deployments.append(deployment)
            print(f"{db}: {size:,} seeded in {deployment.seed_s:.0f} s", flush=True)

        baselines: list[dict[str, Any]] = []
        runs: dict[str, dict[int, list[dict[str, Any]]]] = {
            name: {d.size: [] for d in deployments} for name in SCENARIOS
        }
        for round_number in range(args.rounds):
            for index, (name, scenario) in enumerate(SCENARIOS.items()):
                if index % 5 == 0:
                    baselines.append(_baseline(wrk, baseline_url, args.duration, args.connections))
                for deployment in deployments:
                    result = scenario(deployment, wrk, args.duration, args.connections)
                    _wait_until_idle(deployment)
                    runs[name][deployment.size].append(result)
                    print(
                        f"{db} round {round_number + 1} {name} @ {deployment.size:,}: "
                        f"{result['rps']:.0f}/s p50 {result['p50_us'] / 1000:.1f} ms",
                        flush=True,
                    )
        baselines.append(_baseline(wrk, baseline_url, args.duration, args.connections))

        raw = {
            operation: raw_rate(HASH_SETTINGS["production"], operation, args.duration)
            for operation in ("hash", "verify")
        }
        print(f"{db}: footprint ({args.footprint_requests:,} mixed requests)", flush=True)
        foot = footprint(deployments[0], wrk, args.footprint_requests, args.connections)

    baseline_rps = statistics.median(run["rps"] for run in baselines)
    scenarios: dict[str, Any] = {}
    for name, by_size in runs.items():
        rows = {size: _median_row(size_runs) for size, size_runs in by_size.items()}
        for row in rows.values():
            bound = HASH_BOUND.get(name)
            row["ratio_to"] = f"raw {bound} rate" if bound else "baseline"
            row["ratio"] = row["rps"] / (raw[bound] if bound else baseline_rps)
        scenarios[name] = {"sizes": {str(size): row for size, row in rows.items()}}
        scenarios[name]["growth_p50"] = report.growth(scenarios[name])
    return {
        "baseline": {"rps": baseline_rps, "runs": baselines},
        "raw_hash_rate": raw,
        "seed_s": {str(d.size): d.seed_s for d in deployments},
        "scenarios": scenarios,
        "footprint": foot,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"]
    )
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 1_000_000])
    parser.add_argument("--duration", type=float, default=5, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--footprint-requests", type=int, default=100_000)
    parser.add_argument(
        "--scenarios",
        nargs="+",
        choices=list(SCENARIOS),
        metavar="NAME",
        help="run only these scenarios (quoted names, as in the report)",
    )
    args = parser.parse_args()
    if args.scenarios:
        for name in list(SCENARIOS):
            if name not in args.scenarios:
                del SCENARIOS[name]
    wrk = ensure_wrk()
    stamp = utc_stamp()
    results = {
        "time": stamp,
        "machine": machine(),
        "setup": {
            "workers": WORKERS,
            "threads": THREADS,
            "worker_class": WORKER_CLASS,
            "load": f"wrk, 1 thread, {args.connections} connections",
            "duration_s": args.duration,
            "rounds": args.rounds,
            "sizes": sorted(args.sizes),
            "tenants": TENANTS,
        },
        "databases": {},
    }
    for db in args.db:
        results["databases"][db] = bench_database(db, sorted(args.sizes), args, wrk)
    RESULTS.mkdir(parents=True, exist_ok=True)
    base = RESULTS / stamp
    base.with_suffix(".json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    table = report.markdown(results)
    base.with_suffix(".md").write_text(table)
    report.chart(results, base.with_suffix(".png"))
    print("\n" + table)
    print(f"written {base.relative_to(REPO)}.json, .md and .png")


if __name__ == "__main__":
    main()

"""Footprint of the core: cold start to the first /hello answer, and RSS per worker.

Usage: .venv/bin/python bench/footprint.py [--runs 5] [--connection-uri URI]
Starts `gunicorn "core_app:create_app()"` (2 workers) in a fresh directory each run and
prints the median cold start and the resident memory of each worker after start.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def one_run(port: int, connection_uri: str | None) -> tuple[float, list[int]]:
    with tempfile.TemporaryDirectory() as workdir:
        Path(workdir, "config.yaml").write_text("")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SUPERTOKENS_")}
        env["SUPERTOKENS_CONFIG"] = str(Path(workdir, "config.yaml"))
        env["PYTHONPATH"] = str(REPO)
        if connection_uri:
            env["SUPERTOKENS_CONNECTION_URI"] = connection_uri
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "core_app:create_app()"], cwd=workdir, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while True:
                try:
                    if requests.get(f"http://127.0.0.1:{port}/hello", timeout=1).ok:
                        break
                except requests.ConnectionError:
                    time.sleep(0.01)
                if time.monotonic() - started > 30:
                    raise RuntimeError("no answer in 30 s")
            cold_start = time.monotonic() - started
            time.sleep(1.0)  # let the second worker finish booting
            children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text()
            rss = [_rss_kib(int(pid)) for pid in children.split()]
            return cold_start, rss
        finally:
            process.terminate()
            process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--port", type=int, default=3599)
    parser.add_argument("--connection-uri", default=None)
    args = parser.parse_args()
    starts, rss = [], []
    for _ in range(args.runs):
        cold_start, worker_rss = one_run(args.port, args.connection_uri)
        starts.append(cold_start)
        rss.extend(worker_rss)
    result = {"cold_start_s_median": round(statistics.median(starts), 3),
              "cold_start_s_all": [round(s, 3) for s in starts],
              "worker_rss_mib_median": round(statistics.median(rss) / 1024, 1),
              "worker_rss_mib_max": round(max(rss) / 1024, 1)}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""Run the core as an operator would: gunicorn in its own process, on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

START_TIMEOUT_S = 30.0
GUNICORN_WORKERS = 2


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class CoreProcess:
    """``gunicorn -c python:core_app.gunicorn_config "core_app:create_app()"`` started in
    ``workdir`` with ``env`` added.

    Use as a context manager; ``url`` is the base URL, ``output()`` what gunicorn printed.
    The core reads ``workdir/config.yaml``: ``config`` (keys and values) is written there,
    else an existing file is kept, else an empty one is made. No ``SUPERTOKENS_*`` variable
    of the test process leaks in; ``env`` sets them (e.g. ``SUPERTOKENS_CONNECTION_URI``).
    """

    def __init__(
        self,
        workdir: Path,
        env: dict[str, str],
        workers: int = GUNICORN_WORKERS,
        config: Mapping[str, Any] | None = None,
    ):
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config_file = workdir / "config.yaml"
        if config is not None:
            config_file.write_text(yaml.safe_dump(dict(config)))
        elif not config_file.exists():
            config_file.write_text("")
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SUPERTOKENS_")},
            "SUPERTOKENS_CONFIG": str(config_file),
            **env,
        }
        self.command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:core_app.gunicorn_config",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "core_app:create_app()",
        ]
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "CoreProcess":
        self.log = open(self.workdir / "gunicorn.log", "wb")
        self.process = subprocess.Popen(
            self.command, cwd=self.workdir, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        try:
            return self._wait_until_ready()
        except BaseException:
            self.__exit__(None, None, None)  # never leave a server behind
            raise

    def _wait_until_ready(self) -> "CoreProcess":
        import requests  # a test extra: imported when a core is started, not with the kit

        started = time.monotonic()
        while time.monotonic() - started < START_TIMEOUT_S:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.output()}")
            try:
                if requests.get(self.url + "/hello", timeout=5).text.strip() == "Hello":
                    return self
            except requests.RequestException:
                pass  # not listening yet, or a worker still booting
            time.sleep(0.05)
        raise RuntimeError(f"gunicorn did not answer /hello in {START_TIMEOUT_S}s")

    def output(self) -> str:
        """What gunicorn printed so far."""
        self.log.flush()
        return (self.workdir / "gunicorn.log").read_text(errors="replace")

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

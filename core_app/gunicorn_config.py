"""gunicorn's configuration for the core: ``gunicorn -c python:core_app.gunicorn_config
"core_app:create_app()"`` (``supertokens-core start`` and the testing kit use it).

- **Metrics across workers.** ``on_starting`` (in the master, before any worker exists)
  makes a fresh directory for prometheus-client's multiprocess files, under the system's
  temporary directory unless the operator set ``PROMETHEUS_MULTIPROC_DIR`` (then its old
  ``*.db`` files are removed: figures of a previous run must not be added in), and sets the
  variable the workers inherit. ``child_exit`` marks a dead worker, so its gauges stop
  counting; its counters stay in the totals. ``on_exit`` removes a directory made here.
  Importing this module (and ``core_app``) never imports ``prometheus_client``: it must see
  the variable when first imported. With ``--preload`` the app is built before
  ``on_starting``: use ``supertokens-core start``, or set the variable yourself.
- **Logs.** gunicorn's error log and the access log (on by default, at INFO) use the core's
  format and fields (``core_app.logs``), from the same configuration the core reads.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger

from core_app.config import (
    HOST_KEYS,
    ConfigSchema,
    config_file_path,
    read_config_file,
    read_environment,
)
from core_app.logs import gunicorn_logging, request_fields
from core_app.metrics import MULTIPROCESS_DIRECTORY_ENV
from core_app.metrics.api import ROUTE_ENVIRON_KEY

# Set in this process's environment when the directory was made here (removed on exit).
MADE_HERE_ENV = "SUPERTOKENS_METRICS_DIRECTORY_MADE"
USER_AGENT_MAX_CHARS = 200


def prepare_metrics_directory() -> str:
    """Make the multiprocess metrics directory and set ``PROMETHEUS_MULTIPROC_DIR``.

    Idempotent: a directory set already (by the operator, or earlier in this process) is
    kept and emptied of figure files.
    """
    path = os.environ.get(MULTIPROCESS_DIRECTORY_ENV)
    if path:
        os.makedirs(path, exist_ok=True)
        for stale in glob.glob(os.path.join(path, "*.db")):
            os.remove(stale)
        return path
    path = tempfile.mkdtemp(prefix="supertokens-metrics-")
    os.environ[MULTIPROCESS_DIRECTORY_ENV] = path
    os.environ[MADE_HERE_ENV] = path
    return path


def on_starting(_server: Any) -> None:
    """gunicorn hook (master, once): the metrics directory, before any worker starts."""
    prepare_metrics_directory()


def child_exit(_server: Any, worker: Any) -> None:
    """gunicorn hook (master): a worker ended; its live gauges stop counting."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(_server: Any) -> None:
    """gunicorn hook (master, at shutdown): remove the metrics directory made here."""
    made = os.environ.get(MADE_HERE_ENV)
    if made and made == os.environ.get(MULTIPROCESS_DIRECTORY_ENV):
        shutil.rmtree(made, ignore_errors=True)


class AccessLog(Logger):
    """gunicorn's logger with a structured access line: method, path (never the query),
    status, duration, bytes, client, and the request's id, app and tenant."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        """One line per answered request on ``gunicorn.access``."""
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        duration_ms = round(request_time.total_seconds() * 1000, 3)
        fields = {
            "method": environ.get("REQUEST_METHOD"),
            "path": req.path,
            "route": environ.get(ROUTE_ENVIRON_KEY),
            "status": int(status),
            "duration_ms": duration_ms,
            "bytes": getattr(resp, "sent", None),
            "remote_addr": environ.get("REMOTE_ADDR"),
            "user_agent": environ.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_CHARS],
            **request_fields(environ),
        }
        self.access_log.info(
            "%s %s %s %.1f ms", fields["method"], req.path, status, duration_ms, extra=fields
        )


def _settings() -> Any:
    """The host's settings from the config file and environment (as ``create_app`` reads
    them; recipes' keys are not needed here)."""
    schema = ConfigSchema()
    schema.add(HOST_KEYS)
    layers = [read_config_file(config_file_path()), read_environment(schema, os.environ)]
    return schema.resolve(layers, test_mode=False)


logger_class = AccessLog
logconfig_dict = gunicorn_logging(_settings())

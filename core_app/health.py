"""``/health/live`` and ``/health/ready``: what a load balancer or an orchestrator asks.

Both answer without an api key, as process-wide routes (``core_app.routes.route``,
``process_wide=True``: no IP filter, no tenant prefix, no app looked up, no rate limit by
app): a probe has no key and must not be refused because of an app's settings. They reveal
nothing secret: liveness says only that the process answers; readiness names each database
the core uses the way ``supertokens-core migrate`` prints it
(``core_app.housekeeping.database_name``: host, port, user and database, never the
password) with ``OK`` or the kind of failure (the exception's class, not its text: the
details go to the log).

Readiness costs every database one connection and the schema check of
``core_app.storage.Storage.schema_status`` (two small queries). Since anyone who reaches the
core may call it, one answer is computed at a time per process and reused for
``READY_ANSWER_TTL_S``: a flood of probes is not a flood of queries.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, current_app

from core_app.config import ConfigError
from core_app.errors import JSON_CONTENT_TYPE
from core_app.housekeeping import database_name, databases
from core_app.migrations import SchemaBehind
from core_app.routes import RequestContext, Scope, route

log = logging.getLogger("core_app.health")
blueprint = Blueprint("health", __name__)

LIVE_PATH = "/health/live"
READY_PATH = "/health/ready"
READY_ANSWER_TTL_S = 1.0
OK = "OK"


@dataclass(frozen=True)
class DatabaseHealth:
    """One database as readiness reports it."""

    name: str  # the URI with its password hidden
    problem: str | None  # None when it answers and its schema is current

    def as_json(self) -> dict[str, Any]:
        """The entry of the readiness body."""
        if self.problem is None:
            return {"name": self.name, "status": OK}
        return {"name": self.name, "status": "ERROR", "error": self.problem}


class _ReadinessCache:
    """The last readiness answer of this process, recomputed at most every TTL."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answer: tuple[float, list[DatabaseHealth]] | None = None

    def get(self, core: Any) -> list[DatabaseHealth]:
        with self._lock:
            now = time.monotonic()
            if self._answer is None or now - self._answer[0] >= READY_ANSWER_TTL_S:
                self._answer = (time.monotonic(), database_health(core))
            return self._answer[1]


def database_health(core: Any) -> list[DatabaseHealth]:
    """Every database the core knows (the base one, each app's or tenant's own, and their
    read replicas), each checked now."""
    try:
        uris = databases(core)
    except Exception as error:  # noqa: BLE001 - any failure here means "not ready", not a 500
        # The base database lists the others: when it fails, it is the one to report.
        log.warning("readiness: the base database fails: %s", error)
        return [DatabaseHealth(database_name(core.storage.base_uri), _problem(error))]
    report = []
    for uri in uris:
        problem = _schema_problem(core, uri)
        report.append(DatabaseHealth(database_name(uri), problem))
        if problem is None:
            report.extend(_replica_health(core, uri))
    return report


def _schema_problem(core: Any, uri: str) -> str | None:
    try:
        status = core.storage.schema_status(uri)
    except Exception as error:  # noqa: BLE001 - any failure of a database is "not ready"
        log.warning("readiness: database %s fails: %s", database_name(uri), error)
        return _problem(error)
    if status.behind:
        return f"schema behind, pending: {', '.join(status.pending)} (run supertokens-core migrate)"
    return None


def _replica_health(core: Any, uri: str) -> list[DatabaseHealth]:
    try:
        replica = core.storage.replica_engine(uri)
        if replica is None:
            return []
        with replica.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        return [DatabaseHealth(database_name(str(replica.url)), None)]
    except Exception as error:  # noqa: BLE001 - any failure of a replica is "not ready"
        log.warning("readiness: the read replica of %s fails: %s", database_name(uri), error)
        return [DatabaseHealth(f"read replica of {database_name(uri)}", _problem(error))]


def _problem(error: BaseException) -> str:
    """What a failure was, without its message (which may hold a host's details)."""
    if isinstance(error, ConfigError) and not isinstance(error, SchemaBehind):
        return "refused by the database settings (see the log)"
    if isinstance(error, SchemaBehind):
        return "schema behind (run supertokens-core migrate)"
    original = getattr(error, "orig", None)
    kind = type(original if original is not None else error).__name__
    return f"does not answer ({kind}; see the log)"


READINESS_EXTENSION_KEY = "supertokens_readiness"


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(body) + "\n", status=status, content_type=JSON_CONTENT_TYPE)


@route(blueprint, LIVE_PATH, ["GET"], scope=Scope.NO_AUTH, process_wide=True)
def live(ctx: RequestContext) -> Response:
    """GET /health/live: 200 ``{"status": "OK"}`` while the process serves; no database."""
    return _json({"status": OK}, 200)


@route(blueprint, READY_PATH, ["GET"], scope=Scope.NO_AUTH, process_wide=True)
def ready(ctx: RequestContext) -> Response:
    """GET /health/ready: 200 when every database answers with a current schema, else 503.

    The body lists each database by its name without password, with its status.
    """
    cache = current_app.extensions.setdefault(READINESS_EXTENSION_KEY, _ReadinessCache())
    report = cache.get(ctx.core)
    failing = [entry for entry in report if entry.problem is not None]
    body = {
        "status": OK if not failing else "NOT_READY",
        "databases": [entry.as_json() for entry in report],
    }
    return _json(body, 503 if failing else 200)

"""Metrics in the Prometheus text format: what the core counts and how it is collected.

Decisions:

- **Multiprocess.** gunicorn runs several workers; each counts in files of
  ``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess mode) and ``GET /metrics``
  sums them, so a total is right whichever worker answered the scrape. The variable must
  be set before ``prometheus_client`` is first imported in the process, which
  ``core_app.gunicorn_config`` does in gunicorn's master; so this package imports it only
  when the first figure is recorded (``core_metrics``), never at ``import core_app``.
  Without the variable (one process, Flask's test client) the figures live in memory.
- **Labels.** ``app`` on every per-request figure; ``tenant`` holds the tenant id only with
  ``metrics_tenant_label: true``, else it is empty (Prometheus drops an empty label), since
  tenants can number in the thousands. A request the core cannot tie to an existing app
  (an unknown app id or path) has an empty ``app``: ids in a path are the caller's, and a
  label per made-up id would let anyone grow the series without bound. ``route`` is the
  route's rule, never the raw path. No user id, email, token or key is ever a label value.
- **Outcomes** are the ``status`` of each JSON answer with the recipe owning the route, so
  recipes count without code of their own; session creations, refreshes and detected token
  theft are read off the session routes' statuses the same way (``SESSION_EVENTS``).
- **Pools**: a gauge of the connections checked out of each database's pool, summed over
  live workers, labelled by the database's URL without user, password or options.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import Engine, event
from sqlalchemy.engine import URL, make_url

from core_app.tenant_prefix import TenantIdentifier

MULTIPROCESS_DIRECTORY_ENV = "PROMETHEUS_MULTIPROC_DIR"
# The recipe label of the host's own routes (multitenancy, users, /hello, ...).
HOST_RECIPE = "host"
UNATTRIBUTED = ""
# A status label is one of the contract's constants; anything else a view answered (a status
# copied from input, say) is counted as OTHER_STATUS.
STATUS_PATTERN = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
OTHER_STATUS = "OTHER"
# Seconds; a verify is well under a millisecond, an argon2 sign-in a few hundred.
LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# (recipe, route, method, status) of an answer -> the session event it is.
SESSION_EVENTS: Mapping[tuple[str, str, str, str], str] = {
    ("session", "/recipe/session", "POST", "OK"): "created",
    ("session", "/recipe/session/refresh", "POST", "OK"): "refreshed",
    ("session", "/recipe/session/refresh", "POST", "TOKEN_THEFT_DETECTED"): "token_theft_detected",
}


@dataclass(frozen=True)
class CoreMetrics:
    """The core's collectors (``prometheus_client`` objects), one set per process."""

    registry: Any
    requests: Any
    latency: Any
    outcomes: Any
    session_events: Any
    throttle_refusals: Any
    recipe_events: Any
    connections_in_use: Any


@functools.cache
def core_metrics() -> CoreMetrics:
    """The collectors, made (and ``prometheus_client`` imported) on first use."""
    from prometheus_client import (
        CollectorRegistry,
        Counter,
        Gauge,
        Histogram,
        disable_created_metrics,
    )

    # The `_created` series double the output for nothing a dashboard uses (and the
    # multiprocess collector never has them): the same figures in both modes.
    disable_created_metrics()
    registry = CollectorRegistry()
    return CoreMetrics(
        registry,
        Counter(
            "supertokens_http_requests",
            "Requests answered, by route rule, method and HTTP status",
            ["app", "tenant", "route", "method", "status"],
            registry=registry,
        ),
        Histogram(
            "supertokens_http_request_duration_seconds",
            "Time from routing to the answer, by route rule and method",
            ["app", "route", "method"],
            buckets=LATENCY_BUCKETS_S,
            registry=registry,
        ),
        Counter(
            "supertokens_recipe_outcomes",
            "JSON answers by the recipe owning the route and their status field",
            ["app", "tenant", "recipe", "route", "method", "status"],
            registry=registry,
        ),
        Counter(
            "supertokens_session_events",
            "Sessions created and refreshed, and refresh tokens reused (token theft)",
            ["app", "tenant", "event"],
            registry=registry,
        ),
        Counter(
            "supertokens_throttle_refusals",
            "Attempts a guessing limit refused, by the limit's kind (core_app.throttling)",
            ["app", "tenant", "kind"],
            registry=registry,
        ),
        Counter(
            "supertokens_recipe_events",
            "Events a recipe counts itself (core_app.plugin_api.count_event), e.g. the "
            "session recipe's signing-key rotations",
            ["app", "recipe", "event"],
            registry=registry,
        ),
        Gauge(
            "supertokens_database_connections_in_use",
            "Connections checked out of the pools of a database, summed over live workers",
            ["database"],
            multiprocess_mode="livesum",
            registry=registry,
        ),
    )


Labels = tuple[str, str]  # the app and tenant label values
_children: dict[tuple[int, tuple[str, ...]], Any] = {}


def _child(collector: Any, *values: str) -> Any:
    """``collector.labels(*values)``, remembered: ``labels`` checks its input and takes a
    lock on every call, the larger part of a figure's cost on a fast request. The label
    values are bounded (see above), so this is as small as the collector's own table."""
    key = (id(collector), values)
    child = _children.get(key)
    if child is None:
        child = _children[key] = collector.labels(*values)
    return child


def tenant_labels(tenant: TenantIdentifier | None, with_tenant: bool | None = None) -> Labels:
    """The ``app`` and ``tenant`` label values of an existing tenant (None: unattributed).

    ``with_tenant`` is the core's ``metrics_tenant_label``; None reads it from the app of
    the current request.
    """
    if tenant is None:
        return UNATTRIBUTED, UNATTRIBUTED
    if with_tenant is None:
        with_tenant = (
            has_app_context()
            and current_app.extensions["supertokens_core"].settings.metrics_tenant_label
        )
    return tenant.app_id, tenant.tenant_id if with_tenant else UNATTRIBUTED


def record_request(labels: Labels, route: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request and its duration."""
    metrics = core_metrics()
    _child(metrics.requests, *labels, route, method, str(status)).inc()
    _child(metrics.latency, labels[0], route, method).observe(seconds)


def record_outcome(labels: Labels, recipe: str, route: str, method: str, status: str) -> None:
    """Count one JSON answer's ``status``, and the session event it stands for, if any."""
    metrics = core_metrics()
    if not isinstance(status, str) or not STATUS_PATTERN.fullmatch(status):
        status = OTHER_STATUS
    _child(metrics.outcomes, *labels, recipe, route, method, status).inc()
    event_name = SESSION_EVENTS.get((recipe, route, method, status))
    if event_name is not None:
        _child(metrics.session_events, *labels, event_name).inc()


def record_throttle_refusal(tenant: TenantIdentifier, kind: str) -> None:
    """Count one attempt a guessing limit of ``kind`` refused in ``tenant``."""
    _child(core_metrics().throttle_refusals, *tenant_labels(tenant), kind).inc()


def record_recipe_event(recipe: str, event: str, app_id: str) -> None:
    """Count one ``event`` of ``recipe`` in app ``app_id``."""
    _child(core_metrics().recipe_events, app_id, recipe, event).inc()


def database_label(uri: str) -> str:
    """A database's URL as a label: backend, host, port and name; no user, password or
    options."""
    url = make_url(uri)
    shown = URL.create(url.drivername, host=url.host, port=url.port, database=url.database)
    return shown.render_as_string(hide_password=False)


def watch_pool(engine: Engine, uri: str) -> None:
    """Keep the gauge of ``uri``'s connections in use up to date from ``engine``'s pool.

    Register it after any checkout listener that may refuse a connection (the idle ping):
    a refused checkout is never checked in.
    """
    in_use = core_metrics().connections_in_use.labels(database_label(uri))

    @event.listens_for(engine, "checkout")
    def _checked_out(*_args: Any) -> None:
        in_use.inc()

    @event.listens_for(engine, "checkin")
    def _checked_in(*_args: Any) -> None:
        in_use.dec()


def exposition() -> tuple[bytes, str]:
    """Every figure in the Prometheus text format, with its content type; in multiprocess
    mode the sum over the workers' files (and the dead workers' counters)."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = core_metrics().registry
    if os.environ.get(MULTIPROCESS_DIRECTORY_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    return generate_latest(registry), CONTENT_TYPE_LATEST

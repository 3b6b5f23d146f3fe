"""``GET /metrics`` and the request observer that feeds the per-request figures.

``/metrics`` shows every app's figures, so with ``api_keys`` set it needs one of the
operator's keys (config file or environment), like database settings
(``core_app.database_policy``); an app team's own key is no key of the base app and gets
401. With none set, whoever can reach the core is the
operator, as for every other route. It is a route of the base app only: a tenant or app
prefix answers 403 (400 for an unknown one), and the scrape itself is not counted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from flask import Blueprint, Flask, Response, request

from core_app.errors import Forbidden
from core_app.metrics import (
    HOST_RECIPE,
    exposition,
    record_outcome,
    record_request,
    tenant_labels,
)
from core_app.recipes import RecipeDescriptor
from core_app.routes import (
    KNOWN_TENANT_ENVIRON_KEY,
    OUTCOME_ENVIRON_KEY,
    RequestContext,
    Scope,
    route,
)

blueprint = Blueprint("metrics", __name__)
OPERATOR_ONLY = (
    "Only the operator's api key (api_keys in the config file or environment) can read /metrics"
)
# Method labels: anything else a caller sends is counted as OTHER (a label per made-up
# method would grow without bound).
METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"})
STARTED_ENVIRON_KEY = "supertokens.started"
# The route's rule, for the access log (core_app.gunicorn_config).
ROUTE_ENVIRON_KEY = "supertokens.route"
OWNERS_EXTENSION_KEY = "supertokens_metrics_owners"


@route(
    blueprint,
    "/metrics",
    ["GET"],
    scope=Scope.ROOT,
    check_version=False,
    root_message="/metrics is served for the base app only, without an app or tenant prefix",
)
def metrics_document(ctx: RequestContext) -> Response:
    """GET /metrics: every figure in the Prometheus text format (an extension)."""
    # The api key check of the base app already admits only the operator's keys (the base
    # app has no keys of its own); stated here so that the rule holds if that ever changes.
    if not ctx.by_operator:
        raise Forbidden(OPERATOR_ONLY)
    body, content_type = exposition()
    return Response(body, status=200, content_type=content_type)


def observe_requests(app: Flask, recipes: Iterable[RecipeDescriptor]) -> None:
    """Count every request of ``app`` by route, method and status, time it, and count its
    JSON ``status`` under the recipe owning the view that answered."""
    owners = app.extensions[OWNERS_EXTENSION_KEY] = view_owners(app, recipes)
    scrape_prefix = blueprint.name + "."

    # Each runs on every request: the request proxy is resolved once, and the settings are
    # read from ``app`` itself (a verify is a few hundred microseconds; see the README).
    @app.before_request
    def _start() -> None:
        request.environ[STARTED_ENVIRON_KEY] = time.perf_counter()

    @app.after_request
    def _record(response: Response) -> Response:
        answered = request._get_current_object()  # type: ignore[attr-defined]
        environ = answered.environ
        url_rule = answered.url_rule
        rule = url_rule.rule if url_rule is not None else ""
        environ[ROUTE_ENVIRON_KEY] = rule
        if url_rule is not None and url_rule.endpoint.startswith(scrape_prefix):
            return response
        seconds = time.perf_counter() - environ.get(STARTED_ENVIRON_KEY, time.perf_counter())
        method = answered.method if answered.method in METHODS else "OTHER"
        with_tenant = app.extensions["supertokens_core"].settings.metrics_tenant_label
        labels = tenant_labels(environ.get(KNOWN_TENANT_ENVIRON_KEY), with_tenant)
        record_request(labels, rule, method, response.status_code, seconds)
        outcome = environ.get(OUTCOME_ENVIRON_KEY)
        if outcome is not None:
            view, status = outcome
            record_outcome(labels, owners.get(view, HOST_RECIPE), rule, method, status)
        return response


def view_owners(app: Flask, recipes: Iterable[RecipeDescriptor]) -> dict[Callable, str]:
    """The recipe id of every recipe view (``route``'s view function), by its blueprint."""
    owners = {id(bp): recipe.id for recipe in recipes for bp in recipe.blueprints}
    table: dict[Callable, str] = {}
    for rule in app.url_map.iter_rules():
        endpoint = app.view_functions[rule.endpoint]
        view = getattr(endpoint, "route_view", None)
        registered = app.blueprints.get(rule.endpoint.split(".", 1)[0])
        if view is not None and id(registered) in owners:
            table[view] = owners[id(registered)]
    return table

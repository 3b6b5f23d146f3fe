"""Routes that tell a client about the service: ``/hello``, ``/``, ``/apiversion`` and
``/openapi.json``.

Registered as a host plugin (contract, conventions §6 and §11).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Blueprint, Response, current_app

from core_app import openapi
from core_app.config import SUPPORTED_CDI_VERSIONS
from core_app.errors import NotFound, json_response, text_response
from core_app.inputs import QueryString, RequestSchema
from core_app.routes import RequestContext, Scope, route
from core_app.tenancy import store

blueprint = Blueprint("service_info", __name__)
HELLO_METHODS = ["GET", "POST", "PUT", "DELETE"]

# /hello proves the database answers, but a flood of /hello must not become a flood of
# queries: each app has a bucket of HELLO_BURST reads, one back every HELLO_REFILL_S.
HELLO_BURST = 5
HELLO_REFILL_S = 0.2


class _ReadBudget:
    """A token bucket per app id."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, app_id: str) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(app_id, (HELLO_BURST, now))
            tokens = min(HELLO_BURST, tokens + (now - last) / HELLO_REFILL_S)
            allowed = tokens >= 1
            self._buckets[app_id] = (tokens - 1 if allowed else tokens, now)
        return allowed


_hello_reads = _ReadBudget()


def _hello(ctx: RequestContext) -> Response:
    if _hello_reads.take(ctx.tenant.app_id):
        store.read_value(ctx.connection_for(ctx.tenant.app), ctx.tenant.app, "hello")
    return text_response("Hello", 200)


@route(blueprint, "/hello", HELLO_METHODS, scope=Scope.NO_AUTH)
def hello(ctx: RequestContext) -> Response:
    """/hello: ``Hello`` once the app's database answers."""
    return _hello(ctx)


@route(blueprint, "/", HELLO_METHODS, scope=Scope.NO_AUTH)
def root(ctx: RequestContext) -> Response:
    """/ (with optional app and tenant): like /hello, but an unknown tenant is 404."""
    if not ctx.core.directory.exists(ctx.tenant):
        raise NotFound()
    return _hello(ctx)


class ApiVersionQuery(RequestSchema):
    """The SDK sends both; upstream keeps them for its dashboard. We accept and ignore."""

    apiDomain = QueryString()
    websiteDomain = QueryString()


@route(
    blueprint, "/apiversion", ["GET"], scope=Scope.APP, query=ApiVersionQuery, check_version=False
)
def api_version(ctx: RequestContext) -> dict[str, Any]:
    """GET /apiversion: the CDI versions this core speaks."""
    return {"versions": list(SUPPORTED_CDI_VERSIONS)}


OPENAPI_EXTENSION_KEY = "supertokens_openapi"


@route(blueprint, "/openapi.json", ["GET"], scope=Scope.APP, check_version=False)
def openapi_document(ctx: RequestContext) -> Response:
    """GET /openapi.json: the OpenAPI 3.1 document of this core's routes (an extension).

    It lists the enabled recipes only, so it needs an api key like /apiversion. Built once
    per process: the routes do not change after start.
    """
    document = current_app.extensions.get(OPENAPI_EXTENSION_KEY)
    if document is None:
        document = current_app.extensions[OPENAPI_EXTENSION_KEY] = openapi.build_document(
            current_app
        )
    return json_response(document)

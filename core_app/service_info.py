"""Routes that tell a client about the service: ``/hello``, ``/``, ``/apiversion``,
``/openapi.json`` and its browsable page ``/api-reference``.

Registered as a host plugin (contract, conventions §6 and §11).
"""

from __future__ import annotations

import html
import re
import threading
import time
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, request, send_file
from swagger_ui_bundle import swagger_ui_path

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


# --- GET /api-reference: the OpenAPI document in a browser ---------------------------------
#
# Swagger UI's files come from the ``swagger_ui_bundle`` package (no CDN: the page works on
# a core with no way out to the internet). The page and its files reveal nothing: every route
# it shows comes from /openapi.json, which needs the api key exactly as before. The page asks
# for the key when /openapi.json answers 401 and sends it as the ``api-key`` header (kept in
# the tab's sessionStorage), also on "Try it out".
API_REFERENCE_PATH = "/api-reference"
# Swagger UI's files the page loads, by the name they are served under, with their type.
API_REFERENCE_ASSETS = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
}
ASSET_MAX_AGE_S = 86_400
_PAGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}
# Asks for the api key only when /openapi.json refuses the request without one.
_INITIALIZER = """\
"use strict";
(function () {
  var KEY_ITEM = "supertokens-core-api-key";
  var root = document.getElementById("swagger-ui");
  var documentUrl = root.getAttribute("data-openapi-url");
  var form = document.getElementById("api-key-form");

  function withKey(key, headers) {
    if (key) headers["api-key"] = key;
    return headers;
  }

  function show(key) {
    var ui = SwaggerUIBundle({
      url: documentUrl,
      domNode: root,
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "BaseLayout",
      requestInterceptor: function (request) {
        withKey(key, request.headers);
        return request;
      },
    });
    if (key) ui.preauthorizeApiKey("api-key", key);
  }

  function load(key) {
    fetch(documentUrl, { headers: withKey(key, {}) }).then(function (answer) {
      if (answer.status === 401) {
        sessionStorage.removeItem(KEY_ITEM);
        form.hidden = false;
        document.getElementById("api-key-refused").hidden = !key;
        return;
      }
      form.hidden = true;
      if (key) sessionStorage.setItem(KEY_ITEM, key);
      show(key);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    load(document.getElementById("api-key").value.trim());
  });
  load(sessionStorage.getItem(KEY_ITEM));
})();
"""
_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>SuperTokens core API reference</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
<form id="api-key-form" hidden>
<p>This core has api keys: enter one to read its API reference.</p>
<input id="api-key" type="password" autocomplete="off" aria-label="api key">
<button type="submit">Show</button>
<p id="api-key-refused" hidden>That key was refused.</p>
</form>
<div id="swagger-ui" data-openapi-url="{document}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{assets}/swagger-ui-standalone-preset.js"></script>
<script src="{assets}/initializer.js"></script>
</body>
</html>
"""


def _prefix(ctx: RequestContext) -> str:
    """The path the request's routes start with: the script root and ``base_path``."""
    return request.script_root + ctx.core.settings.base_path


@route(blueprint, API_REFERENCE_PATH, ["GET"], scope=Scope.NO_AUTH, process_wide=True)
def api_reference(ctx: RequestContext) -> Response:
    """GET /api-reference: /openapi.json as a browsable page (Swagger UI, an extension)."""
    prefix = _prefix(ctx)
    page = _PAGE.format(
        assets=html.escape(prefix + API_REFERENCE_PATH, quote=True),
        document=html.escape(prefix + "/openapi.json", quote=True),
    )
    return Response(page, 200, content_type="text/html; charset=utf-8", headers=_PAGE_HEADERS)


@route(
    blueprint,
    API_REFERENCE_PATH + "/initializer.js",
    ["GET"],
    scope=Scope.NO_AUTH,
    process_wide=True,
)
def api_reference_initializer(ctx: RequestContext) -> Response:
    """GET /api-reference/initializer.js: starts Swagger UI on /openapi.json with the key."""
    return _asset(_INITIALIZER.encode(), "text/javascript; charset=utf-8")


def _asset(content: bytes, content_type: str) -> Response:
    answer = Response(content, 200, content_type=content_type, headers=_PAGE_HEADERS)
    answer.cache_control.public = True
    answer.cache_control.max_age = ASSET_MAX_AGE_S
    return answer


def _bundled_file(name: str, content_type: str) -> Response:
    # send_file answers If-None-Match / If-Modified-Since with 304: browsers keep the files.
    answer = send_file(
        Path(str(swagger_ui_path)) / name, mimetype=content_type, max_age=ASSET_MAX_AGE_S
    )
    answer.headers.update(_PAGE_HEADERS)
    return answer


def _declare_asset(name: str, content_type: str) -> None:
    """A route serving one of Swagger UI's files from the installed package."""

    def serve(ctx: RequestContext) -> Response:
        return _bundled_file(name, content_type)

    serve.__name__ = "api_reference_" + re.sub(r"\W", "_", name)
    serve.__doc__ = f"GET /api-reference/{name}: Swagger UI's {name}, from swagger_ui_bundle."
    route(
        blueprint, f"{API_REFERENCE_PATH}/{name}", ["GET"], scope=Scope.NO_AUTH, process_wide=True
    )(serve)


for _name, _content_type in API_REFERENCE_ASSETS.items():
    _declare_asset(_name, _content_type)

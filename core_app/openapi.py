"""The OpenAPI 3.1 document of the running core, built from its routes.

Every view is declared through ``core_app.routes.route`` with its scope and its marshmallow
input schema, so the document is derived from the same declarations that validate
requests: it lists exactly the routes of the enabled recipes and the host, and it cannot
drift from what the core accepts. ``GET /openapi.json`` serves it (``service_info``); the
fuzz test (tests/core_app/test_fuzz.py) drives every operation from it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import Schema

from core_app.config import SUPPORTED_CDI_VERSIONS
from core_app.inputs import JsonString, QueryBoolean, QueryInt, QueryLong, QueryString
from core_app.routes import RID_DEFAULT, RouteSpec, Scope

OPENAPI_VERSION = "3.1.0"
DOCUMENT_TITLE = "SuperTokens Core Driver Interface"
API_KEY_SCHEME = "api-key"
DOCUMENTED_METHODS = ("GET", "POST", "PUT", "DELETE")

DESCRIPTION = f"""\
The Core Driver Interface (CDI {SUPPORTED_CDI_VERSIONS[-1]}) as this core serves it, with
the recipes enabled in its configuration.

Paths are listed without their tenant prefix. Every path may be prefixed with
`/appid-<appId>` (an app) and then `/<tenantId>` (a tenant of it), e.g.
`/appid-shop/eu/recipe/signup`; the operation's `x-supertokens-scope` says which apps and
tenants may call it: `tenant` (any existing app and tenant), `app` (an app's public tenant
only), `app, tenant ignored` (any tenant segment is accepted and ignored), `root` (only the
public app's public tenant), `handler` (the operation applies its own rule, given in its
description) and `no-auth` (no api key, no cdi-version).

Errors other than business outcomes are plain-text bodies (400 bad input, 401 api key,
403 scope, 404 unknown path, 405 method, 413 body too large).
"""

_QUERY_PARAMETER_TYPES: list[tuple[type, tuple[str, str | None]]] = [
    (QueryBoolean, ("boolean", None)),
    (QueryLong, ("integer", "int64")),
    (QueryInt, ("integer", "int32")),
]


def _schema_name(schema: type[Schema] | Schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    # Several recipes have a ``UserQuery``: qualify by the package that declares it.
    package = cls.__module__.split(".")[-2] if "." in cls.__module__ else cls.__module__
    return f"{package}.{cls.__name__}"


def _max_length(converter: Any, field: Any, **_: Any) -> dict[str, Any]:
    limit = getattr(field, "max_length", None)
    if isinstance(field, JsonString) and limit is not None:
        return {"maxLength": limit}
    return {}


def build_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``app``'s routes (the enabled recipes and the host)."""
    marshmallow = MarshmallowPlugin(schema_name_resolver=_schema_name)
    spec = APISpec(
        title=DOCUMENT_TITLE,
        version=SUPPORTED_CDI_VERSIONS[-1],
        openapi_version=OPENAPI_VERSION,
        plugins=[marshmallow],
        info={"description": DESCRIPTION},
    )
    for field_class, openapi_type in _QUERY_PARAMETER_TYPES:
        marshmallow.map_to_openapi_type(field_class, *openapi_type)
    marshmallow.map_to_openapi_type(QueryString, "string", None)
    marshmallow.converter.add_attribute_function(_max_length)
    spec.components.security_scheme(
        API_KEY_SCHEME,
        {
            "type": "apiKey",
            "in": "header",
            "name": "api-key",
            "description": "One of the app's api_keys (or the operator's); none when unset.",
        },
    )
    spec.components.parameter(
        "cdiVersion",
        "header",
        {
            "name": "cdi-version",
            "required": False,
            "description": "The CDI version the caller speaks; the newest when absent.",
            "schema": {"type": "string", "enum": list(SUPPORTED_CDI_VERSIONS)},
        },
    )
    for path, operations in _operations(app).items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _operations(app: Flask) -> dict[str, dict[str, Any]]:
    """Operations by path and method; views that share a path by ``rid`` are one operation."""
    views: dict[tuple[str, str], list[tuple[str, Callable, RouteSpec]]] = {}
    for rule in app.url_map.iter_rules():
        endpoint = app.view_functions[rule.endpoint]
        spec: RouteSpec | None = getattr(endpoint, "route_spec", None)
        if spec is None:
            continue
        for method in sorted(set(rule.methods or ()) & set(DOCUMENTED_METHODS)):
            views.setdefault((rule.rule, method), []).append((rule.endpoint, endpoint, spec))
    paths: dict[str, dict[str, Any]] = {}
    for (path, method), shared in sorted(views.items()):
        paths.setdefault(path, {})[method.lower()] = _operation(method, shared)
    return paths


def _operation(method: str, shared: list[tuple[str, Callable, RouteSpec]]) -> dict[str, Any]:
    endpoint_name, _, spec = shared[0]
    docs = [(entry[2].rid, (entry[1].route_view.__doc__ or "").strip()) for entry in shared]
    summary = docs[0][1].splitlines()[0] if docs[0][1] else endpoint_name
    operation: dict[str, Any] = {
        "operationId": f"{method.lower()}:{endpoint_name}",
        "summary": summary,
        "x-supertokens-scope": spec.scope.value,
        "parameters": [],
        "responses": {
            "200": {"description": "The answer (JSON; business outcomes carry a `status`)."},
            "400": {
                "description": "Bad input, unknown app or tenant, unsupported cdi-version",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            },
        },
    }
    if len(shared) > 1:
        operation["description"] = "\n\n".join(
            f"`rid: {rid}`: {doc}" if rid != RID_DEFAULT else f"any other `rid`: {doc}"
            for rid, doc in docs
        )
        operation["parameters"].append(
            {
                "in": "header",
                "name": "rid",
                "required": False,
                "description": "The recipe that answers (views share this path).",
                "schema": {"type": "string"},
            }
        )
    elif "\n" in docs[0][1]:
        operation["description"] = docs[0][1]
    if spec.scope is Scope.NO_AUTH:
        operation["security"] = []
    else:
        operation["security"] = [{API_KEY_SCHEME: []}]
        operation["parameters"].append("cdiVersion")
    bodies = [entry[2].body for entry in shared if entry[2].body is not None]
    queries = [entry[2].query for entry in shared if entry[2].query is not None]
    if method in ("GET", "DELETE") and queries:
        # Views sharing a path read overlapping queries; the default view's describes it.
        default = [
            entry[2].query
            for entry in shared
            if entry[2].rid == RID_DEFAULT and entry[2].query is not None
        ]
        operation["parameters"].append({"in": "query", "schema": (default or queries)[0]})
    elif bodies:
        schema: Any = bodies[0] if len(bodies) == 1 else {"oneOf": bodies}
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    return operation

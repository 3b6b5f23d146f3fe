"""User-metadata routes (contract, roles-metadata part 2)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from core_app.plugin_api import BadRequest, RequestContext, Scope, route
from plugins.usermetadata import schemas, store

blueprint = Blueprint("usermetadata", __name__)

# The most a user's metadata may hold, as compact UTF-8 JSON: what a MySQL TEXT column
# holds. Upstream has no limit of its own and answers a 500 when the database refuses.
MAX_METADATA_BYTES = 65535


def merge(stored: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """The shallow merge of §2.3: each key of ``change`` replaces the stored one; null removes."""
    merged = dict(stored)
    for key, value in change.items():
        merged.pop(key, None)
        if value is not None:
            merged[key] = value
    return merged


@route(
    blueprint,
    "/recipe/user/metadata",
    ["GET"],
    scope=Scope.APP,
    query=schemas.UserQuery,
    replica=True,
)
def get_metadata(ctx: RequestContext) -> dict[str, Any]:
    """GET /recipe/user/metadata: ``{}`` when nothing is stored (§2.2)."""
    stored = store.read(ctx.conn, ctx.tenant.app_id, ctx.input["userId"])
    return {"status": "OK", "metadata": stored or {}}


@route(
    blueprint,
    "/recipe/user/metadata",
    ["PUT"],
    scope=Scope.APP,
    body=schemas.UpdateBody,
    writes=True,
)
def update_metadata(ctx: RequestContext) -> dict[str, Any]:
    """PUT /recipe/user/metadata: merge under the row's lock, store, answer the result (§2.3)."""
    app_id, user_id = ctx.tenant.app_id, ctx.input["userId"]
    merged = merge(store.lock(ctx.conn, app_id, user_id), ctx.input["metadataUpdate"])
    encoded = store.encode(merged)
    if len(encoded.encode()) > MAX_METADATA_BYTES:
        raise BadRequest(
            f"User metadata must be at most {MAX_METADATA_BYTES} bytes as JSON; "
            "this update would make it larger"
        )
    store.write(ctx.conn, app_id, user_id, encoded)
    return {"status": "OK", "metadata": merged}


@route(
    blueprint,
    "/recipe/user/metadata/remove",
    ["POST"],
    scope=Scope.APP,
    body=schemas.RemoveBody,
    writes=True,
)
def remove_metadata(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/user/metadata/remove (§2.4)."""
    store.remove(ctx.conn, ctx.tenant.app_id, [ctx.input["userId"]])
    return {"status": "OK"}


@route(
    blueprint,
    "/recipe/user/metadata/bulk",
    ["POST"],
    scope=Scope.APP,
    body=schemas.BulkBody,
    replica=True,
)
def bulk_metadata(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/user/metadata/bulk: one entry per asked id, null when none (§2.5)."""
    user_ids = ctx.input["userIds"]
    found = store.read_many(ctx.conn, ctx.tenant.app_id, user_ids)
    return {
        "status": "OK",
        "users": [{"userId": user_id, "metadata": found.get(user_id)} for user_id in user_ids],
    }

"""The example routes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from core_app.plugin_api import RequestContext, Scope, route
from st_example_recipe import config, schemas, store

blueprint = Blueprint("example", __name__)


@route(
    blueprint,
    "/recipe/example/note",
    ["POST"],
    scope=Scope.TENANT,
    body=schemas.NoteBody,
    writes=True,
)
def add_note(ctx: RequestContext) -> dict[str, Any]:
    """POST /<tenant>/recipe/example/note: store a note, answer the tenant's greeting.

    ``ctx.conn`` is the tenant's database, inside the request's writing transaction, which
    the host commits when this returns.
    """
    store.add_note(ctx.conn, ctx.tenant, ctx.input["text"])
    return {"status": "OK", "greeting": ctx.settings[config.GREETING_KEY]}


@route(blueprint, "/recipe/user", ["GET"], scope=Scope.APP, rid="example")
def example_user(ctx: RequestContext) -> dict[str, Any]:
    """GET /recipe/user with ``rid: example``: a path shared with the login recipes."""
    return {"status": "OK", "answeredBy": "example"}

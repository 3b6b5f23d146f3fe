"""Core user routes (contract, users §2)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from core_app.inputs import QueryString, RequestSchema
from core_app.routes import RequestContext, Scope, route
from core_app.users import service

blueprint = Blueprint("users", __name__)


class UserIdQuery(RequestSchema):
    """GET /user/id."""

    userId = QueryString(required=True)


@route(blueprint, "/user/id", ["GET"], scope=Scope.APP, query=UserIdQuery)
def get_user(ctx: RequestContext) -> dict[str, Any]:
    """GET /user/id: the user containing this recipe user (§2)."""
    user = service.get_user(ctx.conn, ctx.core.plugins, ctx.tenant.app_id,
                            ctx.input["userId"], ctx.cdi_version)
    if user is None:
        return {"status": "UNKNOWN_USER_ID_ERROR"}
    return {"status": "OK", "user": user}

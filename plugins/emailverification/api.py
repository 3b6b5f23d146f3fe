"""Email-verification routes (contract, emailverification)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from core_app.plugin_api import RequestContext, Scope, route
from plugins.emailverification import schemas, service, store

blueprint = Blueprint("emailverification", __name__)


@route(
    blueprint,
    "/recipe/user/email/verify/token",
    ["POST"],
    scope=Scope.TENANT,
    body=schemas.PairBody,
    writes=True,
)
def create_token(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/user/email/verify/token (§3)."""
    token = service.create_token(ctx, ctx.input["userId"], ctx.input["email"])
    if token is None:
        return {"status": "EMAIL_ALREADY_VERIFIED_ERROR"}
    return {"status": "OK", "token": token}


@route(
    blueprint,
    "/recipe/user/email/verify",
    ["POST"],
    scope=Scope.TENANT,
    body=schemas.VerifyBody,
    writes=True,
)
def verify(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/user/email/verify: use a token (§4)."""
    verified = service.verify_with_token(ctx, ctx.input["token"])
    if verified is None:
        return {"status": "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"}
    return {"status": "OK", "userId": verified[0], "email": verified[1]}


@route(
    blueprint, "/recipe/user/email/verify", ["GET"], scope=Scope.APP, query=schemas.IsVerifiedQuery
)
def is_verified(ctx: RequestContext) -> dict[str, Any]:
    """GET /recipe/user/email/verify (§5): on the hot path of the SDK's claim refresh."""
    conn, _ = ctx.user_database(ctx.input["userId"])
    return {
        "status": "OK",
        "isVerified": store.is_verified(
            conn, ctx.tenant.app_id, ctx.input["userId"], ctx.input["email"]
        ),
    }


@route(
    blueprint,
    "/recipe/user/email/verify/remove",
    ["POST"],
    scope=Scope.APP,
    body=schemas.PairBody,
    writes=True,
)
def unverify(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/user/email/verify/remove (§6)."""
    conn, _ = ctx.user_database(ctx.input["userId"])
    store.unmark_verified(conn, ctx.tenant.app_id, ctx.input["userId"], ctx.input["email"])
    return {"status": "OK"}


@route(
    blueprint,
    "/recipe/user/email/verify/token/remove",
    ["POST"],
    scope=Scope.TENANT,
    body=schemas.PairBody,
    writes=True,
)
def revoke_tokens(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/user/email/verify/token/remove (§7)."""
    store.delete_tokens(ctx.conn, ctx.tenant, ctx.input["userId"], ctx.input["email"])
    return {"status": "OK"}

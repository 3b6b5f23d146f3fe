"""Session routes, JWT routes and JWKS (contract, session §5–§7)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from core_app.plugin_api import BadRequest, RequestContext, Scope, json_response, route
from plugins.session import jwt_service, schemas, service

blueprint = Blueprint("session", __name__)


@route(
    blueprint,
    "/recipe/session",
    ["POST"],
    scope=Scope.TENANT,
    body=schemas.CreateSessionBody,
    writes=True,
)
def create_session(ctx: RequestContext) -> dict[str, Any]:
    """POST /<tenant>/recipe/session: create a session (§5.1)."""
    body = ctx.input
    return service.create_session(
        ctx,
        body["userId"],
        body["enableAntiCsrf"],
        body["userDataInJWT"],
        body["userDataInDatabase"],
        body["useDynamicSigningKey"],
    )


@route(
    blueprint,
    "/recipe/session/verify",
    ["POST"],
    scope=Scope.APP_TENANT_IGNORED,
    body=schemas.VerifySessionBody,
    writes=True,
)
def verify_session(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/session/verify (§5.2)."""
    body = ctx.input
    return service.verify_session(
        ctx,
        body["accessToken"],
        body["antiCsrfToken"],
        body["doAntiCsrfCheck"],
        body["enableAntiCsrf"],
        body["checkDatabase"],
    )


@route(
    blueprint,
    "/recipe/session/refresh",
    ["POST"],
    scope=Scope.TENANT,
    body=schemas.RefreshSessionBody,
    writes=True,
)
def refresh_session(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/session/refresh (§5.3)."""
    body = ctx.input
    return service.refresh_session(
        ctx,
        body["refreshToken"],
        body["antiCsrfToken"],
        body["enableAntiCsrf"],
        body["useDynamicSigningKey"],
    )


@route(
    blueprint,
    "/recipe/session/remove",
    ["POST"],
    scope=Scope.HANDLER,
    body=schemas.RemoveSessionsBody,
    writes=True,
)
def remove_sessions(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/session/remove: by handles or by user (§5.5)."""
    body = ctx.input
    if "sessionHandles" in body:
        ctx.require_scope(Scope.APP_TENANT_IGNORED)
        revoked = service.remove_by_handles(ctx, body["sessionHandles"])
    else:
        across = body.get("revokeAcrossAllTenants", True)
        ctx.require_scope(Scope.APP if across else Scope.TENANT)
        revoked = service.remove_by_user(
            ctx, body["userId"], across, body.get("revokeSessionsForLinkedAccounts", True)
        )
    return {"status": "OK", "sessionHandlesRevoked": revoked}


@route(
    blueprint,
    "/recipe/session",
    ["GET"],
    scope=Scope.APP_TENANT_IGNORED,
    query=schemas.SessionHandleQuery,
    replica=True,
)
def get_session(ctx: RequestContext) -> dict[str, Any]:
    """GET /recipe/session?sessionHandle= (§5.6)."""
    return service.get_session(ctx, ctx.input["sessionHandle"])


@route(
    blueprint,
    "/recipe/session/user",
    ["GET"],
    scope=Scope.HANDLER,
    query=schemas.UserSessionsQuery,
    replica=True,
)
def user_sessions(ctx: RequestContext) -> dict[str, Any]:
    """GET /recipe/session/user: handles of a user's alive sessions (§5.7)."""
    query = ctx.input
    across = query["fetchAcrossAllTenants"]
    ctx.require_scope(Scope.APP if across else Scope.TENANT)
    return {
        "status": "OK",
        "sessionHandles": service.handles_of_user(
            ctx, query["userId"], across, query["fetchSessionsForAllLinkedAccounts"]
        ),
    }


@route(
    blueprint,
    "/recipe/session/regenerate",
    ["POST"],
    scope=Scope.APP_TENANT_IGNORED,
    body=schemas.RegenerateBody,
    writes=True,
)
def regenerate(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/session/regenerate (§5.8)."""
    return service.regenerate(ctx, ctx.input["accessToken"], ctx.input["userDataInJWT"])


@route(
    blueprint,
    "/recipe/session/data",
    ["PUT"],
    scope=Scope.APP_TENANT_IGNORED,
    body=schemas.SessionDataBody,
    writes=True,
)
def put_session_data(ctx: RequestContext) -> dict[str, Any]:
    """PUT /recipe/session/data (§5.9)."""
    return service.update_session_data(
        ctx, ctx.input["sessionHandle"], ctx.input["userDataInDatabase"]
    )


@route(
    blueprint,
    "/recipe/session/data",
    ["GET"],
    scope=Scope.APP_TENANT_IGNORED,
    query=schemas.SessionHandleQuery,
    replica=True,
)
def get_session_data(ctx: RequestContext) -> dict[str, Any]:
    """GET /recipe/session/data (deprecated, §5.9)."""
    return service.read_session_data(ctx, ctx.input["sessionHandle"], "userDataInDatabase")


@route(
    blueprint,
    "/recipe/jwt/data",
    ["PUT"],
    scope=Scope.APP_TENANT_IGNORED,
    body=schemas.JwtDataBody,
    writes=True,
)
def put_jwt_data(ctx: RequestContext) -> dict[str, Any]:
    """PUT /recipe/jwt/data: replace the stored access-token payload (§5.10)."""
    return service.update_jwt_payload(ctx, ctx.input["sessionHandle"], ctx.input["userDataInJWT"])


@route(
    blueprint,
    "/recipe/jwt/data",
    ["GET"],
    scope=Scope.APP_TENANT_IGNORED,
    query=schemas.SessionHandleQuery,
    replica=True,
)
def get_jwt_data(ctx: RequestContext) -> dict[str, Any]:
    """GET /recipe/jwt/data (deprecated, §5.10)."""
    return service.read_session_data(ctx, ctx.input["sessionHandle"], "userDataInJWT")


@route(blueprint, "/recipe/jwt", ["POST"], scope=Scope.APP, body=schemas.CreateJwtBody)
def create_jwt(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/jwt: sign a custom JWT (§6.1)."""
    body = ctx.input
    if body["algorithm"].upper() != "RS256":
        return {"status": "UNSUPPORTED_ALGORITHM_ERROR"}
    if body["validity"] <= 0:
        raise BadRequest("validity must be greater than or equal to 0")
    return {
        "status": "OK",
        "jwt": jwt_service.sign_jwt(
            ctx, body["payload"], body["jwksDomain"], body["validity"], body["useStaticSigningKey"]
        ),
    }


@route(blueprint, "/recipe/jwt/jwks", ["GET"], scope=Scope.APP)
def jwt_jwks(ctx: RequestContext) -> dict[str, Any]:
    """GET /recipe/jwt/jwks (deprecated, §6.2)."""
    keys, _ = jwt_service.jwks(ctx)
    return {"status": "OK", "keys": keys}


@route(blueprint, "/.well-known/jwks.json", ["GET"], scope=Scope.NO_AUTH)
def well_known_jwks(ctx: RequestContext) -> Response:
    """GET /.well-known/jwks.json: the app's public keys, cacheable until the next key (§7.3)."""
    keys, max_age_s = jwt_service.jwks(ctx)
    answer = json_response({"keys": keys})
    answer.headers["Cache-Control"] = f"max-age={max_age_s}, must-revalidate"
    return answer

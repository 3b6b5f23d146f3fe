"""Third-party routes (contract, thirdparty). Views parse, scope and answer; the rules are
in ``service``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from core_app.plugin_api import BadRequest, RequestContext, Scope, normalise_email, route
from plugins.thirdparty import schemas, service
from plugins.thirdparty.service import RECIPE_ID
from plugins.thirdparty.store import Identity

blueprint = Blueprint("thirdparty", __name__)


@route(
    blueprint,
    "/recipe/signinup",
    ["POST"],
    scope=Scope.TENANT,
    body=schemas.SignInUpBody,
    writes=True,
    signs_in=True,
)
def sign_in_up(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/signinup: the user of a provider identity, made on first use (§4)."""
    given = ctx.input
    identity = Identity(given["thirdPartyId"], given["thirdPartyUserId"])
    return service.sign_in_up(ctx, identity, given["email"]["id"], given["email"]["isVerified"])


@route(
    blueprint,
    "/recipe/users/by-email",
    ["GET"],
    scope=Scope.TENANT,
    query=schemas.UsersByEmailQuery,
    replica=True,
)
def users_by_email(ctx: RequestContext) -> dict[str, Any]:
    """GET /recipe/users/by-email, deprecated (§5)."""
    return {
        "status": "OK",
        "users": service.users_by_email(ctx, normalise_email(ctx.input["email"])),
    }


@route(
    blueprint,
    "/recipe/user",
    ["GET"],
    scope=Scope.HANDLER,
    query=schemas.UserQuery,
    rid=RECIPE_ID,
    replica=True,
)
def get_user(ctx: RequestContext) -> dict[str, Any]:
    """GET /recipe/user with ``rid: thirdparty``, deprecated (§6)."""
    user_id = ctx.input.get("userId")
    third_party_id = ctx.input.get("thirdPartyId")
    third_party_user_id = ctx.input.get("thirdPartyUserId")
    if user_id is not None and (third_party_id is not None or third_party_user_id is not None):
        raise BadRequest("Please provide only one of userId or (thirdPartyId & thirdPartyUserId)")
    if user_id is not None:
        ctx.require_scope(Scope.APP)
        user = ctx.login_method_user(user_id, RECIPE_ID)
        return {"status": "OK", "user": user} if user else {"status": "UNKNOWN_USER_ID_ERROR"}
    if third_party_id is None or third_party_user_id is None:
        raise BadRequest("Please provide one of userId or (thirdPartyId & thirdPartyUserId)")
    ctx.require_scope(Scope.TENANT)
    user = service.user_by_identity(ctx, Identity(third_party_id, third_party_user_id))
    return {"status": "OK", "user": user} if user else {"status": "UNKNOWN_THIRD_PARTY_USER_ERROR"}

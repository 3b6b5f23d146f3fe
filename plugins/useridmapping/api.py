"""User-id mapping routes (contract, multitenancy §7)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy.exc import IntegrityError

from core_app.errors import BadRequest, StatusOutcome
from core_app.routes import RequestContext, Scope, route
from core_app.users import store as users_store
from plugins.useridmapping import schemas, store

blueprint = Blueprint("useridmapping", __name__)

# The order upstream checks the non-login recipes in; the first with data is named.
DATA_ORDER = ("Session", "UserMetadata", "UserRoles", "EmailVerification", "TOTP")
UNKNOWN_MAPPING = {"status": "UNKNOWN_MAPPING_ERROR"}


def _data_kept(ctx: RequestContext, user_id: str) -> list[str]:
    """The names of the non-login recipes keeping data under ``user_id``, upstream's order.

    Per-tenant data (sessions, role assignments) may be in any database of the app.
    """
    names: set[str] = set()
    for _tenant, conn in ctx.app_tenant_connections():
        names.update(name for name in ctx.core.plugins.hook.st_user_data_kept(
            conn=conn, app_id=ctx.tenant.app_id, user_id=user_id) if name)
    return sorted(names, key=lambda name: (DATA_ORDER.index(name)
                                           if name in DATA_ORDER else len(DATA_ORDER), name))


def _refuse_if_data_kept(ctx: RequestContext, user_id: str) -> None:
    kept = _data_kept(ctx, user_id)
    if kept:
        raise BadRequest(f"UserId is already in use in {kept[0]} recipe")


def _already_exists(supertokens_side: bool, external_side: bool) -> StatusOutcome:
    # The SDK reads the snake-case key; upstream sends only the camel-case one (Extension).
    return StatusOutcome("USER_ID_MAPPING_ALREADY_EXISTS_ERROR",
                         doesSuperTokensUserIdExist=supertokens_side,
                         doesExternalUserIdExist=external_side,
                         does_external_user_id_exist=external_side)


def _is_user(ctx: RequestContext, user_id: str) -> bool:
    return users_store.find_recipe_user(ctx.conn, ctx.tenant.app_id, user_id) is not None


@route(blueprint, "/recipe/userid/map", ["POST"], scope=Scope.APP, body=schemas.CreateBody,
       writes=True)
def create_mapping(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/userid/map: map a SuperTokens id to an external id (§7.2)."""
    app_id = ctx.tenant.app_id
    supertokens_id, external_id = ctx.input["superTokensUserId"], ctx.input["externalUserId"]
    taken = store.find(ctx.conn, app_id, external_id, "EXTERNAL")
    if taken is not None:
        raise _already_exists(taken.supertokens_user_id == supertokens_id, True)
    if not _is_user(ctx, supertokens_id):
        return {"status": "UNKNOWN_SUPERTOKENS_USER_ID_ERROR"}
    if not ctx.input["force"]:
        if _is_user(ctx, external_id):
            raise BadRequest("Cannot create a userId mapping where the externalId is also a "
                             "SuperTokens userID")
        kept = _data_kept(ctx, supertokens_id)
        if kept == ["EmailVerification"]:
            # Upstream moves verification rather than refusing: sign-ups mark emails
            # verified on their own, before an app gets to map the new user.
            for _tenant, conn in ctx.app_tenant_connections():
                ctx.core.plugins.hook.st_user_data_moved(
                    conn=conn, app_id=app_id, from_user_id=supertokens_id, to_user_id=external_id)
        elif kept:
            raise BadRequest(f"UserId is already in use in {kept[0]} recipe")
    try:
        with ctx.conn.begin_nested():
            store.create(ctx.conn, app_id, store.Mapping(supertokens_id, external_id,
                                                         ctx.input.get("externalUserIdInfo")))
    except IntegrityError:
        # Raised, so a verification move above is rolled back with it.
        taken = store.find(ctx.conn, app_id, external_id, "EXTERNAL")
        if taken is not None:
            raise _already_exists(taken.supertokens_user_id == supertokens_id, True) from None
        raise _already_exists(True, False) from None
    return {"status": "OK"}


def _mapping_json(mapping: store.Mapping) -> dict[str, Any]:
    answer = {"status": "OK", "superTokensUserId": mapping.supertokens_user_id,
              "externalUserId": mapping.external_user_id}
    if mapping.external_user_id_info is not None:
        answer["externalUserIdInfo"] = mapping.external_user_id_info
    return answer


@route(blueprint, "/recipe/userid/map", ["GET"], scope=Scope.APP, query=schemas.MappingQuery)
def get_mapping(ctx: RequestContext) -> dict[str, Any]:
    """GET /recipe/userid/map (§7.3)."""
    mapping = store.find(ctx.conn, ctx.tenant.app_id, ctx.input["userId"],
                         ctx.input["userIdType"])
    return _mapping_json(mapping) if mapping else UNKNOWN_MAPPING


def _side(ctx: RequestContext, user_id: str) -> str:
    """The side ``userIdType`` names; for ``ANY``, SuperTokens when the id is a user's."""
    side = ctx.input.get("userIdType") or "ANY"
    if side == "ANY":
        return "SUPERTOKENS" if _is_user(ctx, user_id) else "EXTERNAL"
    return side


@route(blueprint, "/recipe/userid/map/remove", ["POST"], scope=Scope.APP,
       body=schemas.RemoveBody, writes=True)
def remove_mapping(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/userid/map/remove (§7.4)."""
    app_id, user_id = ctx.tenant.app_id, ctx.input["userId"]
    mapping = store.find(ctx.conn, app_id, user_id)
    if mapping is None:
        return {"status": "OK", "didMappingExist": False}
    if _is_user(ctx, mapping.external_user_id):
        # The external id is also a user's own id (a forced mapping): its data is that
        # user's, so nothing would be orphaned.
        existed = store.remove(ctx.conn, app_id, mapping.supertokens_user_id, "SUPERTOKENS")
        return {"status": "OK", "didMappingExist": existed}
    if not ctx.input["force"]:
        _refuse_if_data_kept(ctx, mapping.external_user_id)
    existed = store.remove(ctx.conn, app_id, user_id, _side(ctx, user_id))
    return {"status": "OK", "didMappingExist": existed}


@route(blueprint, "/recipe/userid/external-user-id-info", ["PUT", "POST"], scope=Scope.APP,
       body=schemas.InfoBody, writes=True)
def update_info(ctx: RequestContext) -> dict[str, Any]:
    """PUT /recipe/userid/external-user-id-info; POST too, which the SDK sends (§7.5)."""
    user_id = ctx.input["userId"]
    updated = store.set_info(ctx.conn, ctx.tenant.app_id, user_id, _side(ctx, user_id),
                             ctx.input["externalUserIdInfo"])
    return {"status": "OK"} if updated else UNKNOWN_MAPPING

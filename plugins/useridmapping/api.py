"""User-id mapping routes (contract, multitenancy §7).

A mapping is kept in the database holding its SuperTokens user (as upstream keeps it in the
user's storage): tenants with a ``connection_uri`` of their own hold their users' mappings.
An external id is unique across every database of the app.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from core_app.plugin_api import BadRequest, RequestContext, Scope, StatusOutcome, route
from core_app.plugin_api import users as users_store
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
    for conn in ctx.app_databases():
        names.update(
            name
            for name in ctx.hooks.st_user_data_kept(
                conn=conn, app_id=ctx.tenant.app_id, user_id=user_id
            )
            if name
        )
    return sorted(
        names,
        key=lambda name: (DATA_ORDER.index(name) if name in DATA_ORDER else len(DATA_ORDER), name),
    )


def _refuse_if_data_kept(ctx: RequestContext, user_id: str) -> None:
    kept = _data_kept(ctx, user_id)
    if kept:
        raise BadRequest(f"UserId is already in use in {kept[0]} recipe")


def _already_exists(supertokens_side: bool, external_side: bool) -> StatusOutcome:
    # The SDK reads the snake-case key; upstream sends only the camel-case one (Extension).
    return StatusOutcome(
        "USER_ID_MAPPING_ALREADY_EXISTS_ERROR",
        doesSuperTokensUserIdExist=supertokens_side,
        doesExternalUserIdExist=external_side,
        does_external_user_id_exist=external_side,
    )


def _is_user(conn: Connection, ctx: RequestContext, user_id: str) -> bool:
    """Whether ``user_id`` is a SuperTokens user in ``conn``'s database."""
    return users_store.find_recipe_user(conn, ctx.tenant.app_id, user_id) is not None


def _mapping_database(ctx: RequestContext, user_id: str) -> Connection:
    """The database of the app holding a mapping with ``user_id`` on either side, else the
    one holding the user ``user_id``, else the app's own database."""
    databases = ctx.app_databases()
    if len(databases) > 1:
        for conn in databases:
            if store.find(conn, ctx.tenant.app_id, user_id) is not None or _is_user(
                conn, ctx, user_id
            ):
                return conn
    return databases[0]


def _external_id_taken(ctx: RequestContext, external_id: str) -> store.Mapping | None:
    """The mapping that already uses ``external_id``, in any database of the app."""
    for conn in ctx.app_databases():
        taken = store.find(conn, ctx.tenant.app_id, external_id, "EXTERNAL")
        if taken is not None:
            return taken
    return None


@route(
    blueprint, "/recipe/userid/map", ["POST"], scope=Scope.APP, body=schemas.CreateBody, writes=True
)
def create_mapping(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/userid/map: map a SuperTokens id to an external id (§7.2), in the
    database holding the SuperTokens user."""
    app_id = ctx.tenant.app_id
    supertokens_id, external_id = ctx.input["superTokensUserId"], ctx.input["externalUserId"]
    taken = _external_id_taken(ctx, external_id)
    if taken is not None:
        raise _already_exists(taken.supertokens_user_id == supertokens_id, True)
    conn = _mapping_database(ctx, supertokens_id)
    if not _is_user(conn, ctx, supertokens_id):
        return {"status": "UNKNOWN_SUPERTOKENS_USER_ID_ERROR"}
    if not ctx.input["force"]:
        if any(_is_user(database, ctx, external_id) for database in ctx.app_databases()):
            raise BadRequest(
                "Cannot create a userId mapping where the externalId is also a SuperTokens userID"
            )
        kept = _data_kept(ctx, supertokens_id)
        if kept == ["EmailVerification"]:
            # Upstream moves verification rather than refusing: sign-ups mark emails
            # verified on their own, before an app gets to map the new user.
            for database in ctx.app_databases():
                ctx.hooks.st_user_data_moved(
                    conn=database,
                    app_id=app_id,
                    from_user_id=supertokens_id,
                    to_user_id=external_id,
                )
        elif kept:
            raise BadRequest(f"UserId is already in use in {kept[0]} recipe")
    try:
        with conn.begin_nested():
            store.create(
                conn,
                app_id,
                store.Mapping(supertokens_id, external_id, ctx.input.get("externalUserIdInfo")),
            )
    except IntegrityError:
        # Raised, so a verification move above is rolled back with it.
        taken = store.find(conn, app_id, external_id, "EXTERNAL")
        if taken is not None:
            raise _already_exists(taken.supertokens_user_id == supertokens_id, True) from None
        raise _already_exists(True, False) from None
    return {"status": "OK"}


def _mapping_json(mapping: store.Mapping) -> dict[str, Any]:
    answer = {
        "status": "OK",
        "superTokensUserId": mapping.supertokens_user_id,
        "externalUserId": mapping.external_user_id,
    }
    if mapping.external_user_id_info is not None:
        answer["externalUserIdInfo"] = mapping.external_user_id_info
    return answer


@route(blueprint, "/recipe/userid/map", ["GET"], scope=Scope.APP, query=schemas.MappingQuery)
def get_mapping(ctx: RequestContext) -> dict[str, Any]:
    """GET /recipe/userid/map (§7.3)."""
    user_id = ctx.input["userId"]
    mapping = store.find(
        _mapping_database(ctx, user_id), ctx.tenant.app_id, user_id, ctx.input["userIdType"]
    )
    return _mapping_json(mapping) if mapping else UNKNOWN_MAPPING


def _side(conn: Connection, ctx: RequestContext, user_id: str) -> str:
    """The side ``userIdType`` names; for ``ANY``, SuperTokens when the id is a user's."""
    side = ctx.input.get("userIdType") or "ANY"
    if side == "ANY":
        return "SUPERTOKENS" if _is_user(conn, ctx, user_id) else "EXTERNAL"
    return side


@route(
    blueprint,
    "/recipe/userid/map/remove",
    ["POST"],
    scope=Scope.APP,
    body=schemas.RemoveBody,
    writes=True,
)
def remove_mapping(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/userid/map/remove (§7.4)."""
    app_id, user_id = ctx.tenant.app_id, ctx.input["userId"]
    conn = _mapping_database(ctx, user_id)
    mapping = store.find(conn, app_id, user_id)
    if mapping is None:
        return {"status": "OK", "didMappingExist": False}
    if _is_user(conn, ctx, mapping.external_user_id):
        # The external id is also a user's own id (a forced mapping): its data is that
        # user's, so nothing would be orphaned.
        existed = store.remove(conn, app_id, mapping.supertokens_user_id, "SUPERTOKENS")
        return {"status": "OK", "didMappingExist": existed}
    if not ctx.input["force"]:
        _refuse_if_data_kept(ctx, mapping.external_user_id)
    existed = store.remove(conn, app_id, user_id, _side(conn, ctx, user_id))
    return {"status": "OK", "didMappingExist": existed}


@route(
    blueprint,
    "/recipe/userid/external-user-id-info",
    ["PUT", "POST"],
    scope=Scope.APP,
    body=schemas.InfoBody,
    writes=True,
)
def update_info(ctx: RequestContext) -> dict[str, Any]:
    """PUT /recipe/userid/external-user-id-info; POST too, which the SDK sends (§7.5)."""
    user_id = ctx.input["userId"]
    conn = _mapping_database(ctx, user_id)
    updated = store.set_info(
        conn, ctx.tenant.app_id, user_id, _side(conn, ctx, user_id), ctx.input["externalUserIdInfo"]
    )
    return {"status": "OK"} if updated else UNKNOWN_MAPPING

"""Core user routes (contract, users §2–§6)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from marshmallow import ValidationError

from core_app.account_info import normalise_email, normalise_phone_number
from core_app.errors import BadRequest
from core_app.inputs import JsonBoolean, JsonString, QueryInt, QueryString, RequestSchema
from core_app.recipes import AccountInfo, UserSearch
from core_app.routes import RequestContext, Scope, route
from core_app.users import service

blueprint = Blueprint("users", __name__)

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100
# Upstream's recipe ids (plugin interface RECIPE_ID); enabled recipes add their own.
KNOWN_RECIPE_IDS = frozenset(
    (
        "emailpassword",
        "thirdparty",
        "session",
        "emailverification",
        "jwt",
        "passwordless",
        "usermetadata",
        "userroles",
        "useridmapping",
        "dashboard",
        "totp",
        "multitenancy",
        "accountlinking",
        "multifactorauth",
        "oauth",
        "webauthn",
        "saml",
    )
)


class UserIdQuery(RequestSchema):
    """GET /user/id."""

    userId = QueryString(required=True)


@route(blueprint, "/user/id", ["GET"], scope=Scope.APP, query=UserIdQuery, replica=True)
def get_user(ctx: RequestContext) -> dict[str, Any]:
    """GET /user/id: the user containing this recipe user (§2)."""
    app_id = ctx.tenant.app_id
    conn, user_id = service.user_database(
        ctx.app_databases(), ctx.core.plugins, app_id, ctx.input["userId"]
    )
    user = service.get_user(conn, ctx.core.plugins, app_id, user_id, ctx.cdi_version)
    if user is None:
        return {"status": "UNKNOWN_USER_ID_ERROR"}
    return {"status": "OK", "user": user}


class RemoveUserBody(RequestSchema):
    """POST /user/remove."""

    userId = JsonString(required=True)
    removeAllLinkedAccounts = JsonBoolean(load_default=True)


@route(blueprint, "/user/remove", ["POST"], scope=Scope.APP, body=RemoveUserBody, writes=True)
def remove_user(ctx: RequestContext) -> dict[str, Any]:
    """POST /user/remove: delete a user and everything kept for it, in every database of the
    app; OK even if unknown (§3)."""
    service.delete_user(
        ctx.app_databases(),
        ctx.core.plugins,
        ctx.tenant.app_id,
        ctx.input["userId"],
        ctx.input["removeAllLinkedAccounts"],
    )
    return {"status": "OK"}


def _recipe_ids(value: str | None, ctx_known: frozenset[str]) -> tuple[str, ...]:
    """``includeRecipeIds``: comma-separated, blanks dropped, every id known."""
    if value is None:
        return ()
    ids = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    for recipe_id in ids:
        if recipe_id not in ctx_known:
            raise BadRequest(f"Unknown recipe ID: {recipe_id}")
    return ids


def _known_recipe_ids(ctx: RequestContext) -> frozenset[str]:
    return KNOWN_RECIPE_IDS | {recipe.id for recipe in ctx.core.recipes}


def _search_tags(value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(tag for tag in (part.strip().lower() for part in value.split(";")) if tag)


def _check_order(value: str) -> None:
    if value not in ("ASC", "DESC"):
        raise ValidationError("timeJoinedOrder can be either ASC OR DESC")


class UsersQuery(RequestSchema):
    """GET /users, in upstream's check order (recipe ids are checked by the view first)."""

    includeRecipeIds = QueryString()
    paginationToken = QueryString()
    limit = QueryInt()
    timeJoinedOrder = QueryString(validate=_check_order, load_default="ASC")
    email = QueryString()
    phone = QueryString()
    provider = QueryString()


@route(blueprint, "/users", ["GET"], scope=Scope.TENANT, query=UsersQuery, replica=True)
def list_users(ctx: RequestContext) -> dict[str, Any]:
    """GET /users: a page of the tenant's users, or the dashboard's search (§4)."""
    query = ctx.input
    recipe_ids = _recipe_ids(query.get("includeRecipeIds"), _known_recipe_ids(ctx))
    search = UserSearch(
        _search_tags(query.get("email")),
        _search_tags(query.get("phone")),
        _search_tags(query.get("provider")),
    )
    searching = bool(search.emails or search.phone_numbers or search.third_party_ids)
    limit = query.get("limit")
    if limit is None:
        limit = DEFAULT_PAGE_SIZE
    elif limit > MAX_PAGE_SIZE and not searching:
        raise BadRequest(f"max limit allowed is {MAX_PAGE_SIZE}")
    elif limit < 1:
        raise BadRequest("limit must a positive integer with min value 1")
    ascending = query["timeJoinedOrder"] == "ASC"
    if searching:
        users = service.search_users(
            ctx.conn, ctx.core.plugins, ctx.tenant, search, recipe_ids, ascending, ctx.cdi_version
        )
        return {"status": "OK", "users": users}
    after = None
    if query.get("paginationToken") is not None:
        try:
            after = service.decode_page_key(query["paginationToken"])
        except service.InvalidPaginationToken:
            raise BadRequest("invalid pagination token") from None
    page = service.list_users(
        ctx.conn, ctx.core.plugins, ctx.tenant, recipe_ids, ascending, after, limit, ctx.cdi_version
    )
    answer: dict[str, Any] = {"status": "OK", "users": page.users}
    if page.next_token is not None:
        answer["nextPaginationToken"] = page.next_token
    return answer


class UsersCountQuery(RequestSchema):
    """GET /users/count."""

    includeRecipeIds = QueryString()
    includeAllTenants = QueryString()


@route(blueprint, "/users/count", ["GET"], scope=Scope.HANDLER, query=UsersCountQuery, replica=True)
def count_users(ctx: RequestContext) -> dict[str, Any]:
    """GET /users/count: users of the tenant, or of every tenant of the app (§5)."""
    recipe_ids = _recipe_ids(ctx.input.get("includeRecipeIds"), _known_recipe_ids(ctx))
    all_tenants = (ctx.input.get("includeAllTenants") or "").lower() == "true"
    if not all_tenants:
        ctx.require_scope(Scope.TENANT)
        return {
            "status": "OK",
            "count": service.count_users(ctx.conn, ctx.tenant, recipe_ids, False),
        }
    ctx.require_scope(Scope.APP)
    # Tenants may keep their users in databases of their own: count in each one.
    total = sum(
        service.count_users(conn, tenant, recipe_ids, True)
        for tenant, conn in ctx.app_tenant_connections()
    )
    return {"status": "OK", "count": total}


def _check_union(value: str) -> None:
    if value not in ("true", "false"):
        raise ValidationError("'doUnionOfAccountInfo' should be either 'true' or 'false'")


class AccountInfoQuery(RequestSchema):
    """GET /users/by-accountinfo, in upstream's check order."""

    email = QueryString()
    phoneNumber = QueryString()
    thirdPartyId = QueryString()
    thirdPartyUserId = QueryString()
    webauthnCredentialId = QueryString()
    doUnionOfAccountInfo = QueryString(required=True, validate=_check_union)


@route(blueprint, "/users/by-accountinfo", ["GET"], scope=Scope.TENANT, query=AccountInfoQuery)
def users_by_account_info(ctx: RequestContext) -> dict[str, Any]:
    """GET /users/by-accountinfo: users of the tenant with any or all of the items (§6)."""
    query = ctx.input
    third_party_id, third_party_user_id = query.get("thirdPartyId"), query.get("thirdPartyUserId")
    if (third_party_id is None) != (third_party_user_id is None):
        raise BadRequest(
            "If 'thirdPartyId' is provided, 'thirdPartyUserId' must also be "
            "provided, and vice versa"
        )
    items = []
    if query.get("email") is not None:
        items.append(AccountInfo(email=normalise_email(query["email"])))
    if query.get("phoneNumber") is not None:
        items.append(AccountInfo(phone_number=normalise_phone_number(query["phoneNumber"])))
    if third_party_id is not None:
        items.append(AccountInfo(third_party=(third_party_id, third_party_user_id)))
    if query.get("webauthnCredentialId") is not None:
        items.append(AccountInfo(webauthn_credential_id=query["webauthnCredentialId"]))
    users = service.users_with_account_info(
        ctx.conn,
        ctx.core.plugins,
        ctx.tenant,
        items,
        query["doUnionOfAccountInfo"] == "true",
        ctx.cdi_version,
    )
    return {"status": "OK", "users": users}

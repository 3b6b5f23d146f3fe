"""Account linking: primary users, linking and unlinking (contract, accountlinking).

A group is a primary user with the recipe users linked to it, kept in the host's user
index. Every change here keeps the rule that, within a tenant, no two primary users own
the same email, phone number or third-party identity (§1); the checks and the change run
in one transaction under the app's linking lock.

A group lives in one database of the app (that of the tenants its users signed up in,
when tenants have databases of their own); every read and change of a group goes to that
database, named explicitly. Users of two databases cannot be linked (upstream's "different
pool IDs" 400).
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from sqlalchemy import Connection

from core_app.plugin_api import BadRequest, RequestContext, users
from core_app.plugin_api import users as index
from core_app.plugin_api.users import (
    HELD_ELSEWHERE,
    Group,
    find_conflict,
    group_database,
    load_group,
    lock_account_linking_everywhere,
)

ALREADY_LINKED = "This user ID is already linked to another user ID"
LINKED_ELSEWHERE = "The input recipe user ID is already linked to another user ID"
# The SDK reads a description here; upstream sends none (Extension, README).
NOT_A_PRIMARY_USER = "The input primary user ID is not a primary user"


def _visible(ctx: RequestContext, conn: Connection, user_id: str) -> str:
    return users.external_user_id(conn, ctx.plugins, ctx.tenant.app_id, user_id)


def _user_json(ctx: RequestContext, group: Group, group_id: str) -> dict[str, Any]:
    user = users.get_user(group.database, ctx.plugins, ctx.tenant.app_id, group_id, ctx.cdi_version)
    assert user is not None, "a group read inside its own transaction exists"
    return user


def _conflict_outcome(
    ctx: RequestContext, conn: Connection, conflict: tuple[str, str]
) -> dict[str, Any]:
    holder, kind = conflict
    return {
        "status": "ACCOUNT_INFO_ALREADY_ASSOCIATED_WITH_ANOTHER_PRIMARY_USER_ID_ERROR",
        "primaryUserId": _visible(ctx, conn, holder),
        "description": HELD_ELSEWHERE[kind],
    }


def _regrouped(ctx: RequestContext, user_id: str, data_user_id: str) -> None:
    # The recipe user's sessions may be in any database of the app.
    for conn in ctx.app_databases():
        ctx.hooks.st_recipe_user_regrouped(
            conn=conn, app_id=ctx.tenant.app_id, user_id=user_id, data_user_id=data_user_id
        )


def pool_id(conn: Connection) -> str:
    """The name of a database in upstream's "different pool IDs" message:
    ``|host|port|database`` for a server, ``||<file name>`` for SQLite (never a password
    or a directory)."""
    url = conn.engine.url
    if url.get_backend_name() == "sqlite":
        return f"||{PurePath(url.database or ':memory:').name}"
    return f"|{url.host or ''}|{url.port or ''}|{url.database or ''}"


def _same_database(primary: Group, recipe: Group) -> None:
    if primary.database is not recipe.database:
        raise BadRequest(
            "Cannot link users that are parts of different databases. Different "
            f"pool IDs: {pool_id(primary.database)} AND {pool_id(recipe.database)}"
        )


# --- primary users (§4, §5) ----------------------------------------------------------------


def check_primary(ctx: RequestContext, recipe_user_id: str) -> tuple[Group, dict[str, Any]]:
    """Whether a recipe user can become a primary user: its group and the answer of §4."""
    return _check_primary(ctx, group_database(ctx, recipe_user_id), recipe_user_id)


def _check_primary(
    ctx: RequestContext, conn: Connection, recipe_user_id: str
) -> tuple[Group, dict[str, Any]]:
    group = load_group(ctx, conn, recipe_user_id)
    if group.is_primary:
        supertokens_id = users.supertokens_user_id(
            conn, ctx.plugins, ctx.tenant.app_id, recipe_user_id
        )
        if group.id == supertokens_id:
            return group, {"status": "OK", "wasAlreadyAPrimaryUser": True}
        return group, {
            "status": "RECIPE_USER_ID_ALREADY_LINKED_WITH_PRIMARY_USER_ID_ERROR",
            "primaryUserId": _visible(ctx, conn, group.id),
            "description": ALREADY_LINKED,
        }
    conflict = find_conflict(ctx, group.tenant_ids, list(group.methods), None)
    if conflict is not None:
        return group, _conflict_outcome(ctx, conn, conflict)
    return group, {"status": "OK", "wasAlreadyAPrimaryUser": False}


def create_primary(ctx: RequestContext, recipe_user_id: str) -> dict[str, Any]:
    """§5: make a recipe user a primary user, in the database holding it."""
    lock_account_linking_everywhere(ctx)
    conn = group_database(ctx, recipe_user_id)
    group, answer = _check_primary(ctx, conn, recipe_user_id)
    if answer["status"] != "OK":
        return answer
    if not answer["wasAlreadyAPrimaryUser"]:
        index.make_primary(conn, ctx.tenant.app_id, group.id)
    return {**answer, "user": _user_json(ctx, group, group.id)}


# --- linking (§6, §7) ----------------------------------------------------------------------


def check_link(
    ctx: RequestContext, recipe_user_id: str, primary_user_id: str
) -> tuple[Group, Group, dict[str, Any]]:
    """Whether a recipe user can join a primary user's group: both groups and §6's answer.

    400 when the two users live in different databases of the app.
    """
    primary = load_group(ctx, group_database(ctx, primary_user_id), primary_user_id)
    recipe = load_group(ctx, group_database(ctx, recipe_user_id), recipe_user_id)
    _same_database(primary, recipe)
    if not primary.is_primary:
        return (
            primary,
            primary,
            {"status": "INPUT_USER_IS_NOT_A_PRIMARY_USER", "description": NOT_A_PRIMARY_USER},
        )
    if recipe.is_primary:
        if recipe.id == primary.id:
            return primary, recipe, {"status": "OK", "accountsAlreadyLinked": True}
        return (
            primary,
            recipe,
            {
                "status": "RECIPE_USER_ID_ALREADY_LINKED_WITH_ANOTHER_PRIMARY_USER_ID_ERROR",
                "primaryUserId": _visible(ctx, recipe.database, recipe.id),
                "description": LINKED_ELSEWHERE,
            },
        )
    tenant_ids = sorted(set(primary.tenant_ids) | set(recipe.tenant_ids))
    conflict = find_conflict(
        ctx, tenant_ids, list(recipe.methods) + list(primary.methods), primary.id
    )
    if conflict is not None:
        return primary, recipe, _conflict_outcome(ctx, primary.database, conflict)
    return primary, recipe, {"status": "OK", "accountsAlreadyLinked": False}


def link_accounts(ctx: RequestContext, recipe_user_id: str, primary_user_id: str) -> dict[str, Any]:
    """§7: put a recipe user into a primary user's group; its sessions end."""
    app_id = ctx.tenant.app_id
    lock_account_linking_everywhere(ctx)
    primary, recipe, answer = check_link(ctx, recipe_user_id, primary_user_id)
    status = answer["status"]
    if status == "RECIPE_USER_ID_ALREADY_LINKED_WITH_ANOTHER_PRIMARY_USER_ID_ERROR":
        return {**answer, "user": _user_json(ctx, recipe, recipe.id)}
    if status != "OK":
        return answer
    if not answer["accountsAlreadyLinked"]:
        member = recipe.id
        index.link(primary.database, app_id, member, primary.id)
        _regrouped(ctx, member, _visible(ctx, primary.database, member))
    return {**answer, "user": _user_json(ctx, primary, primary.id)}


# --- unlinking (§8) --------------------------------------------------------------------------


def unlink_account(ctx: RequestContext, recipe_user_id: str) -> dict[str, Any]:
    """§8: take a recipe user out of its group (deleting it if it is the group's id)."""
    app_id, plugins = ctx.tenant.app_id, ctx.plugins
    lock_account_linking_everywhere(ctx)
    conn = group_database(ctx, recipe_user_id)
    group = load_group(ctx, conn, recipe_user_id)
    if not group.is_primary:
        return {"status": "OK", "wasRecipeUserDeleted": False, "wasLinked": False}
    member = users.supertokens_user_id(conn, plugins, app_id, recipe_user_id)
    data_user_id = _visible(ctx, conn, member)
    deleted = False
    if member != group.id:
        index.unlink(conn, app_id, member, group.id)
    elif len(group.member_ids) == 1:
        index.make_primary(conn, app_id, member, primary=False)
    else:
        users.remove_login_method(
            ctx.app_databases(), conn, plugins, app_id, member, group.id, data_user_id
        )
        deleted = True
    _regrouped(ctx, member, data_user_id)
    return {"status": "OK", "wasRecipeUserDeleted": deleted, "wasLinked": True}
